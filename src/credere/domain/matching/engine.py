"""The matching engine: a batch of payments against open items, in three passes.

Pass 1 proposes a match for every payment but keeps only those the policy would apply
automatically; their payer accounts and names are learned. Pass 2 proposes again for the
rest, with what was learned. Pass 3 looks, for the payments that nothing points to (no
payer, no reference), for the one open item with exactly their amount (a hint only).
Remaining open amounts are tracked across the batch, so no item is ever proposed for more
than it has open. Every look-up goes through an index (references, names, amounts, items
by customer), so the work grows with the number of payments, not with payments x items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from credere.domain.fx import RateTable
from credere.domain.matching import reasons as R
from credere.domain.matching.combination import find_combination
from credere.domain.matching.names import NameIndex
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.references import EXACT, ReferenceIndex, candidates
from credere.domain.matching.references import normalise as normalise_reference
from credere.domain.matching.values import Link, OpenItem, Payment, Proposal
from credere.domain.money import minor_units, quantize

_CONFIDENCE = Decimal("0.0001")
#: Amount-only look-ups in another currency try at most this many minor units either side of the converted amount.
_MAX_AMOUNT_WINDOW = 50


def normalise_account(account: str) -> str:
    return "".join(ch for ch in account.upper() if ch.isalnum())


@dataclass
class _Context:
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
class _Candidate:
    """One open item seen from a payment: its open amount and discounted amount in payment currency."""

    item: OpenItem
    rate: Decimal  # payment currency -> item currency
    open_item: Decimal  # item currency
    open_pay: int  # minor units, payment currency
    discount_item: Decimal  # item currency, 0 if not eligible
    net_pay: int  # minor units, payment currency


def _noisy_or(weights: Iterable[Decimal]) -> Decimal:
    miss = Decimal(1)
    for w in weights:
        miss *= Decimal(1) - w
    return Decimal(1) - miss


def _units(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units(currency)))


def _from_units(units: int, currency: str) -> Decimal:
    return quantize(Decimal(units).scaleb(-minor_units(currency)), currency)


def match_batch(items: Sequence[OpenItem], payments: Sequence[Payment], policy: MatchingPolicy, *,
                rates: RateTable | None = None, known_accounts: Mapping[str, str] | None = None,
                known_names: Mapping[str, str] | None = None,
                known_references: Mapping[str, str] | None = None) -> list[Proposal]:
    """One proposal per payment, in the order of ``payments``.

    ``known_accounts``: payer bank account -> customer account. ``known_names``: payer name as
    the bank writes it (an alias learned from clerks' earlier manual matches) -> customer
    account; normalised like every name, it identifies the payer as ``PAYER_NAME_LEARNED``.
    ``known_references``: a reference a customer writes that names them rather than a document
    (their customer number with us, a contract number), learned the same way -> customer
    account; found in the payment text, it identifies the payer as ``PAYER_REFERENCE_LEARNED``.
    """
    ctx = _build(items, policy, rates or RateTable(), known_accounts or {}, known_names or {})
    for reference, customer in (known_references or {}).items():
        key = normalise_reference(reference, policy.min_reference_length)
        if key and ctx.payer_references.setdefault(key, customer) != customer:
            ctx.payer_references[key] = ""  # one reference, two customers: it identifies neither
    results: dict[int, Proposal] = {}
    for i, payment in enumerate(payments):
        proposal = _propose(payment, ctx)
        if proposal.auto_apply:
            _commit(proposal, ctx)
            results[i] = proposal
            if policy.learn_within_batch:
                _learn(payment, proposal, ctx)
    unpointed: list[int] = []
    for i, payment in enumerate(payments):
        if i not in results:
            proposal = _propose(payment, ctx)
            _commit(proposal, ctx)
            results[i] = proposal
            if not proposal.links and proposal.reasons == (R.NO_CANDIDATES,):
                unpointed.append(i)
    for i in unpointed:  # last, so that a bare amount never takes an item from better evidence
        proposal = _propose(payments[i], ctx, amount_only=True)
        if proposal.links:
            _commit(proposal, ctx)
            results[i] = proposal
    return [results[i] for i in range(len(payments))]


def _build(items: Sequence[OpenItem], policy: MatchingPolicy, rates: RateTable,
           known_accounts: Mapping[str, str], known_names: Mapping[str, str]) -> _Context:
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
            by_amount.setdefault((item.currency, _units(item.amount, item.currency)), []).append(item.item_id)
        index.add(item.item_id, (item.document_number, *item.references))
        names.add(item.customer_account, item.customer_name)
    for table in (by_customer, credits):
        for ids in table.values():
            ids.sort(key=lambda i: (by_id[i].due_date, by_id[i].document_date, i))
    accounts = {normalise_account(k): v for k, v in known_accounts.items() if normalise_account(k)}
    ctx = _Context(policy, rates, by_id, by_customer, index, names,
                   {i: item.amount for i, item in by_id.items()}, accounts, credits, by_amount,
                   tuple(sorted({ccy for ccy, _units in by_amount})))
    for alias, customer in known_names.items():
        key = names.normalise(alias) if alias.strip() else ""
        if key and ctx.learned_names.setdefault(key, customer) != customer:
            ctx.conflicting.add(key)  # one alias, two customers: it identifies neither
    return ctx


def _candidate(item: OpenItem, payment: Payment, ctx: _Context) -> _Candidate | None:
    open_item = ctx.remaining[item.item_id]
    if open_item <= 0:
        return None
    rate = ctx.rate(payment.currency, item.currency, payment.date)
    back = ctx.rate(item.currency, payment.currency, payment.date)
    if rate is None or back is None:
        return None
    open_pay = _units(quantize(open_item * back, payment.currency), payment.currency)
    discount = Decimal(0)
    last_day = item.document_date + dt.timedelta(days=item.discount_days + ctx.policy.discount_grace_days)
    if item.discount_rate > 0 and not item.is_credit and open_item == item.amount and payment.date <= last_day:
        discount = quantize(item.amount * item.discount_rate, item.currency)
    net_pay = _units(quantize((open_item - discount) * back, payment.currency), payment.currency)
    if open_pay <= 0:
        return None
    return _Candidate(item, rate, open_item, open_pay, discount, net_pay)


@dataclass
class _Evidence:
    weights: list[Decimal] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str, weight: Decimal) -> None:
        self.reasons.append(reason)
        self.weights.append(weight)


def _identify_payer(payment: Payment, ctx: _Context) -> tuple[str, str, Decimal]:
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
    if ctx.payer_references and payment.reference_text:
        named = {ctx.payer_references.get(key, "") for key in candidates(payment.reference_text,
                                                                        p.min_reference_length)} - {""}
        if len(named) == 1:
            return named.pop(), R.PAYER_REFERENCE_LEARNED, p.weight_payer_reference
    return "", "", Decimal(0)


def _tolerance(amount: Decimal, payment: Payment, ctx: _Context) -> int:
    rate = ctx.rate(ctx.policy.tolerance_currency, payment.currency, payment.date)
    if rate is None:
        return 0
    return _units(quantize(amount * rate, payment.currency, ROUND_DOWN), payment.currency)


def _settle(cands: Sequence[_Candidate], paid: int, payment: Payment, *, discounted: bool,
            flag_short: bool) -> tuple[list[Link], int]:
    """Links paying ``cands`` oldest first from ``paid`` minor units; returns links and what is left."""
    links: list[Link] = []
    left = paid
    ordered = sorted(cands, key=lambda c: (c.item.due_date, c.item.item_id))
    for c in ordered:
        if left <= 0:
            break
        due = c.net_pay if discounted else c.open_pay
        discount = c.discount_item if discounted else Decimal(0)
        if left >= due:
            part = due
            amount = c.open_item - discount
        else:
            part = left
            amount = min(c.open_item - discount, quantize(_from_units(part, payment.currency) * c.rate,
                                                           c.item.currency, ROUND_DOWN))
        if amount <= 0:
            continue
        deduction = (c.open_item - discount - amount) if flag_short else Decimal(0)
        links.append(Link(c.item.item_id, amount, _from_units(part, payment.currency), discount, deduction))
        left -= part
    return links, left


def _amount_decision(cands: Sequence[_Candidate], payment: Payment, ctx: _Context,
                     ev: _Evidence) -> tuple[list[Link], int]:
    """Apply ``payment`` to all of ``cands``; records the amount evidence in ``ev``."""
    p = ctx.policy
    paid = _units(payment.amount, payment.currency)
    full = sum(c.open_pay for c in cands)
    net = sum(c.net_pay for c in cands)
    if paid == full:
        ev.add(R.AMOUNT_EXACT, p.weight_amount_exact)
        return _settle(cands, paid, payment, discounted=False, flag_short=False)
    if net != full and paid == net:
        ev.add(R.DISCOUNT_TAKEN, p.weight_amount_discount)
        return _settle(cands, paid, payment, discounted=True, flag_short=False)
    if paid > full:
        ev.add(R.OVERPAYMENT, Decimal(0))
        return _settle(cands, paid, payment, discounted=False, flag_short=False)
    short = full - paid
    if short <= _tolerance(p.bank_charge_max_amount, payment, ctx):
        ev.add(R.BANK_CHARGES, p.weight_amount_tolerance)
        return _settle(cands, paid, payment, discounted=False, flag_short=True)
    if short <= _tolerance(p.deduction_max_amount, payment, ctx) and Decimal(short) <= p.deduction_max_ratio * full:
        ev.add(R.DEDUCTION, p.weight_amount_tolerance)
        return _settle(cands, paid, payment, discounted=False, flag_short=True)
    ev.add(R.PARTIAL_PAYMENT, Decimal(0))
    return _settle(cands, paid, payment, discounted=False, flag_short=False)


def _search(cands: Sequence[_Candidate], payment: Payment, ctx: _Context,
            ev: _Evidence) -> tuple[list[Link], int] | None:
    """The combination of ``cands`` that explains the amount (exact, discounted, then within tolerance)."""
    p = ctx.policy
    paid = _units(payment.amount, payment.currency)
    pool = list(cands)[: p.max_candidates]
    tol = max(_tolerance(p.bank_charge_max_amount, payment, ctx), 0)
    for values, reason, low, high in (
        ([c.open_pay for c in pool], R.AMOUNT_EXACT, paid, paid),
        ([c.net_pay for c in pool], R.DISCOUNT_TAKEN, paid, paid),
        ([c.open_pay for c in pool], R.BANK_CHARGES, paid + 1, paid + tol),
    ):
        if reason == R.DISCOUNT_TAKEN and values == [c.open_pay for c in pool]:
            continue
        combo = find_combination(values, low, high, max_size=p.max_combination_size, max_nodes=p.max_search_nodes)
        if combo is None:
            continue
        chosen = [pool[i] for i in combo.indexes]
        if len(chosen) == 1:
            weight = p.weight_amount_exact if combo.unique else p.weight_combination_ambiguous
        else:
            weight = p.weight_combination_unique if combo.unique else p.weight_combination_ambiguous
        if reason != R.AMOUNT_EXACT:
            weight = min(weight, p.weight_amount_discount if reason == R.DISCOUNT_TAKEN else p.weight_amount_tolerance)
        ev.add(reason, weight)
        ev.reasons.append(R.COMBINATION if len(chosen) > 1 else R.SINGLE_ITEM)
        if not combo.unique:
            ev.reasons.append(R.AMBIGUOUS)
        return _settle(chosen, paid, payment, discounted=reason == R.DISCOUNT_TAKEN,
                       flag_short=reason == R.BANK_CHARGES)
    return None


def _customer_pool(customer: str, payment: Payment, ctx: _Context, skip: Iterable[str] = ()) -> list[_Candidate]:
    """Up to ``max_candidates`` open invoices of ``customer``, oldest due first.

    Settled items are dropped from the customer's list once they are most of it, so that a
    customer paying many items in one batch does not make every later look-up longer.
    """
    ids = ctx.by_customer.get(customer)
    if not ids:
        return []
    skipped = set(skip)
    pool: list[_Candidate] = []
    settled = 0
    for item_id in ids:
        if ctx.remaining[item_id] <= 0:
            settled += 1
            continue
        if item_id in skipped:
            continue
        c = _candidate(ctx.items[item_id], payment, ctx)
        if c is not None:
            pool.append(c)
            if len(pool) >= ctx.policy.max_candidates:
                break
    if settled > 8 and settled * 2 > len(ids):
        ctx.by_customer[customer] = [i for i in ids if ctx.remaining[i] > 0]
    return pool


@dataclass(frozen=True, slots=True)
class _Netting:
    links: list[Link]
    invoices: list[_Candidate]
    unique: bool


def _net_credits(payment: Payment, ctx: _Context, customer: str, referenced: Sequence[_Candidate],
                 referenced_credits: Sequence[_Candidate]) -> _Netting | None:
    """Invoices of ``customer`` whose sum less some of its credit notes is exactly the payment.

    Tried, oldest first: the credit notes the text names (together), each open credit note
    alone, then all of them (at most ``max_credit_notes``); invoices and credit notes in one
    currency, referenced invoices first. Credit-note links carry the credit used, negative.
    """
    p = ctx.policy
    credits = [c for c in referenced_credits if c.item.customer_account == customer]
    seen = {c.item.item_id for c in credits}
    for item_id in ctx.credits_by_customer.get(customer, ()):
        if len(credits) >= p.max_credit_notes:
            break
        if item_id not in seen and ctx.remaining[item_id] > 0:
            c = _candidate(ctx.items[item_id], payment, ctx)
            if c is not None:
                credits.append(c)
    if not credits:
        return None
    options: list[list[_Candidate]] = []
    named = [c for c in credits if c.item.item_id in {r.item.item_id for r in referenced_credits}]
    for option in ([named] if named else []) + [[c] for c in credits] + ([credits] if len(credits) > 1 else []):
        if option and option not in options:
            options.append(option)
    mine = [c for c in referenced if c.item.customer_account == customer and not c.item.is_credit]
    pool = mine + _customer_pool(customer, payment, ctx, skip=[c.item.item_id for c in mine])
    paid = _units(payment.amount, payment.currency)
    found: list[tuple[list[_Candidate], list[_Candidate], bool]] = []
    for option in options:
        currency = option[0].item.currency
        if any(c.item.currency != currency for c in option):
            continue
        sub = [c for c in pool if c.item.currency == currency][: p.max_candidates]
        target = paid + sum(c.open_pay for c in option)
        combo = find_combination([c.open_pay for c in sub], target, target, max_size=p.max_combination_size,
                                 max_nodes=p.max_search_nodes)
        if combo is None:
            continue
        chosen = [sub[i] for i in combo.indexes]
        if mine and not any(c in mine for c in chosen):
            continue  # the text names invoices: one of them must be in
        found.append((option, chosen, combo.unique))
        if len(found) > 1:
            break
    if not found:
        return None
    option, chosen, unique = found[0]
    target = paid + sum(c.open_pay for c in option)
    links, left = _settle(chosen, target, payment, discounted=False, flag_short=False)
    if left != 0:  # pragma: no cover - the combination sums to the target exactly
        return None
    links += [Link(c.item.item_id, -c.open_item, -_from_units(c.open_pay, payment.currency)) for c in option]
    return _Netting(links, chosen, unique and len(found) == 1)


def _amount_only(payment: Payment, ctx: _Context) -> _Candidate | None:
    """The one open invoice (of any customer) whose open amount is the payment's, in its currency."""
    paid = _units(payment.amount, payment.currency)
    found: dict[str, _Candidate] = {}
    for currency in ctx.currencies:
        if currency == payment.currency:
            keys: Iterable[int] = (paid,)
        else:
            rate = ctx.rate(payment.currency, currency, payment.date)
            if rate is None:
                continue
            centre = _units(quantize(payment.amount * rate, currency), currency)
            # half a minor unit of the payment currency, in minor units of the item currency
            half = (rate.scaleb(minor_units(currency) - minor_units(payment.currency)) / 2).to_integral_value(
                ROUND_CEILING)
            width = min(int(half) + 1, _MAX_AMOUNT_WINDOW)
            keys = range(centre - width, centre + width + 1)
        for units in keys:
            for item_id in ctx.by_amount.get((currency, units), ()):
                if item_id not in found:
                    c = _candidate(ctx.items[item_id], payment, ctx)
                    if c is not None and c.open_pay == paid:
                        found[item_id] = c
    matches = list(found.values())
    if len(matches) > 1:
        window = ctx.policy.amount_only_window_days
        matches = [c for c in matches if abs((payment.date - c.item.due_date).days) <= window]
    return matches[0] if len(matches) == 1 else None


def _propose(payment: Payment, ctx: _Context, *,  # noqa: C901 - one decision table
             amount_only: bool = False) -> Proposal:
    p = ctx.policy
    if payment.amount <= 0:
        return _unmatched(payment, [R.NOT_A_RECEIPT], "")
    hits = ctx.references.lookup(payment.reference_text)
    customer, payer_reason, payer_weight = _identify_payer(payment, ctx)
    cands: dict[str, _Candidate] = {}
    named_credits: list[_Candidate] = []
    for item_id, kind in hits.items():
        c = _candidate(ctx.items[item_id], payment, ctx)
        if c is None:
            continue
        if c.item.is_credit:
            if kind == EXACT:
                named_credits.append(c)
        else:
            cands[item_id] = c
    exact = [c for i, c in cands.items() if hits[i] == EXACT]
    fuzzy = [c for i, c in cands.items() if hits[i] != EXACT]
    ev = _Evidence()
    result: tuple[list[Link], int] | None = None
    near: list[_Candidate] = []
    if exact:
        owners = {c.item.customer_account for c in exact}
        if customer in owners and len(owners) > 1:  # a reference shared by several customers: the payer's
            exact = [c for c in exact if c.item.customer_account == customer]
            owners = {customer}
        near = [c for c in fuzzy if c.item.customer_account in owners or c.item.customer_account == customer]
        ev.add(R.REFERENCE_EXACT, p.weight_reference_exact)
        trial = _Evidence()
        attempt = _amount_decision(exact, payment, ctx, trial)
        if trial.reasons[0] in (R.AMOUNT_EXACT, R.DISCOUNT_TAKEN):
            result = attempt
            ev.reasons += trial.reasons
            ev.weights += trial.weights
        else:
            found = _search(exact + near, payment, ctx, trial2 := _Evidence()) if len(exact) + len(near) > 1 else None
            if found is not None and any(link.item_id in {c.item.item_id for c in exact} for link in found[0]):
                result = found
                ev.reasons += [R.REFERENCE_SUBSET, *trial2.reasons]
                ev.weights += trial2.weights
            else:
                result = attempt
                ev.reasons += trial.reasons
                ev.weights += trial.weights
    elif fuzzy:
        pool = [c for c in fuzzy if not customer or c.item.customer_account == customer]
        if pool:
            trial = _Evidence()
            found = _search(pool, payment, ctx, trial)
            if found is not None:
                ev.add(R.REFERENCE_FUZZY, p.weight_reference_fuzzy)
                ev.reasons += trial.reasons
                ev.weights += trial.weights
                result = found
            elif len(pool) == 1:
                ev.add(R.REFERENCE_FUZZY, p.weight_reference_fuzzy)
                result = _amount_decision(pool, payment, ctx, ev)
    if result is None and customer:
        found = _search(_customer_pool(customer, payment, ctx), payment, ctx, ev)
        if found is not None:
            result = found
    if not any(r in ev.reasons for r in (R.AMOUNT_EXACT, R.DISCOUNT_TAKEN)):
        netted = _try_netting(payment, ctx, customer, exact, near, named_credits)
        if netted is not None:
            result, ev = netted
    by_amount_only = False
    if result is None and amount_only and not hits and not customer:
        single = _amount_only(payment, ctx)
        if single is not None:
            ev = _Evidence()
            ev.add(R.AMOUNT_ONLY, p.weight_amount_only)
            ev.reasons.append(R.SINGLE_ITEM)
            result = _settle([single], _units(payment.amount, payment.currency), payment, discounted=False,
                             flag_short=False)
            by_amount_only = True
    if result is None or not result[0]:
        reasons = [payer_reason, R.NO_AMOUNT_MATCH] if customer else [R.NO_CANDIDATES]
        return _unmatched(payment, reasons, customer)
    links, left = result
    owners = {ctx.items[link.item_id].customer_account for link in links}
    factor = Decimal(1)
    if customer:
        if owners == {customer}:
            ev.add(payer_reason, payer_weight)
        else:
            ev.reasons.append(R.PAYER_MISMATCH)
            factor = p.payer_conflict_factor
    elif len(owners) == 1 and not by_amount_only:
        ev.reasons.append(R.PAYER_BY_REFERENCE)
    if len(owners) > 1:
        ev.reasons.append(R.SEVERAL_CUSTOMERS)
        factor = p.payer_conflict_factor
    confidence = (_noisy_or(ev.weights) * factor).quantize(_CONFIDENCE)
    if any(link.deduction > 0 for link in links) and R.DEDUCTION not in ev.reasons and R.BANK_CHARGES not in ev.reasons:
        ev.reasons.append(R.DEDUCTION)
    if any(link.discount > 0 for link in links) and R.DISCOUNT_TAKEN not in ev.reasons:
        ev.reasons.append(R.DISCOUNT_TAKEN)
    if left > 0 and R.OVERPAYMENT not in ev.reasons and R.PARTIAL_PAYMENT not in ev.reasons:
        ev.reasons.append(R.OVERPAYMENT)
    codes = tuple(dict.fromkeys(r for r in ev.reasons if r))
    return Proposal(payment.payment_id, tuple(links), confidence, codes,
                    auto_apply=confidence >= p.auto_apply_confidence,
                    customer_account=next(iter(owners)) if len(owners) == 1 else customer,
                    unapplied=_from_units(left, payment.currency))


def _try_netting(payment: Payment, ctx: _Context, customer: str, exact: Sequence[_Candidate],
                 near: Sequence[_Candidate], named_credits: Sequence[_Candidate]
                 ) -> tuple[tuple[list[Link], int], _Evidence] | None:
    """Credit-note netting for a payment no plain combination explains exactly (see :func:`_net_credits`)."""
    p = ctx.policy
    owners = {c.item.customer_account for c in exact}
    credit_owners = {c.item.customer_account for c in named_credits}
    if len(owners) == 1:
        netting_customer = next(iter(owners))
    elif not owners and customer:
        netting_customer = customer
    elif not owners and len(credit_owners) == 1:
        netting_customer = next(iter(credit_owners))
    else:
        return None
    if not ctx.credits_by_customer.get(netting_customer) and not named_credits:
        return None
    netting = _net_credits(payment, ctx, netting_customer, [*exact, *near], named_credits)
    if netting is None:
        return None
    ev = _Evidence()
    chosen = {c.item.item_id for c in netting.invoices}
    referenced = {c.item.item_id for c in exact}
    if referenced & chosen or named_credits:
        ev.add(R.REFERENCE_EXACT, p.weight_reference_exact)
        if referenced - chosen:
            ev.reasons.append(R.REFERENCE_SUBSET)
    elif {c.item.item_id for c in near} & chosen:
        ev.add(R.REFERENCE_FUZZY, p.weight_reference_fuzzy)
    ev.add(R.CREDIT_NOTE_NETTED, p.weight_credit_note_netted if netting.unique else p.weight_combination_ambiguous)
    ev.reasons.append(R.COMBINATION)
    if not netting.unique:
        ev.reasons.append(R.AMBIGUOUS)
    return (netting.links, 0), ev


def _unmatched(payment: Payment, reasons: list[str], customer: str) -> Proposal:
    return Proposal(payment.payment_id, (), Decimal(0), tuple(r for r in reasons if r), auto_apply=False,
                    customer_account=customer, unapplied=payment.amount)


def _commit(proposal: Proposal, ctx: _Context) -> None:
    for link in proposal.links:
        item = ctx.items[link.item_id]
        taken = -link.amount if item.is_credit else link.amount + link.discount
        if taken > ctx.remaining[link.item_id]:  # pragma: no cover - guarded by construction
            raise AssertionError(f"item {link.item_id} would be over-allocated")
        left = ctx.remaining[link.item_id] = ctx.remaining[link.item_id] - taken
        if left > 0 and not item.is_credit:  # findable by its new open amount
            ctx.by_amount.setdefault((item.currency, _units(left, item.currency)), []).append(item.item_id)


def _learn(payment: Payment, proposal: Proposal, ctx: _Context) -> None:
    owners = {ctx.items[link.item_id].customer_account for link in proposal.links}
    if len(owners) != 1:
        return
    customer = next(iter(owners))
    account = normalise_account(payment.payer_account)
    name = ctx.names.normalise(payment.payer_name) if payment.payer_name.strip() else ""
    for key, table in ((account, ctx.accounts), (name, ctx.learned_names)):
        if not key:
            continue
        if table.get(key, customer) != customer:
            ctx.conflicting.add(key)
        elif key not in table:
            table[key] = customer
            if table is ctx.accounts:
                ctx.learned_accounts.add(key)
