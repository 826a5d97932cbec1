"""Personal-data endpoints, mounted at /api/v1/privacy (``manage_personal_data``: administrators).

* ``GET /privacy/customers/{account_number}/export?format=json|html`` and
  ``GET /privacy/people/export?email=…&format=json|html`` — everything held, as a file.
* ``POST /privacy/customers/{account_number}/erase`` ``{"reason": "…", "name": false}`` and
  ``POST /privacy/people/erase`` ``{"email": "…", "reason": "…"}`` — erase it; the counts are answered.
* ``POST /privacy/purge`` — apply the retention settings now.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from credere.core.api import acting_user
from credere.ledger import privacy_export
from credere.ledger.services import privacy

router = Router(tags=["personal data"])


class EraseCustomerIn(Schema):
    reason: str = Field(min_length=1, max_length=300, description="Why: the request and its date")
    name: bool = Field(False, description="Erase the customer's name too (a sole trader)")


class ErasePersonIn(Schema):
    email: str = Field(min_length=3, max_length=254)
    reason: str = Field(min_length=1, max_length=300)


class CountsOut(Schema):
    counts: dict[str, int]


@router.get("/customers/{account_number}/export")
def export_customer(request: HttpRequest, account_number: str, format: Literal["json", "html"] = "json"
                    ) -> HttpResponse:
    """Everything held about a customer's people and payers, with the audit trail's changes to it."""
    return privacy_export.download(privacy.export_customer(actor=acting_user(request), account_number=account_number), format)


@router.get("/people/export")
def export_person(request: HttpRequest, email: str, format: Literal["json", "html"] = "json") -> HttpResponse:
    """Everything held about one person, found by the e-mail address of their contact entries."""
    return privacy_export.download(privacy.export_person(actor=acting_user(request), email=email), format)


@router.post("/customers/{account_number}/erase", response=CountsOut)
def erase_customer(request: HttpRequest, account_number: str, data: EraseCustomerIn) -> dict[str, Any]:
    """Erase the personal data held about a customer's people and payers (amounts and documents are kept)."""
    return {"counts": privacy.erase_customer(actor=acting_user(request), account_number=account_number,
                                             reason=data.reason, name=data.name)}


@router.post("/people/erase", response=CountsOut)
def erase_person(request: HttpRequest, data: ErasePersonIn) -> dict[str, Any]:
    """Erase one person: their contact entries are deleted and their values in the audit trail erased."""
    return {"counts": privacy.erase_person(actor=acting_user(request), email=data.email, reason=data.reason)}


@router.post("/purge", response=CountsOut)
def purge(request: HttpRequest) -> dict[str, Any]:
    """Delete what the retention settings no longer keep (``credere privacy purge`` does the same)."""
    return {"counts": privacy.purge(actor=acting_user(request))}
