"""Reads of returned payments: those waiting for a clerk, all of them, and the payments a return could be of."""

from __future__ import annotations

from django.db.models import QuerySet

from credere.cashapp.models import PaymentReturn
from credere.ledger.models import Payment


def returns(*, status: str = "") -> QuerySet[PaymentReturn]:
    """Returned payments, newest first, with their transaction, company and payment."""
    qs = PaymentReturn.objects.select_related("company", "payment", "payment__customer", "transaction",
                                              "transaction__bank_account")
    return qs.filter(status=status) if status else qs


def waiting() -> QuerySet[PaymentReturn]:
    """The returns no payment was found for, oldest first: the workbench lists them for a clerk."""
    return returns(status=PaymentReturn.Status.UNPAIRED).order_by("returned_on", "id")


def candidates(ret: PaymentReturn, *, limit: int = 10) -> list[Payment]:
    """Payments the return could be the return of: same company, currency and amount, received by the day of
    the return and not returned already, the latest first."""
    return list(Payment.objects.filter(company=ret.company_id, currency=ret.currency, amount=ret.amount,
                                       returned_on__isnull=True, received_on__lte=ret.returned_on)
                .select_related("customer").order_by("-received_on", "-id")[:limit])
