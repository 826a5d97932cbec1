"""Every threshold of the matching engine, in one frozen record (later an audited DB row)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_LEGAL_FORMS: tuple[str, ...] = (
    "ltd", "limited", "gmbh", "mbh", "ag", "kg", "co", "kgaa", "sa", "sas", "sarl", "srl", "spa", "sl",
    "inc", "incorporated", "llc", "llp", "lp", "plc", "corp", "corporation", "company", "bv", "nv",
    "oy", "ab", "as", "aps", "sp", "zoo", "se", "pty", "kft", "doo", "ug", "eg", "ev", "the", "and",
)
DEFAULT_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("intl", "international"), ("int", "international"), ("mfg", "manufacturing"), ("svcs", "services"),
    ("svc", "services"), ("tech", "technologies"), ("techn", "technologies"), ("ind", "industries"),
    ("inds", "industries"), ("grp", "group"), ("hldg", "holding"), ("hldgs", "holdings"),
    ("bros", "brothers"), ("natl", "national"), ("assoc", "associates"), ("dist", "distribution"),
    ("mgmt", "management"), ("sys", "systems"), ("eng", "engineering"), ("log", "logistics"),
)


@dataclass(frozen=True, slots=True)
class MatchingPolicy:
    #: Proposals at or above this confidence are applied without a clerk.
    auto_apply_confidence: Decimal = Decimal("0.95")
    #: Currency of the absolute tolerances below (converted to the payment currency by the rate table).
    tolerance_currency: str = "EUR"
    #: Short payment accepted as a deduction (apply and flag): absolute and relative ceilings, both must hold.
    deduction_max_amount: Decimal = Decimal("50")
    deduction_max_ratio: Decimal = Decimal("0.02")
    #: Short payment explained as bank charges (absolute, tolerance currency).
    bank_charge_max_amount: Decimal = Decimal("15")
    #: Cash discount taken up to this many days after the item's discount days have passed.
    discount_grace_days: int = 3
    #: Candidate items of one payer considered for a combination, oldest due first.
    max_candidates: int = 40
    #: Most items one payment may be combined from.
    max_combination_size: int = 6
    #: Search budget (visited nodes) of one combination search.
    max_search_nodes: int = 20_000
    #: References: minimum significant characters of a key; fuzzy matches need at least this many.
    min_reference_length: int = 4
    min_fuzzy_reference_length: int = 6
    #: A truncated reference may drop up to this many trailing characters.
    max_truncation: int = 3
    #: Open credit notes of a payer tried for netting (each alone, then all together), oldest first.
    max_credit_notes: int = 5
    #: Amount-only: when several items have the amount, the one due within this many days of the payment.
    amount_only_window_days: int = 7
    #: Payer names: rapidfuzz score (0-100) for a fuzzy name match.
    name_min_score: int = 88
    #: Evidence weights (probability that the evidence alone is right), combined by noisy-OR.
    weight_reference_exact: Decimal = Decimal("0.90")
    weight_reference_fuzzy: Decimal = Decimal("0.60")
    weight_payer_account: Decimal = Decimal("0.85")
    weight_payer_name_exact: Decimal = Decimal("0.75")
    weight_payer_name_fuzzy: Decimal = Decimal("0.55")
    #: A reference the payer wrote before that names them (customer or contract number), learned from clerks.
    weight_payer_reference: Decimal = Decimal("0.55")
    weight_amount_exact: Decimal = Decimal("0.80")
    weight_amount_discount: Decimal = Decimal("0.70")
    weight_amount_tolerance: Decimal = Decimal("0.50")
    weight_combination_unique: Decimal = Decimal("0.70")
    weight_combination_ambiguous: Decimal = Decimal("0.20")
    #: A payer's invoices minus its credit notes explain the amount exactly (``CREDIT_NOTE_NETTED``).
    weight_credit_note_netted: Decimal = Decimal("0.70")
    #: Neither payer nor reference found, but exactly one open item has the amount (``AMOUNT_ONLY``): a hint.
    weight_amount_only: Decimal = Decimal("0.40")
    #: Multiplier when the referenced items belong to another customer than the identified payer.
    payer_conflict_factor: Decimal = Decimal("0.60")
    #: Learn payer accounts and names from proposals at or above the auto-apply confidence.
    learn_within_batch: bool = True
    legal_forms: tuple[str, ...] = field(default=DEFAULT_LEGAL_FORMS)
    abbreviations: tuple[tuple[str, str], ...] = field(default=DEFAULT_ABBREVIATIONS)

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.auto_apply_confidence <= Decimal(1):
            raise ValueError("auto_apply_confidence must be between 0 and 1")
        for name in ("deduction_max_amount", "deduction_max_ratio", "bank_charge_max_amount"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_combination_size < 1 or self.max_candidates < 1 or self.max_search_nodes < 1:
            raise ValueError("max_combination_size, max_candidates and max_search_nodes must be at least 1")
        if self.max_credit_notes < 0 or self.amount_only_window_days < 0:
            raise ValueError("max_credit_notes and amount_only_window_days must not be negative")
