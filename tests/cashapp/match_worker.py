"""Run by the concurrency test in separate processes: one matching run over every open payment."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credere.settings")
import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from credere.cashapp.services.runs import run_matching  # noqa: E402


def main() -> None:
    user = get_user_model().objects.get(username=sys.argv[1])
    run = run_matching(actor=user, trigger="test")
    print(run.applied)


main()
