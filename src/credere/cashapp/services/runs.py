"""Matching runs: unapplied payments and open items loaded, the domain asked for proposals, the
proposals stored, and what the policy allows applied — by the plan of
:mod:`credere.domain.matching.settlement`, through the ledger's locking ``allocate``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credere.audit.services import actor_name, record, record_many
from credere.cashapp.models import (
    Adjustment,
    CustomerBankAccount,
    MatchProposal,
    MatchRun,
    OnAccount,
    PayerAlias,
    PayerReference,
    ProposalLine,
    RemittanceLine,
    StatementFile,
)
from credere.cashapp.selectors.workbench import workbench_payments
from credere.cashapp.services.learning import learn_accounts
from credere.cashapp.services.policy import policy_of, stored_policy_version
from credere.core import background, leases
from credere.core.bulk import insert_rows, update_rows
from credere.core.errors import BusinessError, Conflict
from credere.domain import matching
from credere.domain.matching import MatchingPolicy, match_batch
from credere.domain.matching.advice import AdviceLine, AdvisedPayment, propose_from_advices
from credere.domain.matching.settlement import CreditNotNetted, SettlementLine, plan_settlement
from credere.identity.authz import authorize
from credere.ledger import changes
from credere.ledger.models import Company, OpenItem, Payment
from credere.ledger.services import allocations, fx

#: Proposals stored per transaction in a matching run.
STORE_CHUNK = 500
#: Proposals applied per transaction (a chunk that cannot be applied whole is applied one by one).
APPLY_CHUNK = 100


def run_matching(*, actor: Any, payment_ids: Sequence[int] | None = None, company: Company | None = None,
                 trigger: str = "manual", statement_file: StatementFile | None = None,
                 applied_on: dt.date | None = None) -> MatchRun:
    """Match unapplied payments to open items; apply what the policy allows, suggest the rest."""
    authorize(actor, "import_statements")
    version = stored_policy_version()
    policy = policy_of(version)
    run = MatchRun.objects.create(trigger=trigger, actor=actor_name(actor), policy=version,
                                  statement_file=statement_file, worker_id=leases.current_worker_id())
    qs = workbench_payments()
    if payment_ids is not None:
        qs = qs.filter(pk__in=list(payment_ids))
    if company is not None:
        qs = qs.filter(company=company)
    payments = list(qs.order_by("received_on", "id"))
    beat(run)
    try:
        with changes.deferred():  # credit control hears of every customer paid once, after the last chunk
            stats = _match(actor, run, payments, policy, applied_on)
    except Exception as exc:
        MatchRun.objects.filter(pk=run.pk).update(status=MatchRun.Status.FAILED, error=str(exc)[:2000],
                                                  finished_at=timezone.now())
        raise
    run.payments = len(payments)
    run.applied, run.suggested, run.unmatched = stats
    run.status = MatchRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    with transaction.atomic():
        record(actor=actor, action="matching.run", obj=run,
               after={"payments": run.payments, "applied": run.applied, "suggested": run.suggested,
                      "unmatched": run.unmatched, "policy_version": version.version, "trigger": trigger})
    return run


#: A running run that has given no sign of life for this long was stopped with its worker.
STALE_AFTER = dt.timedelta(minutes=5)


def beat(run: MatchRun) -> None:
    """The run's sign of life, written outside its chunks' transactions so that others see it."""
    run.heartbeat_at = timezone.now()
    MatchRun.objects.filter(pk=run.pk).update(heartbeat_at=run.heartbeat_at)


def recover_stale_runs(*, stale_after: dt.timedelta = STALE_AFTER,
                       lapses_after: dt.timedelta = leases.LAPSES_AFTER) -> list[MatchRun]:
    """Runs left ``running`` by a worker that was stopped (killed, restarted, its machine gone): each is
    marked failed with the reason — whole chunks it applied stay applied, the rest are still unapplied.

    A run of a worker whose lease lapsed is recovered as soon as its heartbeat is older than the lease; its
    task is queued again with the worker's other tasks (:func:`credere.core.leases.requeue_orphaned_tasks`),
    and that new attempt matches the run's payments. A run started outside a worker (a page, a command)
    has no task: once its heartbeat is ``stale_after`` old, a new run of its payments is queued here.
    Called when a worker starts and every 30 seconds while it runs."""
    now = timezone.now()
    running = list(MatchRun.objects.filter(status=MatchRun.Status.RUNNING).order_by("pk"))
    if not running:
        return []
    living = leases.alive(sorted({r.worker_id for r in running if r.worker_id}), lapses_after=lapses_after)

    def last_sign(run: MatchRun) -> dt.datetime:
        return run.heartbeat_at or run.started_at

    stale = [r for r in running
             if last_sign(r) < now - stale_after
             or (r.worker_id and r.worker_id not in living and last_sign(r) < now - lapses_after)]
    recovered = []
    for run in stale:
        by_task = bool(run.worker_id)
        with transaction.atomic():
            if not MatchRun.objects.filter(pk=run.pk, status=MatchRun.Status.RUNNING).update(
                    status=MatchRun.Status.FAILED, finished_at=timezone.now(),
                    error=f"the worker stopped during the run (no sign of life since "
                          f"{last_sign(run):%Y-%m-%d %H:%M} UTC); its payments are matched again by a new run"):
                continue  # another worker recovered it first
            payment_ids = (list(Payment.objects.filter(bank_transaction__statement__file=run.statement_file)
                                .values_list("pk", flat=True)) if run.statement_file_id else None)
            record(actor="system:worker", action="matching.run_recovered", obj=run,
                   after={"status": MatchRun.Status.FAILED, "requeued": "its task" if by_task else "a new run",
                          "requeued_payments": "all unapplied" if payment_ids is None else len(payment_ids)})
            if not by_task:
                background.enqueue_on_commit("cashapp.match_payments", payment_ids, run.actor,
                                             run.statement_file_id)
        run.refresh_from_db()
        recovered.append(run)
    return recovered


# --------------------------------------------------------------------------- what the engine sees


def known_accounts() -> dict[str, str]:
    """Payer bank accounts -> customer account number (an account paying for several customers names none)."""
    return dict(CustomerBankAccount.objects.filter(shared=False).values_list("account", "customer__account_number"))


def _known_names() -> dict[str, str]:
    return dict(PayerAlias.objects.values_list("name", "customer__account_number"))


def _known_references() -> dict[str, str]:
    return dict(PayerReference.objects.filter(customer__isnull=False).values_list(
        "key", "customer__account_number"))


def _domain_items(company_id: int, currencies: set[str]) -> tuple[list[matching.OpenItem], dict[str, int]]:
    """Open items of a company as the engine sees them; also account number -> customer id."""
    rows = (OpenItem.objects.filter(company_id=company_id).exclude(open_amount=0)
            .values_list("pk", "customer_id", "customer__account_number", "customer__name", "document_type",
                         "document_number", "order_reference", "billing_reference", "customer_reference",
                         "currency", "open_amount", "document_date", "due_date",
                         "customer__payment_terms__discount_rate", "customer__payment_terms__discount_days"))
    items: list[matching.OpenItem] = []
    customers: dict[str, int] = {}
    for (pk, cid, acct, name, kind, number, order_ref, billing_ref, cust_ref, ccy, open_amount, doc_date, due,
         rate, days) in rows.iterator(chunk_size=5000):
        customers[acct] = cid
        currencies.add(ccy)
        items.append(matching.OpenItem(
            str(pk), acct, name, number, ccy, abs(open_amount), doc_date, due,
            references=tuple(r for r in (order_ref, billing_ref, cust_ref) if r),
            discount_rate=rate or Decimal(0), discount_days=days or 0,
            is_credit=kind == OpenItem.Type.CREDIT_NOTE))
    return items, customers


def _advice_lines(payment_ids: Iterable[int]) -> dict[int, list[AdviceLine]]:
    """The remittance-advice lines of each payment, in the order the payer wrote them."""
    out: dict[int, list[AdviceLine]] = {}
    for pid, number, amount, deduction in RemittanceLine.objects.filter(
            advice__payment_id__in=list(payment_ids)).order_by("id").values_list(
            "advice__payment_id", "document_number", "amount", "deduction"):
        out.setdefault(pid, []).append(AdviceLine(number, amount, deduction))
    return out


def _match(actor: Any, run: MatchRun, payments: list[Payment], policy: MatchingPolicy,
           applied_on: dt.date | None) -> tuple[int, int, int]:
    applied = suggested = unmatched = 0
    by_company: dict[int, list[Payment]] = {}
    for p in payments:
        by_company.setdefault(p.company_id, []).append(p)
    accounts = known_accounts()
    seen_accounts = {a: (c, shared) for a, c, shared in
                     CustomerBankAccount.objects.values_list("account", "customer_id", "shared")}
    names = _known_names()
    payer_refs = _known_references()
    advices = _advice_lines(p.pk for p in payments)
    texts = {pid: " ".join(line.document_number for line in lines) for pid, lines in advices.items()}
    for company_id, group in by_company.items():
        beat(run)
        currencies = {p.currency for p in group}
        items, customers = _domain_items(company_id, currencies)
        rates = fx.rate_table(currencies=currencies)
        domain_payments = [matching.Payment(
            str(p.pk), p.payer_name, p.payer_account,
            f"{p.reference_text} {texts[p.pk]}" if p.pk in texts else p.reference_text,
            p.unapplied_amount, p.currency, p.received_on) for p in group]
        kwargs: dict[str, Any] = {"rates": rates, "known_accounts": accounts, "known_names": names,
                                  "known_references": payer_refs}
        advised = [AdvisedPayment(str(p.pk), p.currency, p.amount, p.unapplied_amount, tuple(advices[p.pk]))
                   for p in group if p.pk in advices]
        by_advice, items = propose_from_advices(advised, items, policy) if advised else ({}, items)
        rest = [p for p in domain_payments if p.payment_id not in by_advice]
        proposals = [*by_advice.values(), *match_batch(items, rest, policy, **kwargs)]
        by_id = {str(p.pk): p for p in group}
        owner = {item.item_id: item.customer_account for item in items}
        owner.update({link.item_id: proposal.customer_account for proposal in by_advice.values()
                      for link in proposal.links})
        for start in range(0, len(proposals), STORE_CHUNK):
            beat(run)
            chunk = proposals[start:start + STORE_CHUNK]
            rows = _store_proposals(run, [(by_id[p.payment_id], p) for p in chunk], customers)
            to_apply: list[tuple[MatchProposal, dt.date]] = []
            for proposal, row in zip(chunk, rows, strict=True):
                if row.status == MatchProposal.Status.UNMATCHED:
                    unmatched += 1
                elif proposal.auto_apply:
                    to_apply.append((row, applied_on or by_id[proposal.payment_id].received_on))
                else:
                    suggested += 1
            done = _apply_all(actor, to_apply, MatchProposal.Status.APPLIED)
            taught: list[tuple[Payment, int, str]] = []
            for proposal, row in zip(chunk, rows, strict=True):
                if row.pk not in done:
                    if proposal.auto_apply and row.status != MatchProposal.Status.UNMATCHED:
                        suggested += 1
                    continue
                applied += 1
                owners = {owner.get(link.item_id, "") for link in proposal.links}
                if len(owners) == 1 and (customer_id := customers.get(owners.pop())) is not None:
                    taught.append((by_id[proposal.payment_id], customer_id, f"proposal:{row.pk}"))
            learn_accounts(actor, taught, seen_accounts)
    return applied, suggested, unmatched


# --------------------------------------------------------------------------- storing and applying


def supersede_open(payments: Iterable[Payment]) -> None:
    """A newer proposal or a clerk's decision replaces the payments' open suggestions.

    Their rows are locked in id order first, as a run applying a chunk locks its proposals, so that
    a run storing proposals and another applying them never wait on each other in a cycle."""
    with transaction.atomic():
        open_ids = list(MatchProposal.objects.select_for_update(no_key=True)
                        .filter(payment__in=list(payments), status__in=MatchProposal.OPEN_STATUSES)
                        .order_by("pk").values_list("pk", flat=True))
        MatchProposal.objects.filter(pk__in=open_ids, status__in=MatchProposal.OPEN_STATUSES).update(
            status=MatchProposal.Status.SUPERSEDED)


def _store_proposals(run: MatchRun, pairs: Sequence[tuple[Payment, matching.Proposal]],
                     customers: dict[str, int]) -> list[MatchProposal]:
    """Store a chunk of proposals at once: each replaces its payment's open suggestion."""
    with transaction.atomic():
        supersede_open(payment for payment, _p in pairs)
        rows = insert_rows(MatchProposal, [MatchProposal(
            run=run, payment=payment,
            status=MatchProposal.Status.SUGGESTED if proposal.links else MatchProposal.Status.UNMATCHED,
            confidence=proposal.confidence, reasons=list(proposal.reasons),
            customer_id=customers.get(proposal.customer_account), unapplied=proposal.unapplied)
            for payment, proposal in pairs])
        insert_rows(ProposalLine, [
            ProposalLine(proposal=row, item_id=int(link.item_id), amount=link.amount,
                         payment_amount=link.payment_amount, discount=link.discount, deduction=link.deduction)
            for row, (_payment, proposal) in zip(rows, pairs, strict=True)
            for link in sorted(proposal.links, key=lambda ln: int(ln.item_id))])
    return rows


def _try_apply(actor: Any, proposal: MatchProposal, applied_on: dt.date, status: str) -> bool:
    """Apply a stored proposal in one transaction; a conflict (money or item already taken by
    someone else meanwhile) leaves nothing applied and the proposal suggested, with the reason."""
    try:
        apply_proposal(actor, proposal, applied_on, status)
    except BusinessError as exc:
        gone = not workbench_payments().filter(pk=proposal.payment_id).exists()
        # money another run (or a clerk) applied meanwhile: this proposal has nothing left to do
        update: dict[str, Any] = {"note": f"not applied: {exc}"[:300]}
        if gone:
            update["status"] = MatchProposal.Status.SUPERSEDED
        MatchProposal.objects.filter(pk=proposal.pk, status=MatchProposal.Status.SUGGESTED).update(**update)
        return False
    return True


def _apply_all(actor: Any, rows: Sequence[tuple[MatchProposal, dt.date]], status: str) -> set[int]:
    """Apply stored proposals, :data:`APPLY_CHUNK` to a transaction; a chunk in which any proposal
    cannot be applied as planned (someone took its money or items meanwhile) is applied one by one
    instead, so that each proposal ends as :func:`_try_apply` would leave it. The ids applied."""
    done: set[int] = set()
    for start in range(0, len(rows), APPLY_CHUNK):
        chunk = rows[start:start + APPLY_CHUNK]
        if _apply_chunk(actor, chunk, status):
            done.update(row.pk for row, _on in chunk)
            continue
        done.update(row.pk for row, on in chunk if _try_apply(actor, row, on, status))
    return done


class _NotAsPlanned(Exception):
    """A proposal of a chunk cannot be applied together with the others: apply them one by one."""


def _apply_chunk(actor: Any, chunk: Sequence[tuple[MatchProposal, dt.date]], status: str) -> bool:
    """Apply a chunk of proposals in one transaction, all or none, with what :func:`apply_proposal` does
    for each — the same locks, checks, allocations, adjustments and audit events — written in bulk."""
    ids = [row.pk for row, _on in chunk]
    lines: dict[int, list[ProposalLine]] = {}
    # the lines alone, in Python order (a join with the items, planned on a table the run is filling, ran slowly)
    for line in sorted(ProposalLine.objects.filter(proposal_id__in=ids), key=lambda ln: ln.pk):
        lines.setdefault(line.proposal_id, []).append(line)
    who = actor_name(actor)
    as_stored = {row.pk: (row.status, row.decided_by, row.updated_at) for row, _on in chunk}
    try:
        with transaction.atomic():
            # the ledger's lock order: items by id, then payments (allocate_many takes both again, held already)
            item = {pk: (currency, due, kind) for pk, currency, due, kind in OpenItem.objects.select_for_update(
                no_key=True).filter(pk__in=sorted({ln.item_id for group in lines.values() for ln in group}))
                .order_by("pk").values_list("pk", "currency", "due_date", "document_type")}
            payment_ids = sorted({row.payment_id for row, _on in chunk})
            list(Payment.objects.select_for_update(no_key=True).filter(pk__in=payment_ids).order_by("pk")
                 .values_list("pk", flat=True))
            current = {p.pk: p for p in MatchProposal.objects.select_for_update(no_key=True).filter(pk__in=ids)
                       .order_by("pk")}
            kept = set(OnAccount.objects.filter(payment_id__in=payment_ids, released_at__isnull=True)
                       .values_list("payment_id", flat=True))
            requests: list[allocations.AllocationRequest] = []
            targets: list[list[ProposalLine]] = []  # the proposal lines each allocation belongs to
            adjustments: list[Adjustment] = []
            for row, applied_on in chunk:
                mine = lines.get(row.pk, [])
                if current[row.pk].status not in MatchProposal.OPEN_STATUSES or row.payment_id in kept:
                    raise _NotAsPlanned
                by_id = {ln.pk: ln for ln in mine}
                try:
                    plan = plan_settlement([SettlementLine(
                        ln.pk, ln.item_id, item[ln.item_id][0], item[ln.item_id][1],
                        item[ln.item_id][2] == OpenItem.Type.CREDIT_NOTE, ln.amount, ln.payment_amount,
                        ln.discount, ln.deduction) for ln in mine], payment_currency=row.payment.currency,
                        reasons=set(row.reasons))
                except CreditNotNetted:
                    raise _NotAsPlanned from None
                note = f"cash matching, proposal {row.pk}"
                for netting in plan.nettings:
                    credit, target = by_id[netting.credit_line], by_id[netting.target_line]
                    requests.append(allocations.AllocationRequest(
                        target.item_id, netting.amount, applied_on, credit_note_id=credit.item_id, note=note))
                    targets.append([credit, target])
                for cash in plan.cash:
                    line = by_id[cash.line_id]
                    requests.append(allocations.AllocationRequest(
                        line.item_id, cash.amount, applied_on, payment_id=row.payment_id,
                        source_amount=cash.source_amount, note=note))
                    targets.append([line])
                adjustments += [Adjustment(item_id=by_id[part.line_id].item_id, payment_id=row.payment_id,
                                           proposal=row, kind=part.kind, amount=part.amount,
                                           currency=item[by_id[part.line_id].item_id][0], created_by=who)
                                for part in plan.adjustments]
            made = allocations.allocate_many(actor=actor, requests=requests)
            through = ProposalLine.allocations.through
            insert_rows(through, [through(proposalline_id=line.pk, allocation_id=alloc.pk)
                                         for alloc, group in zip(made, targets, strict=True) for line in group])
            insert_rows(Adjustment, adjustments)
            now = timezone.now()
            for row, _on in chunk:
                row.status, row.decided_by, row.updated_at = status, who, now
            update_rows(MatchProposal, [row for row, _on in chunk], ["status", "decided_by", "updated_at"])
            record_many(actor=actor, events=[{
                "action": f"match.{status}", "object_type": MatchProposal._meta.label_lower, "object_id": row.pk,
                "object_repr": str(row)[:300], "before": {"status": current[row.pk].status},
                "after": {"status": status, "payment": row.payment_id, "confidence": row.confidence,
                          "reasons": row.reasons,
                          "lines": [{"item": ln.item_id, "amount": ln.amount} for ln in lines.get(row.pk, [])]}}
                for row, _on in chunk])
    except (_NotAsPlanned, BusinessError):
        for row, _on in chunk:  # nothing was written: the rows are as they were
            row.status, row.decided_by, row.updated_at = as_stored[row.pk]
        return False
    return True


def apply_proposal(actor: Any, proposal: MatchProposal, applied_on: dt.date, status: str) -> None:
    """Carry out a stored proposal: lock its items and payment (the ledger's order), then make the
    allocations and adjustments of its settlement plan, and mark it ``status`` (audited)."""
    lines = list(proposal.lines.select_related("item"))
    note = f"cash matching, proposal {proposal.pk}"
    with transaction.atomic():
        # the ledger's lock order: items by id, then the payment (then the audit chain head, taken last)
        list(OpenItem.objects.select_for_update(no_key=True).filter(pk__in=sorted({ln.item_id for ln in lines}))
             .order_by("pk").values_list("pk", flat=True))
        payment = Payment.objects.select_for_update(no_key=True).get(pk=proposal.payment_id)
        current = MatchProposal.objects.select_for_update(no_key=True).get(pk=proposal.pk)
        if current.status not in MatchProposal.OPEN_STATUSES:
            raise Conflict(f"proposal {proposal.pk} is already {current.get_status_display().lower()}",
                           code="proposal_decided")
        if OnAccount.objects.filter(payment=payment, released_at__isnull=True).exists():
            raise Conflict(f"{payment} is kept on account; release it first", code="on_account")
        by_id = {ln.pk: ln for ln in lines}
        try:
            plan = plan_settlement([SettlementLine(
                ln.pk, ln.item_id, ln.item.currency, ln.item.due_date,
                ln.item.document_type == OpenItem.Type.CREDIT_NOTE, ln.amount, ln.payment_amount,
                ln.discount, ln.deduction) for ln in lines], payment_currency=payment.currency,
                reasons=set(proposal.reasons))
        except CreditNotNetted as exc:
            raise Conflict(f"credit note {by_id[exc.line_id].item.document_number} cannot be netted in full",
                           code="credit_not_netted") from None
        for netting in plan.nettings:
            credit, target = by_id[netting.credit_line], by_id[netting.target_line]
            alloc = allocations.allocate(actor=actor, target_id=target.item_id, credit_note_id=credit.item_id,
                                    amount=netting.amount, applied_on=applied_on, note=note)
            credit.allocations.add(alloc)
            target.allocations.add(alloc)
        for cash in plan.cash:
            line = by_id[cash.line_id]
            alloc = allocations.allocate(actor=actor, target_id=line.item_id, payment_id=payment.pk, amount=cash.amount,
                                    source_amount=cash.source_amount, applied_on=applied_on, note=note)
            line.allocations.add(alloc)
        for part in plan.adjustments:
            line = by_id[part.line_id]
            Adjustment.objects.create(item_id=line.item_id, payment=payment, proposal=proposal, kind=part.kind,
                                      amount=part.amount, currency=line.item.currency, created_by=actor_name(actor))
        before = {"status": current.status}
        current.status = status
        current.decided_by = actor_name(actor)
        current.save(update_fields=["status", "decided_by", "updated_at"])
        record(actor=actor, action=f"match.{status}", obj=current, before=before,
               after={"status": status, "payment": payment.pk, "confidence": current.confidence,
                      "reasons": current.reasons,
                      "lines": [{"item": ln.item_id, "amount": ln.amount} for ln in lines]})
    proposal.status = status
