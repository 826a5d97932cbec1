"""Every threshold of the matching engine, in one frozen record (stored as audited, versioned data)."""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from decimal import Decimal
from typing import Any

DEFAULT_LEGAL_FORMS: tuple[str, ...] = (
    "ltd", "limited", "gmbh", "mbh", "ag", "kg", "co", "kgaa", "sa", "sas", "sarl", "srl", "spa", "sl",
    "inc", "incorporated", "llc", "llp", "lp", "plc", "corp", "corporation", "company", "bv", "nv",
    "oy", "ab", "as", "aps", "sp", "zoo", "se", "pty", "kft", "doo", "ug", "eg", "ev", "the", "and",
    "ooo", "oao", "zao", "pao", "ae",
)
DEFAULT_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("intl", "international"), ("int", "international"), ("mfg", "manufacturing"), ("svcs", "services"),
    ("svc", "services"), ("tech", "technologies"), ("techn", "technologies"), ("ind", "industries"),
    ("inds", "industries"), ("grp", "group"), ("hldg", "holding"), ("hldgs", "holdings"),
    ("bros", "brothers"), ("natl", "national"), ("assoc", "associates"), ("dist", "distribution"),
    ("mgmt", "management"), ("sys", "systems"), ("eng", "engineering"), ("log", "logistics"),
)

#: The groups of settings as the policy page shows them, in order; the last ones are folded away.
GROUPS: tuple[str, ...] = ("Automatic matching", "Short payments and discounts", "References and names",
                           "Combinations and credit notes", "Evidence weights")
ADVANCED_GROUPS: frozenset[str] = frozenset({"Combinations and credit notes", "Evidence weights"})


def _setting(default: Any, meaning: str, label: str, group: str) -> Any:
    """A policy field with its name in words, its meaning and its group, written once here: the
    policy page and the API read them (:func:`setting_help`, :func:`setting_label`, :func:`setting_group`)."""
    assert group in GROUPS, group
    return field(default=default, metadata={"help": meaning, "label": label, "group": group})


@dataclass(frozen=True, slots=True)
class MatchingPolicy:
    """Every threshold of the matching engine; what each setting means is written on its field."""

    auto_apply_confidence: Decimal = _setting(Decimal("0.95"),
        "Proposals at or above this confidence are applied without a clerk; below it they wait in the "
        "workbench as suggestions.",
        "Apply without a clerk from this confidence", "Automatic matching")
    tolerance_currency: str = _setting("EUR",
        "Currency of the absolute tolerances below (converted to the payment's currency with the rate table).",
        "Currency of the amount limits", "Short payments and discounts")
    deduction_max_amount: Decimal = _setting(Decimal("50"),
        "A short payment is accepted as a deduction (applied, and the difference flagged on the item) up to this "
        "amount…",
        "Largest short payment accepted as a deduction", "Short payments and discounts")
    deduction_max_ratio: Decimal = _setting(Decimal("0.02"),
        "…and up to this share of the item (0.02 = 2 %); both ceilings must hold.",
        "Largest short payment as a share of the item", "Short payments and discounts")
    small_difference_max_amount: Decimal = _setting(Decimal("5"),
        "A payment this much above or below what is open (rounding, fees the banks took) is applied in full, and "
        "the difference recorded as a small difference, not left for a clerk…",
        "Largest small difference", "Short payments and discounts")
    small_difference_max_ratio: Decimal = _setting(Decimal("0.005"),
        "…provided it is also at most this share of what is open (0.005 = 0.5 %); both ceilings must hold.",
        "Largest small difference as a share of what is open", "Short payments and discounts")
    bank_charge_max_amount: Decimal = _setting(Decimal("15"),
        "A short payment up to this amount is explained as bank charges.",
        "Largest difference read as bank charges", "Short payments and discounts")
    discount_grace_days: int = _setting(3,
        "A cash discount is still accepted this many days after the discount period ended.",
        "Days a cash discount is still accepted after its period", "Short payments and discounts")
    max_candidates: int = _setting(40,
        "How many open items of one payer (oldest due first) are considered for a combination.",
        "Open items of one payer tried in a combination", "Combinations and credit notes")
    max_combination_size: int = _setting(6, "The most items one payment may be combined from.",
        "Most items one payment may pay", "Combinations and credit notes")
    max_search_nodes: int = _setting(20_000,
        "Search budget (visited nodes) of one combination search; keeps a run fast.",
        "Search budget of one combination", "Combinations and credit notes")
    min_reference_length: int = _setting(4,
        "References: the fewest significant characters a document number must have to count.",
        "Shortest document number that counts", "References and names")
    min_fuzzy_reference_length: int = _setting(6, "References: the fewest characters for a near (fuzzy) match.",
        "Shortest reference for a near match", "References and names")
    max_truncation: int = _setting(3, "A reference the bank cut short may miss up to this many trailing characters.",
        "Characters a bank may cut off a reference", "References and names")
    max_credit_notes: int = _setting(5,
        "Open credit notes of a payer tried for netting against its invoices (each alone, then all together), "
        "oldest first.",
        "Credit notes tried for netting", "Combinations and credit notes")
    amount_only_window_days: int = _setting(7,
        "When only the amount points to items and several have it, the one due within this many days of the "
        "payment is suggested.",
        "Days around the due date for an amount-only hint", "Combinations and credit notes")
    name_min_score: int = _setting(88, "Payer names: similarity score (0–100) needed for a near name match.",
        "Similarity needed for a near payer name (0–100)", "References and names")
    weight_reference_exact: Decimal = _setting(Decimal("0.90"),
        "Evidence weight of an exact document reference (probability it alone is right); weights combine by "
        "noisy-OR.",
        "Exact document reference", "Evidence weights")
    weight_reference_fuzzy: Decimal = _setting(Decimal("0.60"), "Evidence weight of a near document reference.",
        "Near document reference", "Evidence weights")
    weight_payer_account: Decimal = _setting(Decimal("0.85"), "Evidence weight of a known payer bank account.",
        "Known payer bank account", "Evidence weights")
    weight_payer_name_exact: Decimal = _setting(Decimal("0.75"),
        "Evidence weight of the payer's name matching a customer exactly.",
        "Payer name matches exactly", "Evidence weights")
    weight_payer_name_fuzzy: Decimal = _setting(Decimal("0.55"), "Evidence weight of a near payer name.",
        "Payer name matches nearly", "Evidence weights")
    weight_payer_reference: Decimal = _setting(Decimal("0.55"),
        "Evidence weight of a reference the payer used before that names them (their customer or contract "
        "number), learned from clerks' matches.",
        "Reference that names the payer", "Evidence weights")
    weight_amount_exact: Decimal = _setting(Decimal("0.80"), "Evidence weight of an exact amount.",
        "Exact amount", "Evidence weights")
    weight_amount_discount: Decimal = _setting(Decimal("0.70"),
        "Evidence weight of an amount that equals the item less its cash discount.",
        "Amount less the cash discount", "Evidence weights")
    weight_amount_small_difference: Decimal = _setting(Decimal("0.75"),
        "Evidence weight of an amount within the small difference of what is open.",
        "Amount within a small difference", "Evidence weights")
    weight_amount_tolerance: Decimal = _setting(Decimal("0.50"),
        "Evidence weight of an amount within the deduction or bank-charge tolerance.",
        "Amount within the tolerance", "Evidence weights")
    weight_combination_unique: Decimal = _setting(Decimal("0.70"),
        "Evidence weight of the only combination of items that adds up to the amount.",
        "The only combination of items", "Evidence weights")
    weight_combination_ambiguous: Decimal = _setting(Decimal("0.20"),
        "Evidence weight of a combination when several add up to the amount.",
        "One of several combinations", "Evidence weights")
    weight_credit_note_netted: Decimal = _setting(Decimal("0.70"),
        "Evidence weight of a payer's invoices less its credit notes explaining the amount exactly.",
        "Invoices less credit notes", "Evidence weights")
    weight_amount_only: Decimal = _setting(Decimal("0.40"),
        "Evidence weight when neither payer nor reference is found but exactly one open item has the amount (a "
        "hint for the clerk, never applied alone at the default threshold).",
        "Amount only", "Evidence weights")
    payer_conflict_factor: Decimal = _setting(Decimal("0.60"),
        "Confidence is multiplied by this when the referenced items belong to another customer than the "
        "identified payer.",
        "Factor when the items belong to another customer", "Evidence weights")
    learn_within_batch: bool = _setting(True,
        "Learn payer accounts and names from confident proposals within the same run.",
        "Learn payers within a run", "Automatic matching")
    legal_forms: tuple[str, ...] = _setting(DEFAULT_LEGAL_FORMS,
        "Words ignored when comparing names (legal forms and fillers), separated by spaces or commas.",
        "Words ignored in names", "References and names")
    abbreviations: tuple[tuple[str, str], ...] = _setting(DEFAULT_ABBREVIATIONS,
        "Abbreviations expanded before names are compared, one per line: short = long.",
        "Abbreviations spelt out in names", "References and names")

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.auto_apply_confidence <= Decimal(1):
            raise ValueError("auto_apply_confidence must be between 0 and 1")
        for name in ("deduction_max_amount", "deduction_max_ratio", "bank_charge_max_amount",
                     "small_difference_max_amount", "small_difference_max_ratio"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_combination_size < 1 or self.max_candidates < 1 or self.max_search_nodes < 1:
            raise ValueError("max_combination_size, max_candidates and max_search_nodes must be at least 1")
        if self.max_credit_notes < 0 or self.amount_only_window_days < 0:
            raise ValueError("max_credit_notes and amount_only_window_days must not be negative")


def setting_help(name: str) -> str:
    """What a setting of :class:`MatchingPolicy` means (its field's ``help``)."""
    return str(_FIELDS[name].metadata.get("help", "")) if name in _FIELDS else ""


def setting_group(name: str) -> str:
    """The group a setting is shown in on the policy page (its field's ``group``)."""
    return str(_FIELDS[name].metadata.get("group", GROUPS[-1])) if name in _FIELDS else GROUPS[-1]


def setting_label(name: str) -> str:
    """A setting's name in words (its field's ``label``, else the name with spaces)."""
    label = str(_FIELDS[name].metadata.get("label", "")) if name in _FIELDS else ""
    return label or name.replace("_", " ").capitalize()


_FIELDS: dict[str, Field[Any]] = {f.name: f for f in fields(MatchingPolicy)}
