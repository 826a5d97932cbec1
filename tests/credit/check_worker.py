"""Run by the concurrency test in separate processes: check orders for one customer, as fast as possible."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credere.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from credere.credit.services.checks import check  # noqa: E402
from credere.ledger.models import Company, Customer  # noqa: E402


def main() -> None:
    prefix, count, amount = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    user = get_user_model().objects.get(username="manager")
    company, customer = Company.objects.get(code="DE01"), Customer.objects.get(account_number="C1000")
    released = held = 0
    for i in range(count):
        row = check(actor=user, company=company, customer=customer, order_id=f"{prefix}-{i}", amount=amount,
                    currency="EUR")
        released += row.outcome == "released"
        held += row.outcome == "held"
    print(f"{released} {held}")


main()
