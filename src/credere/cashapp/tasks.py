"""Background work of cash application (run by ``credere worker``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from credere.cashapp.models import StatementFile
from credere.cashapp.services import statement_uploads
from credere.cashapp.services.runs import recover_stale_runs, run_matching
from credere.core import background


@task()
def match_payments(payment_ids: list[int] | None, actor: str, statement_file_id: int | None = None) -> str:
    """Match the payments of an imported statement (``None``: every unapplied payment). Idempotent: payments
    already applied, or decided by a clerk meanwhile, are no longer unapplied and are left alone."""
    user = get_user_model().objects.filter(username=actor, is_active=True).first()
    if user is None:
        return f"skipped: {actor} is not an active user"
    statement_file = StatementFile.objects.filter(pk=statement_file_id).first() if statement_file_id else None
    run = run_matching(actor=user, payment_ids=payment_ids, trigger="import", statement_file=statement_file)
    return f"run {run.pk}: {run.applied} applied, {run.suggested} suggested, {run.unmatched} unmatched"


background.register("cashapp.match_payments", match_payments)


@task()
def import_statement_upload(upload_id: str) -> str:
    """Import a big statement file a user handed over (page or API); idempotent."""
    return statement_uploads.run(upload_id)


background.register(statement_uploads.TASK, import_statement_upload)


def _recover() -> list[str]:
    return [f"{run}: {run.error}" for run in recover_stale_runs()]


background.on_worker_start(_recover)
