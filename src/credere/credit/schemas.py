"""What ``/api/v1/credit`` accepts and answers: order checks, holds, a customer's credit picture,
limit requests, risk classes and the credit policy."""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints

from credere.core.api import Code, Currency, Day, PositiveAmountText, amount_text

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CheckIn(Schema):
    company: Code
    customer_account: Code
    order_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    order_version: int = Field(1, ge=1, le=10**6, description="The ERP's version of the order; a new version "
                                                               "(changed amount) is checked again")
    amount: PositiveAmountText
    currency: Currency


class ReasonOut(Schema):
    code: str
    text: str


class CheckOut(Schema):
    id: int
    company: str
    customer_account: str
    order_id: str
    order_version: int
    decision: str = Field(description="released or held: the credit check's decision")
    status: str = Field(description="where the order stands now: released, held, released_by_person or rejected")
    reasons: list[ReasonOut]
    amount: str
    currency: str
    risk_class: str
    facts: dict[str, Any]
    checked_at: dt.datetime
    decided_by: str
    decision_note: str

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return str(obj.order.company.code)

    @staticmethod
    def resolve_customer_account(obj: Any) -> str:
        return str(obj.order.customer.account_number)

    @staticmethod
    def resolve_order_id(obj: Any) -> str:
        return str(obj.order.order_id)

    @staticmethod
    def resolve_decision(obj: Any) -> str:
        return str(obj.outcome)

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return amount_text(obj.amount, obj.currency)


class DecisionIn(Schema):
    note: Reason


class CancelIn(Schema):
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class LimitRequestIn(Schema):
    customer_account: Code
    amount: PositiveAmountText
    currency: Currency
    reason: Reason
    company: Annotated[str, StringConstraints(max_length=40)] | None = None
    for_group: bool = False
    expires_on: Day | None = None
    valid_from: Day | None = Field(None, description="In force from this day (today or later; default: "
                                                         "from the approval)")


class RiskClassIn(Schema):
    risk_class: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]
    reason: Reason


class LimitOut(Schema):
    amount: str
    currency: str
    company: str | None
    for_group: bool
    valid_from: dt.date
    expires_on: dt.date | None
    approved_by: str


class CreditPictureOut(Schema):
    as_of: dt.date = Field(description="The day the figures are for (the end of it): today, or a past day asked "
                                       "for with ?as_of= (then the limit in force, what was owed and ordered then; "
                                       "held_orders, can_order, order_up_to and order_holds are today's only, null)")
    account_number: str
    name: str
    status: str
    risk_class: str
    currency: str
    limit: LimitOut | None
    receivables: str
    open_orders: str
    cover: str
    exposure: str
    headroom: str | None
    utilisation: str | None = Field(description="Exposure as a percentage of the limit")
    overdue: str
    oldest_overdue_days: int
    group_limit: LimitOut | None
    group_exposure: str | None
    held_orders: int | None
    can_order: bool | None = Field(description="Whether a new order of up to order_up_to would be released now")
    order_up_to: str | None = Field(description="The largest new order the limits (customer's and group's, with "
                                                "the policy's tolerance) still release; null without a limit")
    order_holds: list[ReasonOut] | None = Field(description="What would hold any new order, whatever its size")


class PolicyOut(Schema):
    version: int | None
    settings: dict[str, Any]
    help: dict[str, str]


class PolicyIn(Schema):
    settings: dict[str, Any]
    note: Reason


class ReviewOut(Schema):
    id: int
    customer_account: str
    customer_name: str
    due_on: dt.date
    trigger: str = Field(description="scheduled, limit_expiring, limit_expired, alert or requested")
    status: str = Field(description="open, completed or cancelled")
    overdue: bool = Field(description="open and past its due date")
    risk_class: str = Field(description="the customer's risk class today")
    currency: str | None = Field(description="the currency of limit and overdue (the limit's)")
    limit: str | None
    utilisation: str | None = Field(description="Exposure as a percentage of the limit, today")
    overdue_amount: str | None
    reason: str
    outcome: str
    new_risk_class: str
    proposed_amount: str | None
    proposed_currency: str
    note: str
    opened_by: str
    reviewed_by: str
    completed_at: dt.datetime | None
    approval_id: int | None
    facts: dict[str, Any] = Field(description="the figures when the review was completed (strings of decimals)")

    # the review's own fields are read through the row (``ReviewRow`` passes them on)

    @staticmethod
    def resolve_customer_account(obj: Any) -> str:
        return str(obj.review.customer.account_number)

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.review.customer.name)

    @staticmethod
    def resolve_overdue(obj: Any) -> bool:
        return bool(obj.overdue_review)

    @staticmethod
    def resolve_limit(obj: Any) -> str | None:
        return None if obj.limit is None else amount_text(obj.limit, obj.currency)

    @staticmethod
    def resolve_utilisation(obj: Any) -> str | None:
        return None if obj.utilisation is None else str(obj.utilisation)

    @staticmethod
    def resolve_overdue_amount(obj: Any) -> str | None:
        return None if obj.overdue is None else amount_text(obj.overdue, obj.currency)

    @staticmethod
    def resolve_proposed_amount(obj: Any) -> str | None:
        r = obj.review
        return None if r.proposed_amount is None else amount_text(r.proposed_amount, r.proposed_currency)


class ReviewOpenIn(Schema):
    customer_account: Code
    reason: Reason


class ReviewCompleteIn(Schema):
    outcome: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)]
    note: Annotated[str, StringConstraints(max_length=1000)]
    new_risk_class: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10)] | None = None
    new_limit: PositiveAmountText | None = Field(None, description="required to raise or lower the limit")
    currency: Currency | None = Field(None, description="the new limit's currency (default: the limit's)")


class ReviewScheduleIn(Schema):
    as_of: Day | None = None
