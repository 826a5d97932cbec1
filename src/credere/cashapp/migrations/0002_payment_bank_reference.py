"""Payments read from earlier statements get the bank's own reference (end-to-end id, else the
bank reference), so that people see it instead of Credere's internal key."""

from django.db import migrations

NO_REFERENCE = {"", "NONREF", "NOTPROVIDED"}


def fill(apps, schema_editor):
    BankTransaction = apps.get_model("cashapp", "BankTransaction")
    Payment = apps.get_model("ledger", "Payment")
    batch = []
    for payment_id, end_to_end, bank_reference in (
            BankTransaction.objects.filter(payment__isnull=False, payment__bank_reference="")
            .values_list("payment_id", "end_to_end_id", "bank_reference").iterator(chunk_size=2000)):
        reference = end_to_end if end_to_end.upper() not in NO_REFERENCE else bank_reference
        if reference.upper() in NO_REFERENCE:
            continue
        batch.append(Payment(pk=payment_id, bank_reference=reference[:100]))
        if len(batch) >= 1000:
            Payment.objects.bulk_update(batch, ["bank_reference"])
            batch = []
    if batch:
        Payment.objects.bulk_update(batch, ["bank_reference"])


class Migration(migrations.Migration):

    dependencies = [
        ("cashapp", "0001_initial"),
        ("ledger", "0003_payment_bank_reference"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
