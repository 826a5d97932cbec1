"""Limits and use, cover and credit totals over the API (part of /api/v1/credit).

* ``GET /credit/standings`` — every limit with its exposure, use and headroom (stored, indexed:
  ``?min_utilisation=90`` is one query; ``?as_of=`` a past day's, computed from history);
  ``POST /credit/standings/refresh`` recomputes them.
* ``GET /credit/totals`` — limits, exposure and use in the policy currency, held orders (``?as_of=``).
* ``GET|POST /credit/customers/{account}/cover`` and ``POST /credit/cover/{id}/end`` — insurance
  and securities.
* ``GET|POST /credit/customers/{account}/commitments`` and ``POST /credit/commitments/{id}/end`` —
  goods shipped and not invoiced, other commitments.
"""


import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import StringConstraints

from credere.core.api import Currency, Page, PositiveAmountText, acting_user, amount_text
from credere.core.errors import BusinessError
from credere.credit import selectors
from credere.credit.models import Commitment, Cover, CreditStanding
from credere.credit.policy import policy_in_force
from credere.credit.selectors import computed
from credere.credit.services import commitments as commitment_service
from credere.credit.services import cover as cover_service
from credere.credit.services import standing
from credere.identity.authz import authorize
from credere.ledger.params import parse_company, parse_customer

router = Router(tags=["credit control"])
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class StandingFiltersIn(Schema):
    q: str | None = Field(None, max_length=100, description="Customer name (part) or account number")
    min_utilisation: Decimal | None = Field(None, ge=0, le=100000, description="At least this share used, in %")
    over_limit: bool = False
    risk_class: str | None = Field(None, max_length=10)
    company: str | None = Field(None, max_length=40, description="Limits for this company or for all companies")
    country: str | None = Field(None, max_length=2)
    groups: bool = Field(False, description="Only corporate groups' pooled limits")
    with_limit: bool = Field(True, description="false: also customers without a limit (their exposure)")
    expiring_within: int | None = Field(None, ge=0, le=3650, description="Limits expiring within N days (or expired)")
    as_of: dt.date | None = Field(None, description="A past day: the standings at its end, computed from history "
                                                    "(default: today's, stored)")
    sort: Literal["utilisation", "-utilisation", "headroom", "-headroom", "exposure", "-exposure", "name", "-name",
                  "expires", "-expires", "overdue", "-overdue"] = "-utilisation"


class StandingOut(Schema):
    customer_account: str
    customer_name: str
    scope: str = Field(description="own or group (a corporate group's pooled limit)")
    company: str | None = Field(description="The limit's company, or null: all companies")
    risk_class: str
    currency: str
    limit: str | None
    expires_on: dt.date | None
    receivables: str
    open_orders: str
    commitments: str = Field(description="Shipped not invoiced and other commitments the policy counts")
    cover: str
    exposure: str
    uncovered: str
    utilisation: str | None = Field(description="Uncovered exposure / limit, in %")
    headroom: str | None
    overdue: str
    oldest_overdue_days: int
    problem: str = Field(description="Why the figures could not be computed (a missing FX rate), else empty")
    as_of: dt.date
    refreshed_at: dt.datetime

    @staticmethod
    def resolve_customer_account(obj: CreditStanding) -> str:
        return obj.customer.account_number

    @staticmethod
    def resolve_customer_name(obj: CreditStanding) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_scope(obj: CreditStanding) -> str:
        return "group" if obj.for_group else "own"

    @staticmethod
    def resolve_company(obj: CreditStanding) -> str | None:
        return obj.company.code if obj.company else None

    @staticmethod
    def resolve_limit(obj: CreditStanding) -> str | None:
        return None if obj.limit_amount is None else amount_text(obj.limit_amount, obj.currency)

    @staticmethod
    def resolve_open_orders(obj: CreditStanding) -> str:
        return amount_text(obj.orders, obj.currency)

    @staticmethod
    def resolve_utilisation(obj: CreditStanding) -> str | None:
        return None if obj.utilisation is None else f"{obj.utilisation:.2f}"

    @staticmethod
    def resolve_headroom(obj: CreditStanding) -> str | None:
        return None if obj.headroom is None else amount_text(obj.headroom, obj.currency)

    @staticmethod
    def resolve_receivables(obj: CreditStanding) -> str:
        return amount_text(obj.receivables, obj.currency)

    @staticmethod
    def resolve_commitments(obj: CreditStanding) -> str:
        return amount_text(obj.commitments, obj.currency)

    @staticmethod
    def resolve_cover(obj: CreditStanding) -> str:
        return amount_text(obj.cover, obj.currency)

    @staticmethod
    def resolve_exposure(obj: CreditStanding) -> str:
        return amount_text(obj.exposure, obj.currency)

    @staticmethod
    def resolve_uncovered(obj: CreditStanding) -> str:
        return amount_text(obj.uncovered, obj.currency)

    @staticmethod
    def resolve_overdue(obj: CreditStanding) -> str:
        return amount_text(obj.overdue, obj.currency)



@router.get("/standings", response=list[StandingOut], summary="Limits and use (stored; fast filters and sorts)")
@paginate(Page)
def list_standings(request: HttpRequest, filters: Query[StandingFiltersIn]
                   ) -> QuerySet[CreditStanding] | list[CreditStanding]:
    authorize(acting_user(request), "view_credit")
    f = selectors.StandingFilters(
        q=(filters.q or "").strip(), min_utilisation=filters.min_utilisation, over_limit=filters.over_limit,
        risk_class=filters.risk_class or "", company=parse_company(filters.company),
        country=(filters.country or "").upper(), with_limit=filters.with_limit, groups=filters.groups,
        expiring_within=filters.expiring_within)
    return computed.standings_for(f, computed.as_of_day(filters.as_of), policy_in_force(), sort=filters.sort)


class RefreshOut(Schema):
    rows: int
    customers: int
    problems: int
    seconds: float


@router.post("/standings/refresh", response=RefreshOut, summary="Recompute every standing now")
def refresh_standings(request: HttpRequest) -> standing.Refreshed:
    authorize(acting_user(request), "request_limits")
    return standing.refresh()


class TotalsOut(Schema):
    currency: str
    limits: str
    exposure: str
    uncovered_of_limited: str
    utilisation: str | None
    customers_with_limit: int
    over_90_percent: int
    over_limit: int
    expired_limits: int
    held_orders: int
    held_amount: str
    not_computed: int
    as_of: dt.date = Field(description="The day the figures are for: today's are stored, a past day's computed")
    refreshed_at: dt.datetime | None = Field(description="When today's standings were last computed (null for "
                                                         "a past day)")


@router.get("/totals", response=TotalsOut, summary="Credit control's headline figures (policy currency)")
def totals(request: HttpRequest, as_of: dt.date | None = None) -> dict[str, Any]:
    authorize(acting_user(request), "view_credit")
    policy = policy_in_force()
    on = computed.as_of_day(as_of)
    t = computed.totals_for(policy, on)
    return {"currency": t.currency, "limits": str(t.limits), "exposure": str(t.exposure),
            "uncovered_of_limited": str(t.uncovered), "utilisation": None if t.utilisation is None else str(t.utilisation),
            "customers_with_limit": t.limited, "over_90_percent": t.over_90, "over_limit": t.over_limit,
            "expired_limits": t.expired, "held_orders": t.held, "held_amount": str(t.held_amount),
            "not_computed": t.problems, "as_of": on, "refreshed_at": t.refreshed_at}


class CoverIn(Schema):
    kind: Literal["insurance", "guarantee", "letter_of_credit", "deposit"]
    provider: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    reference: str = Field("", max_length=100)
    amount: PositiveAmountText
    currency: Currency
    coverage_pct: Decimal = Field(Decimal(100), gt=0, le=100, description="Insurance: the insurer's share, in %")
    valid_from: dt.date | None = None
    expires_on: dt.date | None = None
    note: Note


class CoverOut(Schema):
    id: int
    kind: str
    provider: str
    reference: str
    amount: str
    currency: str
    coverage_pct: str
    valid_from: dt.date
    expires_on: dt.date | None
    ended_on: dt.date | None
    note: str
    recorded_by: str

    @staticmethod
    def resolve_amount(obj: Cover) -> str:
        return amount_text(obj.amount, obj.currency)

    @staticmethod
    def resolve_coverage_pct(obj: Cover) -> str:
        return f"{obj.coverage_pct:.2f}"


class EndCoverIn(Schema):
    note: Note
    ended_on: dt.date | None = None


def _customer(account: str) -> Any:
    try:
        return parse_customer(account)
    except BusinessError as exc:
        exc.status = 404
        raise


@router.get("/customers/{account_number}/cover", response=list[CoverOut], summary="A customer's cover")
def list_cover(request: HttpRequest, account_number: str) -> QuerySet[Cover]:
    authorize(acting_user(request), "view_credit")
    return selectors.covers_of(_customer(account_number))


@router.post("/customers/{account_number}/cover", response={201: CoverOut}, summary="Record insurance or a security")
def add_cover(request: HttpRequest, account_number: str, data: CoverIn) -> tuple[int, Cover]:
    return 201, cover_service.record_cover(
        actor=acting_user(request), customer=_customer(account_number), kind=data.kind, provider=data.provider,
        reference=data.reference, amount=data.amount, currency=data.currency, coverage_pct=data.coverage_pct,
        valid_from=data.valid_from, expires_on=data.expires_on, note=data.note)


@router.post("/cover/{cover_id}/end", response=CoverOut, summary="End cover (lapsed, cancelled or released)")
def end_cover(request: HttpRequest, cover_id: int, data: EndCoverIn) -> Cover:
    return cover_service.end_cover(actor=acting_user(request), cover_id=cover_id, note=data.note,
                                   ended_on=data.ended_on)



class CommitmentIn(Schema):
    kind: Literal["shipped", "other"] = Field(description="shipped: goods shipped, not yet invoiced; other: a "
                                                          "contract, consignment stock, a guarantee given…")
    company: str = Field(max_length=40, description="Our company that shipped or committed (its code)")
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    amount: PositiveAmountText
    currency: Currency
    valid_from: dt.date | None = Field(None, description="Since when it counts (default today; not later)")
    note: Note


class CommitmentOut(Schema):
    id: int
    kind: str
    company: str
    reference: str
    amount: str
    currency: str
    valid_from: dt.date
    ended_on: dt.date | None
    note: str
    recorded_by: str

    @staticmethod
    def resolve_company(obj: Commitment) -> str:
        return obj.company.code

    @staticmethod
    def resolve_amount(obj: Commitment) -> str:
        return amount_text(obj.amount, obj.currency)


class EndCommitmentIn(Schema):
    note: Note
    ended_on: dt.date | None = None


@router.get("/customers/{account_number}/commitments", response=list[CommitmentOut],
            summary="A customer's commitments: shipped not invoiced, and others")
def list_commitments(request: HttpRequest, account_number: str) -> QuerySet[Commitment]:
    authorize(acting_user(request), "view_credit")
    return selectors.commitments_of(_customer(account_number))


@router.post("/customers/{account_number}/commitments", response={200: CommitmentOut, 201: CommitmentOut},
             summary="Record goods shipped and not invoiced, or another commitment (the same again: 200)")
def add_commitment(request: HttpRequest, account_number: str, data: CommitmentIn) -> tuple[int, Commitment]:
    row, created = commitment_service.record_commitment(
        actor=acting_user(request), customer=_customer(account_number), company=parse_company(data.company),
        kind=data.kind, reference=data.reference, amount=data.amount, currency=data.currency, note=data.note,
        valid_from=data.valid_from)
    return (201 if created else 200), row


@router.post("/commitments/{commitment_id}/end", response=CommitmentOut,
             summary="End a commitment (invoiced, returned or released)")
def end_commitment(request: HttpRequest, commitment_id: int, data: EndCommitmentIn) -> Commitment:
    return commitment_service.end_commitment(actor=acting_user(request), commitment_id=commitment_id,
                                             note=data.note, ended_on=data.ended_on)
