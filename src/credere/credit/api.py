"""Credit control over the API (mounted at /api/v1/credit).

* ``POST /credit/checks`` — may this order ship? ``released`` or ``held`` with reasons; idempotent by
  order id and version. ``GET /credit/checks?status=held`` — the hold queue.
* ``POST /credit/checks/{id}/release|reject`` — credit staff decide a held order.
* ``GET /credit/orders/{company}/{order_id}`` — the order's latest check (what the ERP reads back);
  ``POST /credit/orders/{company}/{order_id}/cancel``.
* ``GET /credit/customers/{account}`` — the customer's credit picture (``?as_of=``: at the end of a past
  day); ``POST …/risk-class``.
* ``POST /credit/limit-requests`` — ask for a limit (approved under ``/approvals``).
* ``GET/PUT /credit/policy`` — the credit policy (versioned; a change needs a note).
* ``GET /credit/reviews`` — the review worklist; ``GET …/{id}``; ``POST /credit/reviews`` (start one by
  hand); ``POST …/{id}/complete``; ``POST /credit/reviews/schedule`` (open those due).
"""

from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from credere.approvals.models import ApprovalRequest
from credere.core.api import Day, Page, acting_user
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.api_alerts import router as alerts_router
from credere.credit.api_limits import router as limits_router
from credere.credit.api_policy import router as policy_router
from credere.credit.api_portfolio import router as portfolio_router
from credere.credit.models import CreditCheck, CreditLimit
from credere.credit.policy import HELP, policy_in_force
from credere.credit.schemas import (
    CancelIn,
    CheckIn,
    CheckOut,
    CreditPictureOut,
    DecisionIn,
    LimitRequestIn,
    PolicyIn,
    PolicyOut,
    ReviewCompleteIn,
    ReviewOpenIn,
    ReviewOut,
    ReviewScheduleIn,
    RiskClassIn,
)
from credere.credit.selectors import computed
from credere.credit.services import checks, limits, reviews
from credere.credit.services import policy as policy_service
from credere.identity.authz import authorize
from credere.ledger.models import Company, Customer
from credere.ledger.params import parse_company, parse_customer

router = Router(tags=["credit control"])


def _company(code: str) -> Company:
    company = parse_company(code)
    assert company is not None  # a code was given
    return company


def _customer(account: str, status: int = 422) -> Customer:
    try:
        return parse_customer(account)
    except BusinessError as exc:
        exc.status = status
        raise


@router.post("/checks", response=CheckOut, summary="Check an order: released or held, with the reasons")
def check_order(request: HttpRequest, data: CheckIn) -> CreditCheck:
    return checks.check(actor=acting_user(request), company=_company(data.company),
                        customer=_customer(data.customer_account), order_id=data.order_id, amount=data.amount,
                        currency=data.currency, version=data.order_version)


class CheckFilters(Schema):
    status: Literal["held", "released", "released_by_person", "rejected"] | None = None
    customer_account: str | None = None


@router.get("/checks", response=list[CheckOut], summary="Credit checks (status=held: the hold queue)")
@paginate(Page)
def list_checks(request: HttpRequest, filters: Query[CheckFilters]) -> QuerySet[CreditCheck]:
    authorize(acting_user(request), "view_credit")
    qs = (selectors.holds() if filters.status == "held" else
          CreditCheck.objects.select_related("order", "order__customer", "order__company").order_by("-checked_at"))
    if filters.status and filters.status != "held":
        qs = qs.filter(status=filters.status)
    if filters.customer_account:
        qs = qs.filter(order__customer__account_number=filters.customer_account)
    return qs


@router.get("/checks/{check_id}", response=CheckOut)
def get_check(request: HttpRequest, check_id: int) -> CreditCheck:
    authorize(acting_user(request), "view_credit")
    row = selectors.check(check_id) if 0 < check_id < 2**62 else None
    if row is None:
        raise BusinessError(f"no credit check {check_id}", code="not_found", status=404)
    return row


@router.post("/checks/{check_id}/release", response=CheckOut, summary="Release a held order (with a note)")
def release(request: HttpRequest, check_id: int, data: DecisionIn) -> CreditCheck:
    return checks.decide_hold(actor=acting_user(request), check_id=check_id, release=True, note=data.note)


@router.post("/checks/{check_id}/reject", response=CheckOut, summary="Reject a held order (with a note)")
def reject(request: HttpRequest, check_id: int, data: DecisionIn) -> CreditCheck:
    return checks.decide_hold(actor=acting_user(request), check_id=check_id, release=False, note=data.note)


@router.get("/orders/{company}/{order_id}", response=CheckOut, summary="The order's latest credit check")
def order_check(request: HttpRequest, company: str, order_id: str) -> CreditCheck:
    authorize(acting_user(request), "view_credit")
    order = selectors.order(_company(company), order_id)
    latest = order.checks.select_related("order", "order__customer", "order__company").order_by(
        "-order_version").first() if order is not None else None
    if latest is None:
        raise BusinessError(f"no credit check of order {order_id}", code="not_found", status=404)
    return latest


@router.post("/orders/{company}/{order_id}/cancel", response={204: None}, summary="The ERP cancelled the order")
def cancel(request: HttpRequest, company: str, order_id: str, data: CancelIn) -> tuple[int, None]:
    checks.cancel_order(actor=acting_user(request), company=_company(company), order_id=order_id,
                        reason=data.reason)
    return 204, None


def _limit(limit: CreditLimit | None) -> dict[str, Any] | None:
    if limit is None:
        return None
    return {"amount": str(limit.amount), "currency": limit.currency, "company": limit.company.code if limit.company
            else None, "for_group": limit.for_group, "valid_from": limit.valid_from, "expires_on": limit.expires_on,
            "approved_by": limit.approved_by}


@router.get("/customers/{account_number}", response=CreditPictureOut, summary="A customer's credit picture")
def customer_credit(request: HttpRequest, account_number: str, as_of: Day | None = None) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    customer = _customer(account_number, status=404)
    policy = policy_in_force()
    on = computed.as_of_day(as_of)
    p = selectors.picture(customer, on, policy_currency=policy.currency,
                          default_class=policy.settings["default_risk_class"],
                          cover_kinds=policy.settings["cover_counts"],
                          commitment_kinds=policy.settings["commitment_counts"])
    past = on != timezone.localdate()
    outlook = None if past else selectors.outlook_of(p, policy.rules(), on)
    return {"as_of": on, "account_number": customer.account_number, "name": customer.name, "status": customer.status,
            "risk_class": p.risk_class, "currency": p.currency, "limit": _limit(p.limit),
            "receivables": str(p.exposure.receivables), "open_orders": str(p.exposure.orders),
            "cover": str(p.exposure.cover), "exposure": str(p.exposure.uncovered),
            "headroom": None if p.headroom is None else str(p.headroom),
            "utilisation": None if p.utilisation is None else str(p.utilisation),
            "overdue": str(p.overdue.amount), "oldest_overdue_days": p.overdue.oldest_days,
            "group_limit": _limit(p.group_limit),
            "group_exposure": str(p.group_exposure.uncovered) if p.group_exposure else None,
            "held_orders": None if past else selectors.checks_of(customer).filter(status="held").count(),
            "can_order": None if outlook is None else outlook.can_order,
            "order_up_to": None if outlook is None or outlook.up_to is None else str(outlook.up_to),
            "order_holds": None if outlook is None else [{"code": f.code, "text": f.text} for f in outlook.holds]}


@router.post("/customers/{account_number}/risk-class", response={201: None}, summary="Set the risk class")
def set_risk_class(request: HttpRequest, account_number: str, data: RiskClassIn) -> tuple[int, None]:
    limits.set_risk_class(actor=acting_user(request), customer=_customer(account_number, status=404),
                          risk_class=data.risk_class, reason=data.reason)
    return 201, None


class RequestOut(Schema):
    id: int
    summary: str
    status: str
    required_role: str


@router.post("/limit-requests", response={201: RequestOut}, summary="Ask for a credit limit (needs approval)")
def request_limit(request: HttpRequest, data: LimitRequestIn) -> tuple[int, ApprovalRequest]:
    req = limits.request_limit(actor=acting_user(request), customer=_customer(data.customer_account),
                               amount=data.amount, currency=data.currency, reason=data.reason,
                               company=_company(data.company) if data.company else None, for_group=data.for_group,
                               expires_on=data.expires_on, valid_from=data.valid_from)
    return 201, req


@router.get("/policy", response=PolicyOut, summary="The credit policy in force (reading stores nothing)")
def get_policy(request: HttpRequest) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    p = policy_in_force()
    return {"version": p.number, "settings": p.settings, "help": HELP}


@router.put("/policy", response=PolicyOut, summary="Change the credit policy (a new version; a note is required)")
def put_policy(request: HttpRequest, data: PolicyIn) -> dict[str, Any]:
    policy_service.set_policy(actor=acting_user(request), settings=data.settings, note=data.note)
    p = policy_in_force()
    return {"version": p.number, "settings": p.settings, "help": HELP}


# ------------------------------------------------------------------------------------------ reviews
class ReviewFiltersIn(Schema):
    status: Literal["open", "completed", "cancelled", "all"] = "open"
    overdue: bool = False
    trigger: Literal["scheduled", "limit_expiring", "limit_expired", "alert", "requested"] | None = None
    risk_class: str | None = None
    customer_account: str | None = None


def _review_rows(f: selectors.ReviewFilters) -> list[selectors.ReviewRow]:
    policy = policy_in_force()
    return selectors.reviews(f, on=timezone.localdate(), policy_currency=policy.currency,
                             default_class=policy.settings["default_risk_class"],
                             cover_kinds=policy.settings["cover_counts"],
                             commitment_kinds=policy.settings["commitment_counts"])


def _review_row(review_id: int) -> selectors.ReviewRow:
    row = selectors.review(review_id) if 0 < review_id < 2**62 else None
    if row is None:
        raise BusinessError(f"no credit review {review_id}", code="not_found", status=404)
    found = _review_rows(selectors.ReviewFilters(status="", customer=row.customer))
    return next(r for r in found if r.review.pk == row.pk)


@router.get("/reviews", response=list[ReviewOut], summary="Credit reviews (the worklist: open, earliest due first)")
@paginate(Page)
def list_reviews(request: HttpRequest, filters: Query[ReviewFiltersIn]) -> list[selectors.ReviewRow]:
    authorize(acting_user(request), "view_credit")
    return _review_rows(selectors.ReviewFilters(
        status="" if filters.status == "all" else filters.status, overdue=filters.overdue,
        trigger=filters.trigger or "", risk_class=filters.risk_class or "",
        customer=_customer(filters.customer_account, status=404) if filters.customer_account else None))


@router.post("/reviews/schedule", response=list[ReviewOut],
             summary="Open the reviews due (idempotent; the daily task does the same)")
def schedule_reviews(request: HttpRequest, data: ReviewScheduleIn) -> list[selectors.ReviewRow]:
    opened = reviews.schedule(actor=acting_user(request), as_of=data.as_of)
    return [_review_row(r.pk) for r in opened]


@router.get("/reviews/{review_id}", response=ReviewOut, summary="One credit review")
def get_review(request: HttpRequest, review_id: int) -> selectors.ReviewRow:
    authorize(acting_user(request), "view_credit")
    return _review_row(review_id)


@router.post("/reviews", response={201: ReviewOut}, summary="Start a review of a customer by hand")
def open_review(request: HttpRequest, data: ReviewOpenIn) -> tuple[int, selectors.ReviewRow]:
    row = reviews.open_review(actor=acting_user(request), customer=_customer(data.customer_account),
                              reason=data.reason)
    return 201, _review_row(row.pk)


@router.post("/reviews/{review_id}/complete", response=ReviewOut,
             summary="Complete a review: keep, raise, lower or block (changes go to approval)")
def complete_review(request: HttpRequest, review_id: int, data: ReviewCompleteIn) -> selectors.ReviewRow:
    row = selectors.review(review_id) if 0 < review_id < 2**62 else None
    if row is None:
        raise BusinessError(f"no credit review {review_id}", code="not_found", status=404)
    reviews.complete(actor=acting_user(request), review=row, outcome=data.outcome, note=data.note,
                     new_risk_class=data.new_risk_class, new_limit=data.new_limit, currency=data.currency)
    return _review_row(row.pk)


router.add_router("", limits_router)
router.add_router("", portfolio_router)
router.add_router("", policy_router)
router.add_router("", alerts_router)
