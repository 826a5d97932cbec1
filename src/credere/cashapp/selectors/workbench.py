"""Reads of the workbench: the queue of payments with unapplied money, one payment with its
proposals, matches and remittance lines, customers and open items to match by hand."""


from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Abs

from credere.cashapp.amounts import parse_amount
from credere.cashapp.models import (
    BankTransaction,
    MatchProposal,
    OnAccount,
    RemittanceLine,
)
from credere.core.fields import AmountField
from credere.domain.matching.batch import normalise_account
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
    return Payment.objects.filter(unapplied_amount__gt=0, returned_on__isnull=True).exclude(pk__in=kept)


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
                       | Q(payer_account__in=sorted({f.q.strip(), normalise_account(f.q)}))  # (encrypted: the whole
                       | Q(customer__name__icontains=f.q))                                  # account, not a part)
    whens = [When(received_on__lte=today - dt.timedelta(days=low), then=Value(i))
             for i, (_label, low) in enumerate(AGE_BUCKETS)]
    proposals = _open_proposals()
    return qs.annotate(
        was_undone=Exists(MatchProposal.objects.filter(payment=OuterRef("pk"), status=MatchProposal.Status.UNDONE)),
        age_bucket=Case(*whens, default=Value(len(AGE_BUCKETS) - 1), output_field=IntegerField()),
        proposal_id=Subquery(proposals.values("pk")[:1]),
        proposal_status=Subquery(proposals.values("status")[:1]),
        confidence=Subquery(proposals.values("confidence")[:1]),
    ).order_by("age_bucket", "-unapplied_amount", "received_on", "id")


def not_looked_at() -> QuerySet[Payment]:
    """Payments of the workbench without a proposal waiting: never matched, or whose match was undone."""
    return workbench_payments().exclude(pk__in=MatchProposal.objects.filter(status__in=OPEN).values("payment_id"))


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
    """``applied`` / ``partly applied`` / ``suggested`` / ``unmatched`` / ``on account`` / ``undone`` (a match
    was undone and nothing is proposed since) / ``pending`` (matching has not looked at the payment yet)."""
    if on_account_open:
        return "on account"
    if payment.unapplied_amount <= 0:
        return "applied"
    if proposal_status in OPEN:
        return str(proposal_status)
    if matched:
        return "partly applied"
    if MatchProposal.objects.filter(payment=payment, status=MatchProposal.Status.UNDONE).exists():
        return "undone"
    return "pending"


def customers_matching(text: str, *, limit: int = 8) -> list[Customer]:
    """Customers by exact account number, else by a name containing ``text`` (shortest names first)."""
    text = (text or "").strip()[:80]
    if not text:
        return []
    exact = Customer.objects.filter(account_number=text).first()
    if exact is not None:
        return [exact]
    return list(Customer.objects.filter(name__icontains=text).order_by("name")[:limit])


# --------------------------------------------------------------------------- open items


def chosen_items(posted: dict[int, tuple[str, str]]) -> list[OpenItem]:
    """The items a clerk ticked, in the order ticked, each ``chosen`` and carrying what was typed
    (``posted_amount``, ``posted_deduction``): a refused hand match comes back with them."""
    found = OpenItem.objects.select_related("customer").in_bulk(list(posted))
    items = []
    for pk, (amount, deduction) in posted.items():
        item = found.get(pk)
        if item is not None:
            item.chosen, item.posted_amount, item.posted_deduction = True, amount, deduction  # type: ignore[attr-defined]
            items.append(item)
    return items


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
        # amounts are stored scaled (ADR 0001): the searched amount goes through the same field to compare
        diff = ExpressionWrapper(Abs(Abs(F("open_amount")) - Value(amount, output_field=AmountField())),
                                 output_field=AmountField())
        return list(qs.filter(text | near).annotate(
            exact=Case(When(document_number__iexact=q, then=Value(0)), default=Value(1), output_field=IntegerField()),
            diff=diff).order_by("exact", "diff", "due_date", "id")[:limit])
    return list(qs.filter(text).annotate(
        exact=Case(When(document_number__iexact=q, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("exact", "due_date", "id")[:limit])
