"""What cash application holds about a customer's payers, for the ledger's personal-data export and
erasure (:mod:`credere.ledger.services.privacy`), and what its retention settings delete.

It holds the bank accounts and names a customer pays under (learned from matches or entered by a
clerk) and the counterparty of each bank transaction that became one of the customer's payments.
Erasure deletes the accounts and names (matching then learns nothing more about them until a clerk
matches a payment again) and empties the transactions' counterparty and raw text; the statement
files as the bank sent them are accounting records, kept until ``CREDERE_RETENTION_STATEMENT_YEARS``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from credere.cashapp.models import BankTransaction, CustomerBankAccount, PayerAlias, StatementFile, StatementUpload
from credere.core.bulk import chunks
from credere.core.personal import Holder


def export(customer_id: int) -> dict[str, list[dict[str, Any]]]:
    accounts = CustomerBankAccount.objects.filter(customer_id=customer_id)
    aliases = PayerAlias.objects.filter(customer_id=customer_id).order_by("name")
    transactions = (BankTransaction.objects.filter(payment__customer_id=customer_id)
                    .order_by("booking_date", "id"))
    return {
        "Bank accounts paid from": [{"account": a.account, "source": a.get_source_display(), "shared": a.shared,
                                     "since": a.created_at.date().isoformat()} for a in accounts],
        "Names paid under": [{"name": a.name, "since": a.created_at.date().isoformat()} for a in aliases],
        "Bank transactions": [{"booking_date": t.booking_date.isoformat(), "currency": t.currency,
                               "amount": format(t.amount, "f"), "counterparty_name": t.counterparty_name,
                               "counterparty_account": t.counterparty_account, "remittance": t.remittance}
                              for t in transactions],
    }


def erase(customer_id: int, payment_ids: list[int]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    accounts = list(CustomerBankAccount.objects.filter(customer_id=customer_id).values_list("pk", flat=True))
    CustomerBankAccount.objects.filter(pk__in=accounts).delete()
    aliases = PayerAlias.objects.filter(customer_id=customer_id).delete()[0]
    emptied = 0
    for chunk in chunks(payment_ids):
        emptied += BankTransaction.objects.filter(payment_id__in=chunk).update(
            counterparty_name="", counterparty_account="", raw="")
    return ({"payer bank accounts deleted": len(accounts), "payer names deleted": aliases,
             "bank transactions' counterparty emptied": emptied},
            [("cashapp.customerbankaccount", str(pk)) for pk in accounts])


def purge(now: dt.datetime) -> dict[str, int]:
    uploads_before = now - dt.timedelta(days=int(settings.CREDERE_RETENTION_UPLOAD_DAYS))
    uploads = StatementUpload.objects.filter(created_at__lt=uploads_before).exclude(
        state=StatementUpload.State.IMPORTING).delete()[0]
    years = int(settings.CREDERE_RETENTION_STATEMENT_YEARS)
    files_before = now.replace(year=now.year - years) if not (now.month == 2 and now.day == 29) else (
        now - dt.timedelta(days=1)).replace(year=now.year - years)
    old = list(StatementFile.objects.filter(uploaded_at__lt=files_before).exclude(content=b"")
               .values_list("pk", flat=True))
    for chunk in chunks(old):
        StatementFile.objects.filter(pk__in=chunk).update(content=b"")
        BankTransaction.objects.filter(statement__file_id__in=chunk).update(raw="")
    return {"statement uploads deleted": uploads, "statement files' bytes deleted": len(old)}


HOLDER = Holder(name="cash application", export=export, erase=erase, purge=purge)
