"""Run by the concurrency test in separate processes: allocate 1.00 at a time until refused."""

import datetime as dt
import os
import sys
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credere.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from credere.core.errors import BusinessError  # noqa: E402
from credere.ledger.services.allocations import allocate  # noqa: E402


def main() -> None:
    payment_id, target_ids, attempts = int(sys.argv[1]), [int(x) for x in sys.argv[2].split(",")], int(sys.argv[3])
    user = get_user_model().objects.get(username="admin")
    ok = refused = 0
    for i in range(attempts):
        try:
            allocate(actor=user, target_id=target_ids[i % len(target_ids)], payment_id=payment_id,
                     amount=Decimal("1.00"), applied_on=dt.date(2026, 5, 1))
            ok += 1
        except BusinessError:
            refused += 1
    print(f"{ok} {refused}")


main()
