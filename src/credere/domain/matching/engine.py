"""The matching engine: a batch of payments against open items, in two passes.

Pass 1 proposes a match for every payment but keeps only those the policy would apply
automatically; their payer accounts and names are learned. Pass 2 proposes again for the
rest, with what was learned. Remaining open amounts are tracked across the batch, so no
item is ever proposed for more than it has open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from credere.domain.fx import RateTable
from credere.domain.matching import reasons as R
from credere.domain.matching.combination import find_combination
from credere.domain.matching.names import NameIndex
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.references import EXACT, ReferenceIndex
from credere.domain.matching.values import Link, OpenItem, Payment, Proposal
from credere.domain.money import minor_units, quantize

_CONFIDENCE = Decimal("0.0001")


def normalise_account(account: str) -> str:
    return "".join(ch for ch in account.upper() if ch.isalnum())


@dataclass
class _Context:
    policy: MatchingPolicy
    rates: RateTable
    items: dict[str, OpenItem]
    by_customer: dict[str, list[str]]
    references: ReferenceIndex
    names: NameIndex
    remaining: dict[str, Decimal]
    accounts: dict[str, str]
    learned_names: dict[str, str] = field(default_factory=dict)
    learned_accounts: set[str] = field(default_factory=set)
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
                rates: RateTable | None = None, known_accounts: Mapping[str, str] | None = None) -> list[Proposal]:
    """One proposal per payment, in the order of ``payments``."""
    ctx = _build(items, policy, rates or RateTable(), known_accounts or {})
    results: dict[int, Proposal] = {}
    for i, payment in enumerate(payments):
        proposal = _propose(payment, ctx)
        if proposal.auto_apply:
            _commit(proposal, ctx)
            results[i] = proposal
            if policy.learn_within_batch:
                _learn(payment, proposal, ctx)
    for i, payment in enumerate(payments):
        if i not in results:
            proposal = _propose(payment, ctx)
            _commit(proposal, ctx)
            results[i] = proposal
    return [results[i] for i in range(len(payments))]


def _build(items: Sequence[OpenItem], policy: MatchingPolicy, rates: RateTable,
           known_accounts: Mapping[str, str]) -> _Context:
    index = ReferenceIndex(policy.min_reference_length, policy.min_fuzzy_reference_length, policy.max_truncation)
    names = NameIndex(frozenset(policy.legal_forms), dict(policy.abbreviations), policy.name_min_score)
    by_id: dict[str, OpenItem] = {}
    by_customer: dict[str, list[str]] = {}
    for item in items:
        if item.item_id in by_id:
            raise ValueError(f"item '{item.item_id}' appears twice")
        if item.amount <= 0:
            continue
        by_id[item.item_id] = item
        by_customer.setdefault(item.customer_account, []).append(item.item_id)
        index.add(item.item_id, (item.document_number, *item.references))
        names.add(item.customer_account, item.customer_name)
    for ids in by_customer.values():
        ids.sort(key=lambda i: (by_id[i].due_date, by_id[i].document_date, i))
    accounts = {normalise_account(k): v for k, v in known_accounts.items() if normalise_account(k)}
    return _Context(policy, rates, by_id, by_customer, index, names,
                    {i: item.amount for i, item in by_id.items()}, accounts)


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
    if item.discount_rate > 0 and open_item == item.amount and payment.date <= last_day:
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
        if key in ctx.learned_names and key not in ctx.conflicting:
            return ctx.learned_names[key], R.PAYER_NAME_LEARNED, p.weight_payer_name_exact
        found = ctx.names.find(payment.payer_name)
        if found is not None:
            customer, kind, _score = found
            if kind == "exact":
                return customer, R.PAYER_NAME_EXACT, p.weight_payer_name_exact
            return customer, R.PAYER_NAME_FUZZY, p.weight_payer_name_fuzzy
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


def _propose(payment: Payment, ctx: _Context) -> Proposal:  # noqa: C901 - one decision table
    p = ctx.policy
    if payment.amount <= 0:
        return _unmatched(payment, [R.NOT_A_RECEIPT], "")
    hits = ctx.references.lookup(payment.reference_text)
    customer, payer_reason, payer_weight = _identify_payer(payment, ctx)
    cands: dict[str, _Candidate] = {}
    for item_id in hits:
        c = _candidate(ctx.items[item_id], payment, ctx)
        if c is not None:
            cands[item_id] = c
    exact = [c for i, c in cands.items() if hits[i] == EXACT]
    fuzzy = [c for i, c in cands.items() if hits[i] != EXACT]
    ev = _Evidence()
    result: tuple[list[Link], int] | None = None
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
        pool = []
        for item_id in ctx.by_customer.get(customer, ()):
            c = _candidate(ctx.items[item_id], payment, ctx)
            if c is not None:
                pool.append(c)
                if len(pool) >= p.max_candidates:
                    break
        found = _search(pool, payment, ctx, ev)
        if found is not None:
            result = found
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
    elif len(owners) == 1:
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


def _unmatched(payment: Payment, reasons: list[str], customer: str) -> Proposal:
    return Proposal(payment.payment_id, (), Decimal(0), tuple(r for r in reasons if r), auto_apply=False,
                    customer_account=customer, unapplied=payment.amount)


def _commit(proposal: Proposal, ctx: _Context) -> None:
    for link in proposal.links:
        taken = link.amount + link.discount
        if taken > ctx.remaining[link.item_id]:  # pragma: no cover - guarded by construction
            raise AssertionError(f"item {link.item_id} would be over-allocated")
        ctx.remaining[link.item_id] -= taken


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
