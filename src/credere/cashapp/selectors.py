"""Reads of cash application, one answer for the pages, the API and the services: the workbench
queue, a payment's proposals and matches, open items to match by hand, statement files and
transactions, runs, the day's figures.

Nothing here writes. The policy in force and its history are read in
:mod:`credere.cashapp.policies` (the policy as stored data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Abs
from django.utils import timezone

from credere.cashapp.amounts import parse_amount
from credere.cashapp.models import (
    Adjustment,
    BankAccount,
    BankTransaction,
    CustomerBankAccount,
    MatchProposal,
    MatchRun,
    OnAccount,
    PayerAlias,
    PayerReference,
    RemittanceLine,
    Statement,
    StatementFile,
)
from credere.ledger.models import Company, Customer, OpenItem, Payment

OPEN = MatchProposal.OPEN_STATUSES
APPLIED = MatchProposal.APPLIED_STATUSES

#: Age buckets of the workbench queue, oldest first: (label, minimum age in days).
AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("Over 30 days", 31), ("8–30 days", 8), ("3–7 days", 3), ("0–2 days", 0))
RANKING = ("Oldest money first: payments are grouped by age (days since the bank booked them: over 30, 8–30, "
           "3–7, 0–2 days); within a group the largest unapplied amount comes first. Amounts in different "
           "currencies are compared at face value; filter by currency to compare like with like.")


# --------------------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    company: Company | None = None
    currency: str = ""
    min_amount: Decimal | None = None
    q: str = ""
    #: How many payments of the queue the page lists.
    shown: int = 100


def workbench_payments() -> QuerySet[Payment]:
    """A payment in the workbench: money not yet applied, and not kept on a customer's account."""
    kept = OnAccount.objects.filter(released_at__isnull=True).values("payment_id")
    return Payment.objects.filter(unapplied_amount__gt=0).exclude(pk__in=kept)


def _open_proposals() -> QuerySet[MatchProposal]:
    return MatchProposal.objects.filter(payment=OuterRef("pk"), status__in=OPEN).order_by("-id")


def queue(f: QueueFilters, *, today: dt.date) -> QuerySet[Payment]:
    """Open payments (money unapplied, not on account), ranked as :data:`RANKING` says.

    Each payment carries ``age_bucket`` (index into :data:`AGE_BUCKETS`), ``proposal_id``,
    ``proposal_status`` and ``confidence`` of its open proposal (None while matching has not run).
    """
    qs = workbench_payments().select_related("company", "customer")
    if f.company is not None:
        qs = qs.filter(company=f.company)
    if f.currency:
        qs = qs.filter(currency=f.currency)
    if f.min_amount is not None:
        qs = qs.filter(unapplied_amount__gte=f.min_amount)
    if f.q:
        qs = qs.filter(Q(payer_name__icontains=f.q) | Q(reference_text__icontains=f.q) | Q(reference__icontains=f.q)
                       | Q(payer_account__icontains=f.q.replace(" ", "")) | Q(customer__name__icontains=f.q))
    whens = [When(received_on__lte=today - dt.timedelta(days=low), then=Value(i))
             for i, (_label, low) in enumerate(AGE_BUCKETS)]
    proposals = _open_proposals()
    return qs.annotate(
        age_bucket=Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField()),
        proposal_id=Subquery(proposals.values("pk")[:1]),
        proposal_status=Subquery(proposals.values("status")[:1]),
        confidence=Subquery(proposals.values("confidence")[:1]),
    ).order_by("age_bucket", "-unapplied_amount", "received_on", "id")


def queue_ids(qs: QuerySet[Payment]) -> list[int]:
    return list(qs.values_list("pk", flat=True))


@dataclass(frozen=True)
class QueuePage:
    #: Every payment of the queue, in rank order.
    ids: list[int]
    #: The first ``shown`` payments, and the selected one after them if it is further down.
    entries: list[Any]
    #: The payment asked for, if it exists, else the first of the queue.
    selected_id: int | None


def queue_page(f: QueueFilters, *, today: dt.date, selected_id: int | None) -> QueuePage:
    qs = queue(f, today=today)
    ids = queue_ids(qs)
    entries: list[Any] = list(qs[:f.shown])
    if selected_id is None or (selected_id not in ids and not Payment.objects.filter(pk=selected_id).exists()):
        selected_id = ids[0] if ids else None
    if selected_id is not None and selected_id not in {e.pk for e in entries}:
        extra = qs.filter(pk=selected_id).first()
        if extra is not None:
            entries.append(extra)
    return QueuePage(ids, entries, selected_id)


def age_label(index: int) -> str:
    return AGE_BUCKETS[index][0] if 0 <= index < len(AGE_BUCKETS) else ""


def queue_currencies() -> list[str]:
    return sorted(set(workbench_payments().values_list("currency", flat=True)))


# --------------------------------------------------------------------------- one payment, proposal, customer


def payment(pk: int) -> Payment | None:
    return Payment.objects.select_related("company", "customer").filter(pk=pk).first()


def proposal(pk: int) -> MatchProposal | None:
    """A proposal with its payment, lines, items and customers (as the pages and the API show it)."""
    return proposals().select_related("payment").filter(pk=pk).first()


def proposals(*, status: str | None = None, payment_id: int | None = None,
              run_id: int | None = None) -> QuerySet[MatchProposal]:
    """Proposals, newest first, with their lines' items and customers."""
    qs = MatchProposal.objects.select_related("customer").prefetch_related("lines__item__customer").order_by("-id")
    if status:
        qs = qs.filter(status=status)
    if payment_id:
        qs = qs.filter(payment_id=payment_id)
    if run_id:
        qs = qs.filter(run_id=run_id)
    return qs


def proposal_documents(proposal: MatchProposal) -> list[str]:
    """The document numbers of a proposal's items, in line order."""
    return [line.item.document_number for line in proposal.lines.select_related("item")]


def companies() -> list[Company]:
    return list(Company.objects.order_by("code"))


def company(code: str) -> Company | None:
    return Company.objects.filter(code=code).first() if code else None


def customer(pk: int) -> Customer | None:
    return Customer.objects.filter(pk=pk).first()


def customer_by_account(account_number: str) -> Customer | None:
    return Customer.objects.filter(account_number=account_number).first() if account_number else None


def customers_named(word: str, *, limit: int = 20) -> list[tuple[str, str]]:
    """(account number, name) of customers whose name contains ``word`` (see ``names.search_word``)."""
    if not word:
        return []
    return list(Customer.objects.filter(name__icontains=word).values_list("account_number", "name")[:limit])


def open_proposal(payment: Payment) -> MatchProposal | None:
    """The latest proposal still waiting for a clerk (suggested, or nothing found)."""
    return (MatchProposal.objects.filter(payment=payment, status__in=OPEN).select_related("customer", "run")
            .prefetch_related("lines__item__customer").order_by("-id").first())


def applied_matches(payment: Payment) -> list[MatchProposal]:
    """Matches in force on the payment (applied by the engine, accepted or made by a clerk)."""
    return list(MatchProposal.objects.filter(payment=payment, status__in=APPLIED).select_related("customer")
                .prefetch_related("lines__item__customer", "lines__allocations", "adjustments").order_by("-id"))


def on_account(payment: Payment) -> OnAccount | None:
    return OnAccount.objects.select_related("customer").filter(payment=payment, released_at__isnull=True).first()


def remittance_lines(payment: Payment) -> list[RemittanceLine]:
    return list(RemittanceLine.objects.filter(advice__payment=payment).select_related("advice"))


def bank_transaction(payment: Payment) -> BankTransaction | None:
    return BankTransaction.objects.select_related("statement__file", "bank_account").filter(payment=payment).first()


def payment_status(payment: Payment, proposal_status: str | None, on_account_open: bool, matched: bool) -> str:
    """``applied`` / ``partly applied`` / ``suggested`` / ``unmatched`` / ``on account`` / ``pending``."""
    if on_account_open:
        return "on account"
    if payment.unapplied_amount <= 0:
        return "applied"
    if proposal_status in OPEN:
        return str(proposal_status)
    if matched:
        return "partly applied"
    return "pending"


# --------------------------------------------------------------------------- open items


def document_numbers(item_ids: list[int]) -> dict[int, str]:
    return dict(OpenItem.objects.filter(pk__in=item_ids).values_list("pk", "document_number"))


AMOUNT_TOLERANCE = Decimal("0.05")


def search_items(q: str, *, company: Company | None = None, exclude: list[int] | None = None,
                 limit: int = 25) -> list[OpenItem]:
    """Open items of every customer by document number, customer name or account, or by amount
    (the exact open amount first, then within 5 % either side), smallest difference first."""
    q = (q or "").strip()[:60]
    if not q:
        return []
    qs = OpenItem.objects.exclude(open_amount=0).select_related("customer", "company")
    if company is not None:
        qs = qs.filter(company=company)
    if exclude:
        qs = qs.exclude(pk__in=exclude)
    text = (Q(document_number__icontains=q) | Q(customer__name__icontains=q) | Q(customer__account_number__iexact=q)
            | Q(customer_reference__icontains=q) | Q(order_reference__icontains=q))
    amount = parse_amount(q)
    if amount is not None and amount != 0:
        amount = abs(amount)
        low, high = amount * (1 - AMOUNT_TOLERANCE), amount * (1 + AMOUNT_TOLERANCE)
        near = Q(open_amount__gte=low, open_amount__lte=high) | Q(open_amount__gte=-high, open_amount__lte=-low)
        diff = ExpressionWrapper(Abs(Abs(F("open_amount")) - Value(amount)),
                                 output_field=DecimalField(max_digits=20, decimal_places=4))
        return list(qs.filter(text | near).annotate(
            exact=Case(When(document_number__iexact=q, then=Value(0)), default=Value(1), output_field=IntegerField()),
            diff=diff).order_by("exact", "diff", "due_date", "id")[:limit])
    return list(qs.filter(text).annotate(
        exact=Case(When(document_number__iexact=q, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("exact", "due_date", "id")[:limit])


# --------------------------------------------------------------------------- files and runs


def statement_files() -> QuerySet[StatementFile]:
    return (StatementFile.objects.select_related("uploaded_by").defer("content")
            .annotate(payments=Count("statement_set__transactions__payment")).order_by("-uploaded_at", "-id"))


def statement_file(pk: int, *, content: bool = False) -> StatementFile | None:
    """A stored statement file (its bytes only when ``content``: they may be large)."""
    qs = StatementFile.objects.select_related("uploaded_by")
    return (qs if content else qs.defer("content")).filter(pk=pk).first()


def file_statements(file: StatementFile) -> list[Statement]:
    return list(Statement.objects.filter(file=file).select_related("bank_account__company"))


def file_bank_accounts(file: StatementFile) -> list[BankAccount]:
    return list(BankAccount.objects.filter(statements__file=file).distinct())


def transactions(*, statement_file: int | None = None, booking_date_from: dt.date | None = None,
                 booking_date_to: dt.date | None = None, incoming: bool | None = None) -> QuerySet[BankTransaction]:
    """Imported bank transactions, newest booking first."""
    qs = BankTransaction.objects.select_related("bank_account").order_by("-booking_date", "-id")
    if statement_file:
        qs = qs.filter(statement__file_id=statement_file)
    if booking_date_from:
        qs = qs.filter(booking_date__gte=booking_date_from)
    if booking_date_to:
        qs = qs.filter(booking_date__lte=booking_date_to)
    if incoming is not None:
        qs = qs.filter(amount__gt=0) if incoming else qs.filter(amount__lt=0)
    return qs


def file_payment_ids(file: StatementFile) -> list[int]:
    return [pid for pid in BankTransaction.objects.filter(statement__file=file, payment__isnull=False)
            .values_list("payment_id", flat=True) if pid is not None]


def file_transactions(file: StatementFile) -> list[Any]:
    """The file's transactions, each with ``status`` (see :func:`payment_status`) and ``proposal_id``."""
    rows: list[Any] = list(BankTransaction.objects.filter(statement__file=file).select_related("payment", "statement")
                .order_by("booking_date", "id"))
    pids = [t.payment_id for t in rows if t.payment_id]
    latest: dict[int, tuple[int, str]] = {}
    for pk, pid, status in (MatchProposal.objects.filter(payment_id__in=pids, status__in=OPEN)
                            .order_by("id").values_list("pk", "payment_id", "status")):
        latest[pid] = (pk, status)
    matched = set(MatchProposal.objects.filter(payment_id__in=pids, status__in=APPLIED)
                  .values_list("payment_id", flat=True))
    kept = set(OnAccount.objects.filter(payment_id__in=pids, released_at__isnull=True)
               .values_list("payment_id", flat=True))
    for t in rows:
        t.status = ""
        if t.payment is not None:
            pk, status = latest.get(t.payment.pk, (0, ""))
            t.status = payment_status(t.payment, status or None, t.payment.pk in kept, t.payment.pk in matched)
    return rows


def file_pending(file: StatementFile) -> bool:
    """Matching has yet to look at some of the file's payments (a run is queued or running)."""
    ids = file_payment_ids(file)
    if not ids:
        return False
    if MatchRun.objects.filter(statement_file=file, status=MatchRun.Status.RUNNING).exists():
        return True
    return workbench_payments().filter(pk__in=ids).exclude(match_proposals__isnull=False).exists()


def match_runs(file: StatementFile | None = None) -> QuerySet[MatchRun]:
    qs = MatchRun.objects.select_related("statement_file", "policy").order_by("-id")
    return qs if file is None else qs.filter(statement_file=file)


def runs(limit: int = 10, file: StatementFile | None = None) -> list[MatchRun]:
    return list(match_runs(file)[:limit])


def run(pk: int) -> MatchRun | None:
    return match_runs().filter(pk=pk).first()


@dataclass(frozen=True)
class Summary:
    runs: int
    applied: int
    suggested: int
    unmatched: int
    waiting: int
    #: (currency, unapplied total, payments) of the workbench queue
    unapplied: list[tuple[str, Decimal, int]]


def summary(*, today: dt.date) -> Summary:
    """Today's matching runs, and the unapplied money still in the workbench, per currency."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    end = start + dt.timedelta(days=1)
    runs = MatchRun.objects.filter(started_at__gte=start, started_at__lt=end).count()
    open_qs = workbench_payments()
    # payments, not run totals: a payment matched again by a later run is counted once
    applied = (MatchProposal.objects.filter(status__in=APPLIED, updated_at__gte=start,
                                            updated_at__lt=end).values("payment_id").distinct().count())
    waiting = MatchProposal.objects.filter(payment__in=open_qs)
    suggested = waiting.filter(status=MatchProposal.Status.SUGGESTED).values("payment_id").distinct().count()
    unmatched = waiting.filter(status=MatchProposal.Status.UNMATCHED).values("payment_id").distinct().count()
    per_currency = [(r["currency"], r["total"], r["n"]) for r in open_qs.values("currency").annotate(
        total=Sum("unapplied_amount"), n=Count("id")).order_by("currency")]
    return Summary(runs=runs, applied=applied, suggested=suggested, unmatched=unmatched,
                   waiting=sum(n for _c, _t, n in per_currency), unapplied=per_currency)


# --------------------------------------------------------------------------- payers


def payer_knowledge(customer_id: int) -> dict[str, Any]:
    """What Credere knows about how a customer pays: bank accounts, bank-written names, money on account."""
    return {
        "bank_accounts": list(CustomerBankAccount.objects.filter(customer_id=customer_id)
                              .select_related("learned_from").order_by("account")),
        "aliases": list(PayerAlias.objects.filter(customer_id=customer_id).select_related("learned_from")
                        .order_by("key")),
        "references": list(PayerReference.objects.filter(customer_id=customer_id).select_related("learned_from")
                           .order_by("key")),
        "on_account": list(OnAccount.objects.filter(customer_id=customer_id, released_at__isnull=True)
                           .select_related("payment").order_by("-created_at")),
    }


def adjustments_of_item(item_id: int) -> list[Any]:
    """What cash application left open on an item on purpose (deductions, discounts, bank charges)."""
    return list(Adjustment.objects.filter(item_id=item_id).select_related("payment").order_by("-created_at"))


# --------------------------------------------------------------------------- remittance advices


def find_payment_for_advice(company: Company, reference: str, amount: Decimal | None, currency: str,
                            date: dt.date | None, among: Sequence[Payment] | None = None) -> Payment | None:
    """The payment an advice describes: by bank or end-to-end reference, else by one amount on one date."""
    qs = Payment.objects.filter(company=company)
    if among is not None:
        qs = qs.filter(pk__in=[p.pk for p in among])
    ref = reference.strip()
    if ref:
        hit = list(qs.filter(Q(reference=ref) | Q(bank_transaction__bank_reference=ref)
                             | Q(bank_transaction__end_to_end_id=ref))[:2])
        if len(hit) == 1:
            return hit[0]
    if amount is not None and currency and date is not None:
        near = list(qs.filter(amount=amount, currency=currency, received_on__gte=date - dt.timedelta(days=5),
                              received_on__lte=date + dt.timedelta(days=5))[:2])
        if len(near) == 1:
            return near[0]
    return None
