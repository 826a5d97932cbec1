"""A credit-policy change previewed over the API (part of /api/v1/credit):
``POST /credit/policy/preview {settings}`` — which of the last 1,000 decisions would change."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from credere.core.api import acting_user
from credere.core.errors import BusinessError
from credere.credit.policy import PolicyError
from credere.credit.selectors.policy_preview import preview
from credere.domain.credit.check import HOLDING
from credere.identity.authz import authorize

router = Router(tags=["credit control"])


class PreviewIn(Schema):
    settings: dict[str, Any]


class FlipOut(Schema):
    check_id: int
    company: str
    order_id: str
    order_version: int
    customer_account: str
    checked_at: dt.datetime
    amount: str
    currency: str
    before: str
    after: str
    reasons: list[dict[str, str]]


class PreviewOut(Schema):
    checked: int
    changed_settings: list[str]
    released_instead_of_held: int
    held_instead_of_released: int
    flips: list[FlipOut]


@router.post("/policy/preview", response=PreviewOut,
             summary="Preview a policy change against the last 1,000 checks (saves nothing)")
def preview_policy(request: HttpRequest, data: PreviewIn) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    try:
        result = preview(data.settings)
    except PolicyError as exc:
        raise BusinessError(str(exc), fields=[{"field": k, "message": v} for k, v in exc.problems.items()]) from None
    return {"checked": result.checked, "changed_settings": result.changed,
            "released_instead_of_held": result.to_released, "held_instead_of_released": result.to_held,
            "flips": [{"check_id": f.key.pk, "company": f.key.order.company.code, "order_id": f.key.order.order_id,
                       "order_version": f.key.order_version, "customer_account": f.key.order.customer.account_number,
                       "checked_at": f.key.checked_at, "amount": str(f.key.amount), "currency": f.key.currency,
                       "before": f.before, "after": f.after.outcome,
                       "reasons": [{"code": x.code, "text": x.text, "holds": str(x.code in HOLDING).lower()}
                                   for x in f.after.findings]} for f in result.flips]}
