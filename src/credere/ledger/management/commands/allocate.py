"""``credere allocate``: apply a payment or credit note to an item, or reverse an allocation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credere.core.cli import add_actor_argument, resolve_actor
from credere.core.errors import BusinessError
from credere.identity.authz import NotAllowed
from credere.ledger.models import OpenItem, Payment
from credere.ledger.services.allocations import allocate, reverse_allocation


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise CommandError(f"'{text}' is not an amount") from None


class Command(BaseCommand):
    help = "Allocate a payment or credit note to an invoice or debit note, or reverse an allocation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{apply,reverse}")
        p = sub.add_parser("apply", help="Apply (part of) a payment or credit note to an item")
        p.add_argument("--company", required=True, help="Company code")
        p.add_argument("--item", required=True, help="Document number of the invoice or debit note")
        src = p.add_mutually_exclusive_group(required=True)
        src.add_argument("--payment", help="Payment reference")
        src.add_argument("--credit-note", help="Document number of the credit note")
        p.add_argument("--amount", required=True, type=_decimal, help="Amount in the item's currency")
        p.add_argument("--source-amount", type=_decimal, help="Amount in the source's currency, if it differs")
        p.add_argument("--date", type=_date, default=None, help="Application date (default today)")
        p.add_argument("--note", default="")
        add_actor_argument(p)
        p = sub.add_parser("reverse", help="Reverse an allocation")
        p.add_argument("allocation_id", type=int)
        p.add_argument("--reason", required=True, help="Why it is reversed (kept in the audit trail)")
        p.add_argument("--date", type=_date, default=None, help="Reversal date (default today)")
        add_actor_argument(p)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = resolve_actor(options)
        day = options.get("date") or timezone.localdate()
        try:
            if options["action"] == "apply":
                target = OpenItem.objects.filter(
                    company__code=options["company"], document_number=options["item"],
                    document_type__in=["invoice", "debit_note"]).first()
                if target is None:
                    raise CommandError(f"no invoice or debit note {options['item']} in company {options['company']}")
                payment_id = credit_id = None
                if options.get("payment"):
                    payment = Payment.objects.filter(company__code=options["company"],
                                                     reference=options["payment"]).first()
                    if payment is None:
                        raise CommandError(f"no payment {options['payment']} in company {options['company']}")
                    payment_id = payment.pk
                else:
                    credit = OpenItem.objects.filter(company__code=options["company"], document_type="credit_note",
                                                     document_number=options["credit_note"]).first()
                    if credit is None:
                        raise CommandError(f"no credit note {options['credit_note']} in company {options['company']}")
                    credit_id = credit.pk
                allocation = allocate(actor=actor, target_id=target.pk, payment_id=payment_id,
                                      credit_note_id=credit_id, amount=options["amount"],
                                      source_amount=options.get("source_amount"), applied_on=day,
                                      note=options["note"])
                target.refresh_from_db()
                self.stdout.write(f"allocation {allocation.pk}: {allocation.amount} {target.currency} applied to "
                                  f"{target}; open amount now {target.open_amount} {target.currency}")
            else:
                allocation = reverse_allocation(actor=actor, allocation_id=options["allocation_id"],
                                                reversed_on=day, reason=options["reason"])
                self.stdout.write(f"allocation {allocation.pk} reversed on {allocation.reversed_on}")
        except (BusinessError, NotAllowed) as exc:
            raise CommandError(str(exc)) from None
