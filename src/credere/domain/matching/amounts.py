"""Which open items a payment pays by amount: exact sums within tolerance, combinations of a
customer's items, credit notes netted against invoices, and the amount-only hint."""


from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from credere.domain.matching import reasons as R
from credere.domain.matching.batch import (
    MAX_AMOUNT_WINDOW,
    BatchContext,
    Candidate,
    Evidence,
    candidate_of,
    from_units,
    to_units,
    tolerance,
)
from credere.domain.matching.combination import find_combination
from credere.domain.matching.values import Link, Payment
from credere.domain.money import minor_units, quantize


def settle(cands: Sequence[Candidate], paid: int, payment: Payment, *, discounted: bool,
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
            amount = min(c.open_item - discount, quantize(from_units(part, payment.currency) * c.rate,
                                                           c.item.currency, ROUND_DOWN))
        if amount <= 0:
            continue
        deduction = (c.open_item - discount - amount) if flag_short else Decimal(0)
        links.append(Link(c.item.item_id, amount, from_units(part, payment.currency), discount, deduction))
        left -= part
    return links, left


def amount_decision(cands: Sequence[Candidate], payment: Payment, ctx: BatchContext,
                     ev: Evidence) -> tuple[list[Link], int]:
    """Apply ``payment`` to all of ``cands``; records the amount evidence in ``ev``."""
    p = ctx.policy
    paid = to_units(payment.amount, payment.currency)
    full = sum(c.open_pay for c in cands)
    net = sum(c.net_pay for c in cands)
    if paid == full:
        ev.add(R.AMOUNT_EXACT, p.weight_amount_exact)
        return settle(cands, paid, payment, discounted=False, flag_short=False)
    if net != full and paid == net:
        ev.add(R.DISCOUNT_TAKEN, p.weight_amount_discount)
        return settle(cands, paid, payment, discounted=True, flag_short=False)
    small = small_difference(full, payment, ctx)
    if paid > full:
        if paid - full <= small:
            ev.add(R.SMALL_DIFFERENCE, p.weight_amount_small_difference)
        else:
            ev.add(R.OVERPAYMENT, Decimal(0))
        return settle(cands, paid, payment, discounted=False, flag_short=False)
    short = full - paid
    if short <= small:
        ev.add(R.SMALL_DIFFERENCE, p.weight_amount_small_difference)
        return settle(cands, paid, payment, discounted=False, flag_short=True)
    if short <= tolerance(p.bank_charge_max_amount, payment, ctx):
        ev.add(R.BANK_CHARGES, p.weight_amount_tolerance)
        return settle(cands, paid, payment, discounted=False, flag_short=True)
    if short <= tolerance(p.deduction_max_amount, payment, ctx) and Decimal(short) <= p.deduction_max_ratio * full:
        ev.add(R.DEDUCTION, p.weight_amount_tolerance)
        return settle(cands, paid, payment, discounted=False, flag_short=True)
    ev.add(R.PARTIAL_PAYMENT, Decimal(0))
    return settle(cands, paid, payment, discounted=False, flag_short=False)


def search_amounts(cands: Sequence[Candidate], payment: Payment, ctx: BatchContext,
            ev: Evidence) -> tuple[list[Link], int] | None:
    """The combination of ``cands`` that explains the amount (exact, discounted, then within tolerance)."""
    p = ctx.policy
    paid = to_units(payment.amount, payment.currency)
    pool = list(cands)[: p.max_candidates]
    tol = max(tolerance(p.bank_charge_max_amount, payment, ctx), 0)
    small = small_difference(paid, payment, ctx)
    for values, reason, low, high in (
        ([c.open_pay for c in pool], R.AMOUNT_EXACT, paid, paid),
        ([c.net_pay for c in pool], R.DISCOUNT_TAKEN, paid, paid),
        ([c.open_pay for c in pool], R.SMALL_DIFFERENCE, paid - small, paid + small),
        ([c.open_pay for c in pool], R.BANK_CHARGES, paid + 1, paid + tol),
    ):
        if reason == R.SMALL_DIFFERENCE and small <= 0:
            continue
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
            weight = min(weight, {R.DISCOUNT_TAKEN: p.weight_amount_discount,
                                  R.SMALL_DIFFERENCE: p.weight_amount_small_difference}.get(
                                      reason, p.weight_amount_tolerance))
            if len(chosen) > 1:  # items chosen by their sum alone, and it is not exact: a tolerance at most
                weight = min(weight, p.weight_amount_tolerance)
        ev.add(reason, weight)
        ev.reasons.append(R.COMBINATION if len(chosen) > 1 else R.SINGLE_ITEM)
        if not combo.unique:
            ev.reasons.append(R.AMBIGUOUS)
        return settle(chosen, paid, payment, discounted=reason == R.DISCOUNT_TAKEN,
                       flag_short=reason in (R.BANK_CHARGES, R.SMALL_DIFFERENCE))
    return None


def small_difference(open_units: int, payment: Payment, ctx: BatchContext) -> int:
    """The largest difference (minor units of the payment's currency) read as a small difference against
    ``open_units`` open: the policy's amount, converted, and its share of what is open; 0 if there is no rate."""
    p = ctx.policy
    by_amount = tolerance(p.small_difference_max_amount, payment, ctx)
    by_ratio = int((p.small_difference_max_ratio * open_units).to_integral_value(ROUND_DOWN))
    return max(min(by_amount, by_ratio), 0)


def customer_pool(customer: str, payment: Payment, ctx: BatchContext, skip: Iterable[str] = ()) -> list[Candidate]:
    """Up to ``max_candidates`` open invoices of ``customer``, oldest due first.

    Settled items are dropped from the customer's list once they are most of it, so that a
    customer paying many items in one batch does not make every later look-up longer.
    """
    ids = ctx.by_customer.get(customer)
    if not ids:
        return []
    skipped = set(skip)
    pool: list[Candidate] = []
    settled = 0
    for item_id in ids:
        if ctx.remaining[item_id] <= 0:
            settled += 1
            continue
        if item_id in skipped:
            continue
        c = candidate_of(ctx.items[item_id], payment, ctx)
        if c is not None:
            pool.append(c)
            if len(pool) >= ctx.policy.max_candidates:
                break
    if settled > 8 and settled * 2 > len(ids):
        ctx.by_customer[customer] = [i for i in ids if ctx.remaining[i] > 0]
    return pool


@dataclass(frozen=True, slots=True)
class Netting:
    links: list[Link]
    invoices: list[Candidate]
    unique: bool


def net_credits(payment: Payment, ctx: BatchContext, customer: str, referenced: Sequence[Candidate],
                 referenced_credits: Sequence[Candidate]) -> Netting | None:
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
            c = candidate_of(ctx.items[item_id], payment, ctx)
            if c is not None:
                credits.append(c)
    if not credits:
        return None
    options: list[list[Candidate]] = []
    named = [c for c in credits if c.item.item_id in {r.item.item_id for r in referenced_credits}]
    for option in ([named] if named else []) + [[c] for c in credits] + ([credits] if len(credits) > 1 else []):
        if option and option not in options:
            options.append(option)
    mine = [c for c in referenced if c.item.customer_account == customer and not c.item.is_credit]
    pool = mine + customer_pool(customer, payment, ctx, skip=[c.item.item_id for c in mine])
    paid = to_units(payment.amount, payment.currency)
    found: list[tuple[list[Candidate], list[Candidate], bool]] = []
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
    links, left = settle(chosen, target, payment, discounted=False, flag_short=False)
    if left != 0:  # pragma: no cover - the combination sums to the target exactly
        return None
    links += [Link(c.item.item_id, -c.open_item, -from_units(c.open_pay, payment.currency)) for c in option]
    return Netting(links, chosen, unique and len(found) == 1)


def amount_only_hint(payment: Payment, ctx: BatchContext) -> Candidate | None:
    """The one open invoice (of any customer) whose open amount is the payment's, in its currency."""
    paid = to_units(payment.amount, payment.currency)
    found: dict[str, Candidate] = {}
    for currency in ctx.currencies:
        if currency == payment.currency:
            keys: Iterable[int] = (paid,)
        else:
            rate = ctx.rate(payment.currency, currency, payment.date)
            if rate is None:
                continue
            centre = to_units(quantize(payment.amount * rate, currency), currency)
            # half a minor unit of the payment currency, in minor units of the item currency
            half = (rate.scaleb(minor_units(currency) - minor_units(payment.currency)) / 2).to_integral_value(
                ROUND_CEILING)
            width = min(int(half) + 1, MAX_AMOUNT_WINDOW)
            keys = range(centre - width, centre + width + 1)
        for units in keys:
            for item_id in ctx.by_amount.get((currency, units), ()):
                if item_id not in found:
                    c = candidate_of(ctx.items[item_id], payment, ctx)
                    if c is not None and c.open_pay == paid:
                        found[item_id] = c
    matches = list(found.values())
    if len(matches) > 1:
        window = ctx.policy.amount_only_window_days
        matches = [c for c in matches if abs((payment.date - c.item.due_date).days) <= window]
    return matches[0] if len(matches) == 1 else None


def try_netting(payment: Payment, ctx: BatchContext, customer: str, exact: Sequence[Candidate],
                 near: Sequence[Candidate], named_credits: Sequence[Candidate]
                 ) -> tuple[tuple[list[Link], int], Evidence] | None:
    """Credit-note netting for a payment no plain combination explains exactly (see :func:`net_credits`)."""
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
    netting = net_credits(payment, ctx, netting_customer, [*exact, *near], named_credits)
    if netting is None:
        return None
    ev = Evidence()
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


