"""Reads of cash application for the pages: the workbench queue, a payment's proposals and
matches, open items to match by hand, statement files, runs and the day's figures.

Nothing here writes (not even the built-in policy's first version: :func:`policy_in_force`
shows the defaults until a run or a manager records version 1).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
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

from credere.cashapp.models import (
    BankTransaction,
    MatchingPolicyVersion,
    MatchProposal,
    MatchRun,
    OnAccount,
    RemittanceLine,
    StatementFile,
)
from credere.cashapp.policies import policy_settings
from credere.domain.matching import MatchingPolicy
from credere.ledger.models import Company, OpenItem, Payment

OPEN = (MatchProposal.Status.SUGGESTED, MatchProposal.Status.UNMATCHED)
APPLIED = (MatchProposal.Status.APPLIED, MatchProposal.Status.ACCEPTED, MatchProposal.Status.MANUAL)

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


def _open_proposals() -> QuerySet[MatchProposal]:
    return MatchProposal.objects.filter(payment=OuterRef("pk"), status__in=OPEN).order_by("-id")


def queue(f: QueueFilters, *, today: dt.date) -> QuerySet[Payment]:
    """Open payments (money unapplied, not on account), ranked as :data:`RANKING` says.

    Each payment carries ``age_bucket`` (index into :data:`AGE_BUCKETS`), ``proposal_id``,
    ``proposal_status`` and ``confidence`` of its open proposal (None while matching has not run).
    """
    kept = OnAccount.objects.filter(released_at__isnull=True).values("payment_id")
    qs = Payment.objects.filter(unapplied_amount__gt=0).exclude(pk__in=kept).select_related("company", "customer")
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


def age_label(index: int) -> str:
    return AGE_BUCKETS[index][0] if 0 <= index < len(AGE_BUCKETS) else ""


def queue_currencies() -> list[str]:
    return sorted(set(Payment.objects.filter(unapplied_amount__gt=0).values_list("currency", flat=True)))


# --------------------------------------------------------------------------- one payment


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


AMOUNT_TOLERANCE = Decimal("0.05")


def parse_amount(text: str) -> Decimal | None:
    """``1.234,50`` / ``1,234.50`` / ``1234.5`` → Decimal; None if ``text`` is not an amount."""
    raw = re.sub(r"[\s'\u00a0\u202f]", "", text or "")
    if not re.fullmatch(r"-?[\d.,]+", raw) or not re.search(r"\d", raw):
        return None
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
        thousands = "," if decimal_sep == "." else "."
        raw = raw.replace(thousands, "").replace(decimal_sep, ".")
    elif last_comma >= 0:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 and raw.count(",") >= 1 and head else raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


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
    kept = OnAccount.objects.filter(released_at__isnull=True).values("payment_id")
    return (Payment.objects.filter(pk__in=ids, unapplied_amount__gt=0).exclude(pk__in=kept)
            .exclude(match_proposals__isnull=False).exists())


def runs(limit: int = 10, file: StatementFile | None = None) -> list[MatchRun]:
    qs = MatchRun.objects.select_related("statement_file", "policy").order_by("-id")
    if file is not None:
        qs = qs.filter(statement_file=file)
    return list(qs[:limit])


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
    kept = OnAccount.objects.filter(released_at__isnull=True).values("payment_id")
    open_qs = Payment.objects.filter(unapplied_amount__gt=0).exclude(pk__in=kept)
    # payments, not run totals: a payment matched again by a later run is counted once
    applied = (MatchProposal.objects.filter(status__in=["applied", "accepted", "manual"], updated_at__gte=start,
                                            updated_at__lt=end).values("payment_id").distinct().count())
    waiting = MatchProposal.objects.filter(payment__in=open_qs)
    suggested = waiting.filter(status="suggested").values("payment_id").distinct().count()
    unmatched = waiting.filter(status="unmatched").values("payment_id").distinct().count()
    per_currency = [(r["currency"], r["total"], r["n"]) for r in open_qs.values("currency").annotate(
        total=Sum("unapplied_amount"), n=Count("id")).order_by("currency")]
    return Summary(runs=runs, applied=applied, suggested=suggested, unmatched=unmatched,
                   waiting=sum(n for _c, _t, n in per_currency), unapplied=per_currency)


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class PolicyInForce:
    version: MatchingPolicyVersion | None
    settings: dict[str, Any]

    @property
    def number(self) -> int:
        return self.version.version if self.version is not None else 1


def policy_in_force(*, at: dt.datetime | None = None) -> PolicyInForce:
    """The version in force, or the built-in defaults while no version is recorded yet."""
    version = (MatchingPolicyVersion.objects.filter(effective_from__lte=at or timezone.now())
               .order_by("-version").first())
    if version is None:
        return PolicyInForce(None, policy_settings(MatchingPolicy()))
    return PolicyInForce(version, dict(version.settings))


@dataclass(frozen=True)
class PolicyChange:
    key: str
    before: Any
    after: Any


def policy_history() -> list[tuple[MatchingPolicyVersion, list[PolicyChange]]]:
    """Every version, newest first, with what changed from the version before it."""
    versions = list(MatchingPolicyVersion.objects.order_by("version"))
    out: list[tuple[MatchingPolicyVersion, list[PolicyChange]]] = []
    previous: dict[str, Any] | None = None
    for v in versions:
        changes: list[PolicyChange] = []
        if previous is not None:
            for key in dict.fromkeys([*previous, *v.settings]):
                if previous.get(key) != v.settings.get(key):
                    changes.append(PolicyChange(key, previous.get(key), v.settings.get(key)))
        out.append((v, changes))
        previous = dict(v.settings)
    out.reverse()
    return out


def payer_knowledge(customer_id: int) -> dict[str, Any]:
    """What Credere knows about how a customer pays: bank accounts, bank-written names, money on account."""
    from credere.cashapp.models import CustomerBankAccount, PayerAlias, PayerReference

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
    from credere.cashapp.models import Adjustment

    return list(Adjustment.objects.filter(item_id=item_id).select_related("payment").order_by("-created_at"))
