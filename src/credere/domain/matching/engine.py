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

from collections.abc import Mapping, Sequence
from decimal import Decimal

from credere.domain.fx import RateTable
from credere.domain.matching import reasons as R
from credere.domain.matching.amounts import (
    amount_decision,
    amount_only_hint,
    customer_pool,
    search_amounts,
    settle,
    try_netting,
)
from credere.domain.matching.batch import (
    CONFIDENCE,
    NAME_REASONS,
    BatchContext,
    Candidate,
    Evidence,
    build_context,
    candidate_of,
    from_units,
    identify_payer,
    name_fit,
    noisy_or,
    normalise_account,
    to_units,
)
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.references import EXACT
from credere.domain.matching.references import normalise as normalise_reference
from credere.domain.matching.values import Link, OpenItem, Payment, Proposal

#: A payer's name borne by more customers than this is not tried customer by customer.
MAX_NAMESAKES = 4


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
    ctx = build_context(items, policy, rates or RateTable(), known_accounts or {}, known_names or {})
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


def _propose(payment: Payment, ctx: BatchContext, *,  # noqa: C901 - one decision table
             amount_only: bool = False) -> Proposal:
    p = ctx.policy
    if payment.amount <= 0:
        return _unmatched(payment, [R.NOT_A_RECEIPT], "")
    hits = ctx.references.lookup(payment.reference_text)
    customer, payer_reason, payer_weight = identify_payer(payment, ctx)
    cands: dict[str, Candidate] = {}
    named_credits: list[Candidate] = []
    for item_id, kind in hits.items():
        c = candidate_of(ctx.items[item_id], payment, ctx)
        if c is None:
            continue
        if c.item.is_credit:
            if kind == EXACT:
                named_credits.append(c)
        else:
            cands[item_id] = c
    exact = [c for i, c in cands.items() if hits[i] == EXACT]
    fuzzy = [c for i, c in cands.items() if hits[i] != EXACT]
    ev = Evidence()
    result: tuple[list[Link], int] | None = None
    near: list[Candidate] = []
    if exact:
        owners = {c.item.customer_account for c in exact}
        if customer in owners and len(owners) > 1:  # a reference shared by several customers: the payer's
            exact = [c for c in exact if c.item.customer_account == customer]
            owners = {customer}
        near = [c for c in fuzzy if c.item.customer_account in owners or c.item.customer_account == customer]
        ev.add(R.REFERENCE_EXACT, p.weight_reference_exact)
        trial = Evidence()
        attempt = amount_decision(exact, payment, ctx, trial)
        if trial.reasons[0] in (R.AMOUNT_EXACT, R.DISCOUNT_TAKEN):
            result = attempt
            ev.reasons += trial.reasons
            ev.weights += trial.weights
        else:
            found = search_amounts(exact + near, payment, ctx, trial2 := Evidence()) if len(exact) + len(near) > 1 else None
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
        if not pool and payer_reason in NAME_REASONS:  # a namesake was taken for the payer: the name may fit theirs
            pool = [c for c in fuzzy if name_fit(payment, c.item.customer_account, ctx)[0]]
        if pool:
            trial = Evidence()
            found = search_amounts(pool, payment, ctx, trial)
            if found is not None:
                ev.add(R.REFERENCE_FUZZY, p.weight_reference_fuzzy)
                ev.reasons += trial.reasons
                ev.weights += trial.weights
                result = found
            elif len(pool) == 1:
                ev.add(R.REFERENCE_FUZZY, p.weight_reference_fuzzy)
                result = amount_decision(pool, payment, ctx, ev)
    if exact and result is not None and not _settles(ev) and (customer or payment.payer_name.strip()):
        better = _near_the_quoted(payment, ctx, customer, {c.item.item_id for c in exact})
        if better is not None:
            result, ev = better
    if result is None and customer:
        found = search_amounts(customer_pool(customer, payment, ctx), payment, ctx, ev)
        if found is not None:
            result = found
    if result is None and not customer and not hits:
        result, customer, payer_reason, payer_weight = _among_namesakes(payment, ctx, ev)
    if not any(r in ev.reasons for r in (R.AMOUNT_EXACT, R.DISCOUNT_TAKEN)):
        netted = try_netting(payment, ctx, customer, exact, near, named_credits)
        if netted is not None:
            result, ev = netted
    by_amount_only = False
    if result is None and amount_only and not hits and not customer:
        single = amount_only_hint(payment, ctx)
        if single is not None:
            ev = Evidence()
            ev.add(R.AMOUNT_ONLY, p.weight_amount_only)
            ev.reasons.append(R.SINGLE_ITEM)
            result = settle([single], to_units(payment.amount, payment.currency), payment, discounted=False,
                             flag_short=False)
            by_amount_only = True
    if result is None or not result[0]:
        reasons = [payer_reason, R.NO_AMOUNT_MATCH] if customer else [R.NO_CANDIDATES]
        return _unmatched(payment, reasons, customer)
    links, left = result
    owners = {ctx.items[link.item_id].customer_account for link in links}
    factor = Decimal(1)
    if customer and owners != {customer} and len(owners) == 1 and payer_reason in NAME_REASONS:
        fit, weight = name_fit(payment, next(iter(owners)), ctx)
        if fit:  # the name was taken for a namesake or a look-alike, and fits the items' customer as well
            customer, payer_reason, payer_weight = next(iter(owners)), fit, weight
    if customer:
        if owners == {customer}:
            ev.add(payer_reason, payer_weight)
            if payer_reason == R.PAYER_CUSTOMER_NUMBER:  # the name is further evidence
                fit, weight = name_fit(payment, customer, ctx)
                if fit:
                    ev.add(fit, weight)
        else:
            ev.reasons.append(R.PAYER_MISMATCH)
            factor = p.payer_conflict_factor
    elif len(owners) == 1 and not by_amount_only:
        fit, weight = name_fit(payment, next(iter(owners)), ctx)
        if fit:
            ev.add(fit, weight)
        else:
            ev.reasons.append(R.PAYER_BY_REFERENCE)
    if len(owners) > 1:
        ev.reasons.append(R.SEVERAL_CUSTOMERS)
        factor = p.payer_conflict_factor
    confidence = (noisy_or(ev.weights) * factor).quantize(CONFIDENCE)
    if any(link.deduction > 0 for link in links) and not {R.DEDUCTION, R.BANK_CHARGES, R.SMALL_DIFFERENCE} & set(
            ev.reasons):
        ev.reasons.append(R.DEDUCTION)
    if any(link.discount > 0 for link in links) and R.DISCOUNT_TAKEN not in ev.reasons:
        ev.reasons.append(R.DISCOUNT_TAKEN)
    if left > 0 and not {R.OVERPAYMENT, R.PARTIAL_PAYMENT, R.SMALL_DIFFERENCE} & set(ev.reasons):
        ev.reasons.append(R.OVERPAYMENT)
    codes = tuple(dict.fromkeys(r for r in ev.reasons if r))
    return Proposal(payment.payment_id, tuple(links), confidence, codes,
                    auto_apply=confidence >= p.auto_apply_confidence,
                    customer_account=next(iter(owners)) if len(owners) == 1 else customer,
                    unapplied=from_units(left, payment.currency))


def _settles(ev: Evidence) -> bool:
    """Whether the amount evidence says the payment settles its items (exactly, less the discount, or but for a
    small difference)."""
    return bool({R.AMOUNT_EXACT, R.DISCOUNT_TAKEN, R.SMALL_DIFFERENCE} & set(ev.reasons))


def _near_the_quoted(payment: Payment, ctx: BatchContext, customer: str, quoted: set[str]
                     ) -> tuple[tuple[list[Link], int], Evidence] | None:
    """A quoted number that is some document's but whose amount does not fit, while a number one character
    away is the payer's document and fits: the payer garbled their own document's number into another's."""
    hits = ctx.references.lookup(payment.reference_text, near_exact=True)
    pool = []
    near: set[str] = set()
    fits: dict[str, bool] = {}
    for item_id, kind in hits.items():
        owner = ctx.items[item_id].customer_account
        if owner not in fits:
            fits[owner] = owner == customer or (not customer and bool(name_fit(payment, owner, ctx)[0]))
        if not fits[owner] or ctx.items[item_id].is_credit:
            continue
        c = candidate_of(ctx.items[item_id], payment, ctx)
        if c is not None:
            pool.append(c)  # the payer's own documents, quoted exactly or nearly
            if kind != EXACT and item_id not in quoted:
                near.add(item_id)
    if not near:
        return None
    trial = Evidence()
    found = search_amounts(pool, payment, ctx, trial)
    if (found is None or not _settles(trial) or R.AMBIGUOUS in trial.reasons
            or not near & {link.item_id for link in found[0]}):
        return None
    ev = Evidence()
    ev.add(R.REFERENCE_FUZZY, ctx.policy.weight_reference_fuzzy)
    ev.reasons += trial.reasons
    ev.weights += trial.weights
    return found, ev


def _among_namesakes(payment: Payment, ctx: BatchContext, ev: Evidence
                     ) -> tuple[tuple[list[Link], int] | None, str, str, Decimal]:
    """A payer whose name several customers bear (a group's companies): the one namesake whose open items
    alone explain the amount exactly, if there is exactly one."""
    namesakes = sorted(ctx.names.namesakes(payment.payer_name)) if payment.payer_name.strip() else []
    if not 1 < len(namesakes) <= MAX_NAMESAKES:
        return None, "", "", Decimal(0)
    found: list[tuple[str, tuple[list[Link], int], Evidence]] = []
    for namesake in namesakes:
        trial = Evidence()
        result = search_amounts(customer_pool(namesake, payment, ctx), payment, ctx, trial)
        if result is not None and trial.reasons[0] == R.AMOUNT_EXACT:
            found.append((namesake, result, trial))
    if len(found) != 1:
        return None, "", "", Decimal(0)
    namesake, result, trial = found[0]
    ev.reasons += trial.reasons
    ev.weights += trial.weights
    return result, namesake, R.PAYER_NAME_FUZZY, ctx.policy.weight_payer_name_fuzzy


def _unmatched(payment: Payment, reasons: list[str], customer: str) -> Proposal:
    return Proposal(payment.payment_id, (), Decimal(0), tuple(r for r in reasons if r), auto_apply=False,
                    customer_account=customer, unapplied=payment.amount)


def _commit(proposal: Proposal, ctx: BatchContext) -> None:
    for link in proposal.links:
        item = ctx.items[link.item_id]
        taken = -link.amount if item.is_credit else link.amount + link.discount
        if taken > ctx.remaining[link.item_id]:  # pragma: no cover - guarded by construction
            raise AssertionError(f"item {link.item_id} would be over-allocated")
        left = ctx.remaining[link.item_id] = ctx.remaining[link.item_id] - taken
        if left > 0 and not item.is_credit:  # findable by its new open amount
            ctx.by_amount.setdefault((item.currency, to_units(left, item.currency)), []).append(item.item_id)


def _learn(payment: Payment, proposal: Proposal, ctx: BatchContext) -> None:
    owners = {ctx.items[link.item_id].customer_account for link in proposal.links}
    if len(owners) != 1:
        return
    customer = next(iter(owners))
    account = normalise_account(payment.payer_account)
    name = ctx.names.normalise(payment.payer_name) if payment.payer_name.strip() else ""
    if name:  # a name other customers bear, or that is close to another customer's, identifies nobody
        found = ctx.names.find(payment.payer_name)
        if ctx.names.namesakes(payment.payer_name) - {customer} or (found is not None and found[0] != customer):
            name = ""
    for key, table in ((account, ctx.accounts), (name, ctx.learned_names)):
        if not key:
            continue
        if table.get(key, customer) != customer:
            ctx.conflicting.add(key)
        elif key not in table:
            table[key] = customer
            if table is ctx.accounts:
                ctx.learned_accounts.add(key)
