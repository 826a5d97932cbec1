"""What credit control plugs into the rest of Credere at start-up (``CreditConfig.ready()``): its
approval kinds (credit limits, blocking a customer), its panel on the customer page, the pages of its audited records,
and its orders as a kind of record the import flow reads from files (``credere import orders``)."""

from __future__ import annotations

from django.urls import reverse

from credere.approvals import kinds
from credere.audit import links
from credere.core import import_entities
from credere.credit.policy import policy_in_force
from credere.credit.services import alerts, order_import, standing
from credere.credit.services.limits import KIND, apply_approved_limit
from credere.credit.services.reviews import BLOCK_KIND, apply_approved_block
from credere.ledger import changes


def _sla_hours() -> int | None:
    return int(policy_in_force().settings["approval_sla_hours"])


def register() -> None:
    from credere.credit import panels

    kinds.register(kinds.Kind(name=KIND, label="Credit limit", matrix=lambda: policy_in_force().matrix(),
                              apply=apply_approved_limit,
                              subject_url=lambda pk: reverse("web:customer", args=[int(pk)]),
                              sla_hours=_sla_hours))
    kinds.register(kinds.Kind(name=BLOCK_KIND, label="Block a customer", matrix=lambda: policy_in_force().matrix(),
                              apply=apply_approved_block,
                              subject_url=lambda pk: reverse("web:customer", args=[int(pk)]),
                              sla_hours=_sla_hours))
    links.register("credit.creditreview", lambda pk: reverse("web:credit-review", args=[pk]))
    links.register("credit.creditcheck", lambda pk: reverse("web:credit-check", args=[pk]))
    links.register("credit.alert", lambda pk: reverse("web:credit-alert", args=[pk]))
    links.register("approvals.approvalrequest", lambda pk: reverse("web:approval", args=[pk]))
    panels.register()
    changes.register(standing.refresh_after_commit)
    changes.on_payment_returned(alerts.payment_returned)
    import_entities.register(import_entities.Entity(
        name="orders", label="Orders", permission="check_credit", columns=order_import.columns(),
        writer=order_import.write_orders, export=order_import.export_rows))
