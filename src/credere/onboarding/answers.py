"""What an application asks, in one place: the public form, the API and the services read these fields and
check answers with :func:`check`, which names every field that is wrong (``references.1.email``).

A draft keeps whatever was entered, right or wrong (nothing a user gave is lost); submitting needs every
required field and no error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from credere.adapters import identifiers
from credere.domain.industries import industry_name, section_of
from credere.domain.money import MoneyError, check_currency, parse_amount

MAX_REFERENCES = 3
MAX_OWNERS = 5


@dataclass(frozen=True)
class Field:
    name: str
    label: Any  # lazy translated text
    section: str
    required: bool = False
    kind: str = "text"  # text, email, country, amount, int, currency, textarea, industry
    help: Any = ""
    max_length: int = 200


SECTIONS: dict[str, Any] = {
    "company": _("Your company"),
    "contact": _("Contact person"),
    "credit": _("Credit asked for"),
    "bank": _("Bank account"),
}

FIELDS: tuple[Field, ...] = (
    Field("legal_name", _("Legal name"), "company", True),
    Field("legal_form", _("Legal form"), "company", help=_("For example GmbH, SAS, Ltd"), max_length=60),
    Field("country", _("Country"), "company", True, "country"),
    Field("registration_number", _("Registration number"), "company", True,
          help=_("As in the company register, e.g. HRB 12345 Berlin"), max_length=60),
    Field("vat_id", _("VAT number"), "company", help=_("With its country prefix, e.g. DE136695976"), max_length=30),
    Field("lei", _("LEI"), "company", help=_("Legal Entity Identifier, 20 characters (if you have one)"),
          max_length=20),
    Field("street", _("Street and number"), "company", True),
    Field("postal_code", _("Postal code"), "company", True, max_length=20),
    Field("city", _("City"), "company", True, max_length=100),
    Field("website", _("Website"), "company", max_length=200),
    Field("industry_code", _("Industry (NACE code)"), "company", kind="industry",
          help=_("For example C25.1 or 46.19"), max_length=10),
    Field("years_in_business", _("Years in business"), "company", True, "int"),
    Field("parent_company", _("Parent company"), "company", help=_("If another company owns yours"),
          max_length=200),
    Field("contact_name", _("Name"), "contact", True),
    Field("contact_email", _("E-mail"), "contact", True, "email", max_length=254),
    Field("contact_phone", _("Phone"), "contact", max_length=40),
    Field("currency", _("Currency"), "credit", True, "currency", max_length=3),
    Field("requested_limit", _("Credit limit asked for"), "credit", True, "amount"),
    Field("requested_terms_days", _("Payment terms asked for (days)"), "credit", True, "int"),
    Field("expected_monthly_volume", _("Expected purchases per month"), "credit", False, "amount"),
    Field("iban", _("IBAN"), "bank", max_length=40),
    Field("bic", _("BIC"), "bank", max_length=11),
)
BY_NAME = {f.name: f for f in FIELDS}
#: the sub-fields of each trade reference and each owner
REFERENCE_FIELDS: dict[str, Any] = {"company": _("Company"), "contact": _("Contact person"),
                                    "email": _("E-mail or phone"), "years": _("Years trading with them"),
                                    "typical_amount": _("Typical invoice amount")}
OWNER_FIELDS: dict[str, Any] = {"name": _("Owner (person or company)"), "share": _("Share in %")}
PERSONAL = ("contact_name", "contact_email", "contact_phone", "iban")


def _int(value: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ValueError(str(_("a whole number"))) from None
    if not low <= number <= high:
        raise ValueError(str(_("from %(low)s to %(high)s") % {"low": low, "high": high}))
    return number


def _amount(value: str, currency: str) -> Decimal:
    text = value.replace(" ", "").replace("\u00a0", "").replace("'", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", text):
        text = text.replace(",", ".")
    try:
        amount = parse_amount(text, currency or "EUR")
    except (MoneyError, InvalidOperation):
        raise ValueError(str(_("not an amount"))) from None
    if amount <= 0:
        raise ValueError(str(_("must be more than zero")))
    return amount


def _one(field: Field, value: str, answers: dict[str, Any]) -> Any:  # noqa: C901 (one branch per kind)
    if len(value) > field.max_length:
        raise ValueError(str(_("at most %(n)s characters") % {"n": field.max_length}))
    country = str(answers.get("country", "")).strip().upper()
    if field.kind == "email":
        try:
            EmailValidator()(value)
        except ValidationError:
            raise ValueError(str(_("not an e-mail address"))) from None
        return value
    if field.kind == "country":
        if pycountry.countries.get(alpha_2=value.upper()) is None:
            raise ValueError(str(_("choose a country")))
        return value.upper()
    if field.kind == "currency":
        try:
            code = check_currency(value.upper())
        except MoneyError:
            raise ValueError(str(_("a currency code such as EUR"))) from None
        if pycountry.currencies.get(alpha_3=code) is None:
            raise ValueError(str(_("a currency code such as EUR")))
        return code
    if field.kind == "int":
        return _int(value, 0, 300 if field.name == "years_in_business" else 365)
    if field.kind == "amount":
        return str(_amount(value, str(answers.get("currency", "")).strip().upper()))
    if field.kind == "industry":
        if not industry_name(value):
            raise ValueError(str(_("a NACE code such as C25.1, 46.19 or G")))
        return value.upper()
    try:
        if field.name == "vat_id":
            return identifiers.vat(value, country).value
        if field.name == "registration_number" and country:
            return identifiers.registration(value, country).value
        if field.name == "lei":
            return identifiers.lei(value).value
        if field.name == "iban":
            return identifiers.iban(value).value
        if field.name == "bic":
            return identifiers.bic(value).value
    except identifiers.IdentifierError as exc:
        raise ValueError(str(exc)) from None
    return value


def _rows(raw: Any, names: dict[str, Any], limit: int) -> list[dict[str, str]]:
    rows = []
    for item in (raw if isinstance(raw, list) else [])[:limit]:
        if isinstance(item, dict):
            row = {k: str(item.get(k, "") or "").strip()[:200] for k in names}
            if any(row.values()):
                rows.append(row)
    return rows


def check(raw: dict[str, Any], *, final: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as stored (every value kept as entered, canonical where it checked out) and the errors
    by field. ``final``: the required fields must be there (submitting)."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    text = {f.name: str(raw.get(f.name, "") or "").strip() for f in FIELDS}
    for field in FIELDS:
        value = text[field.name]
        if not value:
            answers[field.name] = ""
            if final and field.required:
                errors[field.name] = str(_("required"))
            continue
        try:
            answers[field.name] = _one(field, value, text)
        except ValueError as exc:
            answers[field.name] = value
            errors[field.name] = str(exc)
    answers["references"] = _rows(raw.get("references"), REFERENCE_FIELDS, MAX_REFERENCES)
    _check_references(answers, errors)
    answers["owners"] = _rows(raw.get("owners"), OWNER_FIELDS, MAX_OWNERS)
    _check_owners(answers, errors)
    answers["consent"] = bool(raw.get("consent"))
    if final and not answers["consent"]:
        errors["consent"] = str(_("please agree to the terms to send your application"))
    return answers, errors


def _check_references(answers: dict[str, Any], errors: dict[str, str]) -> None:
    for n, ref in enumerate(answers["references"]):
        if not ref["company"]:
            errors[f"references.{n}.company"] = str(_("required"))
        if ref["years"]:
            try:
                _int(ref["years"], 0, 200)
            except ValueError as exc:
                errors[f"references.{n}.years"] = str(exc)
        if ref["typical_amount"]:
            try:
                _amount(ref["typical_amount"], str(answers.get("currency") or "EUR"))
            except ValueError as exc:
                errors[f"references.{n}.typical_amount"] = str(exc)


def _check_owners(answers: dict[str, Any], errors: dict[str, str]) -> None:
    total = Decimal(0)
    for n, owner in enumerate(answers["owners"]):
        if owner["share"]:
            try:
                share = Decimal(owner["share"].replace(",", ".").rstrip("% "))
                if not 0 < share <= 100:
                    raise InvalidOperation
                total += share
            except InvalidOperation:
                errors[f"owners.{n}.share"] = str(_("a share from 0 to 100"))
    if total > 100:
        errors["owners.0.share"] = str(_("the shares add up to more than 100 %"))


def good_references(answers: dict[str, Any]) -> int:
    """Trade references with a contact and at least a year of trading."""
    count = 0
    for ref in answers.get("references", []):
        try:
            years = int(ref.get("years") or 0)
        except ValueError:
            years = 0
        if ref.get("company") and ref.get("contact") and ref.get("email") and years >= 1:
            count += 1
    return count


def industry_section(answers: dict[str, Any]) -> str:
    code = str(answers.get("industry_code") or "")
    return section_of(code) if code else ""
