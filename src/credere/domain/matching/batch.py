"""The state of one matching run over a batch: the policy, the indexes of the open items, what
is still open on each, the candidates a payment could pay, and who the payer is."""


from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from credere.domain.fx import RateTable
from credere.domain.matching import reasons as R
from credere.domain.matching.names import NameIndex
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.references import ReferenceIndex, candidates
from credere.domain.matching.references import normalise as normalise_reference
from credere.domain.matching.values import OpenItem, Payment
from credere.domain.money import minor_units, quantize

CONFIDENCE = Decimal("0.0001")
#: Amount-only look-ups in another currency try at most this many minor units either side of the converted amount.
MAX_AMOUNT_WINDOW = 50
#: A customer's account number quoted in a payment names the payer when it has at least this many significant
#: characters (shorter ones are found by chance in amounts, dates and other numbers).
MIN_CUSTOMER_NUMBER = 5


def normalise_account(account: str) -> str:
    return "".join(ch for ch in account.upper() if ch.isalnum())


@dataclass
class BatchContext:
    policy: MatchingPolicy
    rates: RateTable
    items: dict[str, OpenItem]
    #: Open invoices (not credit notes) of each customer, oldest due first; settled ones pruned lazily.
    by_customer: dict[str, list[str]]
    references: ReferenceIndex
    names: NameIndex
    remaining: dict[str, Decimal]
    accounts: dict[str, str]
    #: Open credit notes of each customer, oldest due first.
    credits_by_customer: dict[str, list[str]] = field(default_factory=dict)
    #: (currency, open amount in minor units) -> invoices; stale entries are checked on use.
    by_amount: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    #: Currencies of the open invoices, sorted.
    currencies: tuple[str, ...] = ()
    learned_names: dict[str, str] = field(default_factory=dict)
    learned_accounts: set[str] = field(default_factory=set)
    #: Normalised payer references -> customer ("" when several customers write it).
    payer_references: dict[str, str] = field(default_factory=dict)
    conflicting: set[str] = field(default_factory=set)
    #: Normalised customer account numbers (long enough, and no document's number) -> the customer.
    customer_numbers: dict[str, str] = field(default_factory=dict)
    _rates: dict[tuple[str, str, dt.date], Decimal | None] = field(default_factory=dict)

    def rate(self, source: str, target: str, on: dt.date) -> Decimal | None:
        if source == target:
            return Decimal(1)
        key = (source, target, on)
        if key not in self._rates:
            try:
                self._rates[key] = self.rates.rate(source, target, on)
            except LookupError:
                self._rates[key] = None
        return self._rates[key]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One open item seen from a payment: its open amount and discounted amount in payment currency."""

    item: OpenItem
    rate: Decimal  # payment currency -> item currency
    open_item: Decimal  # item currency
    open_pay: int  # minor units, payment currency
    discount_item: Decimal  # item currency, 0 if not eligible
    net_pay: int  # minor units, payment currency


def noisy_or(weights: Iterable[Decimal]) -> Decimal:
    miss = Decimal(1)
    for w in weights:
        miss *= Decimal(1) - w
    return Decimal(1) - miss


def to_units(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units(currency)))


def from_units(units: int, currency: str) -> Decimal:
    return quantize(Decimal(units).scaleb(-minor_units(currency)), currency)


def build_context(items: Sequence[OpenItem], policy: MatchingPolicy, rates: RateTable,
           known_accounts: Mapping[str, str], known_names: Mapping[str, str]) -> BatchContext:
    index = ReferenceIndex(policy.min_reference_length, policy.min_fuzzy_reference_length, policy.max_truncation)
    names = NameIndex(frozenset(policy.legal_forms), dict(policy.abbreviations), policy.name_min_score)
    by_id: dict[str, OpenItem] = {}
    by_customer: dict[str, list[str]] = {}
    credits: dict[str, list[str]] = {}
    by_amount: dict[tuple[str, int], list[str]] = {}
    for item in items:
        if item.item_id in by_id:
            raise ValueError(f"item '{item.item_id}' appears twice")
        if item.amount <= 0:
            continue
        by_id[item.item_id] = item
        if item.is_credit:
            credits.setdefault(item.customer_account, []).append(item.item_id)
        else:
            by_customer.setdefault(item.customer_account, []).append(item.item_id)
            by_amount.setdefault((item.currency, to_units(item.amount, item.currency)), []).append(item.item_id)
        index.add(item.item_id, (item.document_number, *item.references))
        names.add(item.customer_account, item.customer_name)
    for table in (by_customer, credits):
        for ids in table.values():
            ids.sort(key=lambda i: (by_id[i].due_date, by_id[i].document_date, i))
    accounts = {normalise_account(k): v for k, v in known_accounts.items() if normalise_account(k)}
    ctx = BatchContext(policy, rates, by_id, by_customer, index, names,
                   {i: item.amount for i, item in by_id.items()}, accounts, credits, by_amount,
                   tuple(sorted({ccy for ccy, units in by_amount})))
    for customer in by_customer:
        key = normalise_reference(customer, MIN_CUSTOMER_NUMBER)
        if key and key not in index.exact and any(ch.isdigit() for ch in key):
            ctx.customer_numbers[key] = customer
    for alias, customer in known_names.items():
        key = names.normalise(alias) if alias.strip() else ""
        if key and ctx.learned_names.setdefault(key, customer) != customer:
            ctx.conflicting.add(key)  # one alias, two customers: it identifies neither
    return ctx


def candidate_of(item: OpenItem, payment: Payment, ctx: BatchContext) -> Candidate | None:
    open_item = ctx.remaining[item.item_id]
    if open_item <= 0:
        return None
    rate = ctx.rate(payment.currency, item.currency, payment.date)
    back = ctx.rate(item.currency, payment.currency, payment.date)
    if rate is None or back is None:
        return None
    open_pay = to_units(quantize(open_item * back, payment.currency), payment.currency)
    discount = Decimal(0)
    last_day = item.document_date + dt.timedelta(days=item.discount_days + ctx.policy.discount_grace_days)
    if item.discount_rate > 0 and not item.is_credit and open_item == item.amount and payment.date <= last_day:
        discount = quantize(item.amount * item.discount_rate, item.currency)
    net_pay = to_units(quantize((open_item - discount) * back, payment.currency), payment.currency)
    if open_pay <= 0:
        return None
    return Candidate(item, rate, open_item, open_pay, discount, net_pay)


@dataclass
class Evidence:
    weights: list[Decimal] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str, weight: Decimal) -> None:
        self.reasons.append(reason)
        self.weights.append(weight)


def identify_payer(payment: Payment, ctx: BatchContext) -> tuple[str, str, Decimal]:
    """(customer, reason, weight) or ("", "", 0)."""
    p = ctx.policy
    account = normalise_account(payment.payer_account)
    if account and account in ctx.accounts and account not in ctx.conflicting:
        reason = R.PAYER_ACCOUNT_LEARNED if account in ctx.learned_accounts else R.PAYER_ACCOUNT
        return ctx.accounts[account], reason, p.weight_payer_account
    if payment.payer_name.strip():
        key = ctx.names.normalise(payment.payer_name)
        found = ctx.names.find(payment.payer_name)
        if key in ctx.learned_names and key not in ctx.conflicting:
            customer = ctx.learned_names[key]
            exact = found is not None and found[1] == "exact" and found[0] == customer
            return customer, R.PAYER_NAME_EXACT if exact else R.PAYER_NAME_LEARNED, p.weight_payer_name_exact
        if found is not None:
            customer, kind, _score = found
            if kind == "exact":
                return customer, R.PAYER_NAME_EXACT, p.weight_payer_name_exact
            return customer, R.PAYER_NAME_FUZZY, p.weight_payer_name_fuzzy
        namesake = ctx.names.find_full(payment.payer_name)  # namesakes told apart by the legal form
        if namesake:
            return namesake, R.PAYER_NAME_EXACT, p.weight_payer_name_exact
    if ctx.payer_references and payment.reference_text:
        named = {ctx.payer_references.get(key, "") for key in candidates(payment.reference_text,
                                                                        p.min_reference_length)} - {""}
        if len(named) == 1:
            return named.pop(), R.PAYER_REFERENCE_LEARNED, p.weight_payer_reference
    if ctx.customer_numbers and payment.reference_text:
        cents = f"{payment.amount:.2f}".replace(".", "")
        quoted = {ctx.customer_numbers[key] for key in candidates(payment.reference_text, p.min_reference_length)
                  if key in ctx.customer_numbers and key not in (cents, f"{payment.amount:.0f}")
                  and not any(_recent_date(key.rjust(n, "0"), payment.date) for n in (6, 8) if len(key) <= n)}
        if len(quoted) == 1:
            return quoted.pop(), R.PAYER_CUSTOMER_NUMBER, p.weight_payer_reference
    return "", "", Decimal(0)


NAME_REASONS = frozenset({R.PAYER_NAME_EXACT, R.PAYER_NAME_FUZZY, R.PAYER_NAME_LEARNED, R.PAYER_CUSTOMER_NUMBER})


def name_fit(payment: Payment, customer: str, ctx: BatchContext) -> tuple[str, Decimal]:
    """(reason, weight) when the payer's name fits ``customer``'s own name (see ``NameIndex.fits``), else ("", 0)."""
    if not payment.payer_name.strip():
        return "", Decimal(0)
    fit = ctx.names.fits(payment.payer_name, customer)
    if fit == "exact":
        return R.PAYER_NAME_EXACT, ctx.policy.weight_payer_name_exact
    if fit:
        return R.PAYER_NAME_FUZZY, ctx.policy.weight_payer_name_fuzzy
    return "", Decimal(0)


def _recent_date(key: str, around: dt.date) -> bool:
    """Whether ``key`` reads as a date (YYYYMMDD, DDMMYYYY, YYMMDD, DDMMYY) within two years of ``around``."""
    if not key.isdigit() or len(key) not in (6, 8):
        return False
    year = 4 if len(key) == 8 else 2
    for y, m, d in ((key[:year], key[year:year + 2], key[year + 2:]), (key[-year:], key[2:4], key[:2])):
        try:
            day = dt.date(int(y) + (2000 if year == 2 else 0), int(m), int(d))
        except ValueError:
            continue
        if abs((day - around).days) <= 730:
            return True
    return False


def tolerance(amount: Decimal, payment: Payment, ctx: BatchContext) -> int:
    rate = ctx.rate(ctx.policy.tolerance_currency, payment.currency, payment.date)
    if rate is None:
        return 0
    return to_units(quantize(amount * rate, payment.currency, ROUND_DOWN), payment.currency)


