"""Reads of imported statements: files, their statements and transactions, matching runs, and
the day's figures."""


from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from credere.cashapp.models import (
    BankAccount,
    BankTransaction,
    MatchProposal,
    MatchRun,
    OnAccount,
    Statement,
    StatementFile,
)
from credere.cashapp.selectors.workbench import payment_status, workbench_payments

OPEN = MatchProposal.OPEN_STATUSES
APPLIED = MatchProposal.APPLIED_STATUSES

# --------------------------------------------------------------------------- files and runs


def _flag_count(*, unacknowledged: bool) -> Coalesce:
    qs = Statement.objects.filter(file=OuterRef("pk"), flagged=True)
    if unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    counted = qs.order_by().values("file").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def statement_files() -> QuerySet[StatementFile]:
    """Files, newest first, each with ``payments``, ``flagged_statements`` (statements whose figures do not add
    up) and ``unacknowledged_flags`` (those of them no clerk has acknowledged yet)."""
    return (StatementFile.objects.select_related("uploaded_by").defer("content")
            .annotate(payments=Count("statement_set__transactions__payment"),
                      flagged_statements=_flag_count(unacknowledged=False),
                      unacknowledged_flags=_flag_count(unacknowledged=True))
            .order_by("-uploaded_at", "-id"))


def flagged_statements(*, unacknowledged: bool = True) -> QuerySet[Statement]:
    """Statements whose figures do not add up (only those not yet acknowledged, unless told otherwise)."""
    qs = Statement.objects.filter(flagged=True).select_related("file", "bank_account", "acknowledged_by")
    return qs.filter(acknowledged_at__isnull=True) if unacknowledged else qs


def statement_file(pk: int, *, content: bool = False) -> StatementFile | None:
    """A stored statement file (its bytes only when ``content``: they may be large)."""
    qs = StatementFile.objects.select_related("uploaded_by")
    return (qs if content else qs.defer("content")).filter(pk=pk).first()


def file_statements(file: StatementFile) -> list[Any]:
    """The file's statements; a flagged one also carries ``entries_total`` (expected closing minus opening),
    ``difference_size`` (the difference without its sign) and ``bank_states_more`` (the stated closing balance
    is above the expected one)."""
    rows: list[Any] = list(Statement.objects.filter(file=file).select_related("bank_account__company", "acknowledged_by"))
    for row in rows:
        row.entries_total = (None if row.expected_closing is None or row.opening_balance is None
                             else row.expected_closing - row.opening_balance)
        row.difference_size = None if row.balance_difference is None else abs(row.balance_difference)
        row.bank_states_more = row.balance_difference is not None and row.balance_difference > 0
        row.other_discrepancies = [
            {**d, **{k: None if d.get(k) is None else Decimal(d[k]) for k in ("expected", "stated", "difference")}}
            for d in row.discrepancies if d.get("what") != "closing balance"]
    return rows


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
