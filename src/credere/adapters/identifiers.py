"""Company identifiers checked by format and check digits: VAT/tax ids and registration numbers per country
(python-stdnum), the LEI (ISO 17442) and bank accounts (IBAN, BIC — schwifty).

Each check returns the identifier in its compact, canonical form, or raises :class:`IdentifierError` with a
sentence a person can act on. A country python-stdnum has no module for is accepted as written (and said so).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from types import ModuleType

from stdnum import lei as stdnum_lei
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import clean

#: registration-number modules of python-stdnum by country (the national company register's number)
REGISTRATION: dict[str, tuple[str, ...]] = {
    "AT": ("stdnum.at.businessid",), "BE": ("stdnum.be.vat",), "CH": ("stdnum.ch.uid",), "CZ": ("stdnum.cz.dic",),
    "DE": ("stdnum.de.handelsregisternummer",), "DK": ("stdnum.dk.cvr",), "EE": ("stdnum.ee.registrikood",),
    "ES": ("stdnum.es.cif",), "FI": ("stdnum.fi.ytunnus",), "FR": ("stdnum.fr.siren", "stdnum.fr.siret"),
    "NL": ("stdnum.nl.kvk",), "NO": ("stdnum.no.orgnr",),
    "PL": ("stdnum.pl.krs", "stdnum.pl.regon"), "PT": ("stdnum.pt.nif",), "SE": ("stdnum.se.orgnr",),
    "SI": ("stdnum.si.maticna",), "US": ("stdnum.us.ein",),
}


_GERMAN_REGISTER = re.compile(r"^(HRA|HRB|GnR|PR|VR|GsR)\s*\d{1,6}\s*[A-Z]?$", re.IGNORECASE)


class IdentifierError(ValueError):
    pass


@dataclass(frozen=True)
class Checked:
    value: str  # compact, canonical
    checked: bool  # False: no check exists for that country (accepted as written)
    note: str = ""


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def vat(number: str, country: str = "") -> Checked:
    """An EU VAT number (with its country prefix, or the country given) by its check digits."""
    text = (number or "").strip()
    if not text:
        raise IdentifierError("give the VAT number")
    compact = clean(text, " -./").upper().strip()
    if country and not compact[:2].isalpha():
        compact = ("EL" if country == "GR" else country) + compact
    if compact[:2].lower() not in eu_vat.MEMBER_STATES:
        where = country or (compact[:2] if compact[:2].isalpha() else "")
        module = _module(f"stdnum.{where.lower()}.vat") if where else None
        if module is None:
            return Checked(text, False, f"no check exists here for VAT numbers of {where or 'this country'}")
        try:
            return Checked(str(module.validate(text)), True)
        except ValidationError as exc:
            raise IdentifierError(f"not a valid VAT number of {where}: {exc}") from None
    try:
        return Checked(eu_vat.validate(compact), True)
    except ValidationError as exc:
        raise IdentifierError(f"not a valid EU VAT number: {exc}") from None


def registration(number: str, country: str) -> Checked:
    """A company registration number by the country's format and check digits, where python-stdnum knows one."""
    text = (number or "").strip()
    if not text:
        raise IdentifierError("give the registration number")
    modules = [m for m in (_module(n) for n in REGISTRATION.get(country, ())) if m is not None]
    if not modules:
        return Checked(text, False, f"no check exists here for registration numbers of {country or 'this country'}")
    errors = []
    for module in modules:
        try:
            return Checked(str(module.validate(text)), True)
        except ValidationError as exc:
            errors.append(str(exc))
    if country == "DE" and _GERMAN_REGISTER.match(text):
        # the register's number without its court, as people often write it: kept, the court asked for later
        return Checked(" ".join(text.split()), False, "the register court is not given (e.g. Amtsgericht Berlin)")
    raise IdentifierError(f"not a valid registration number of {country}: {errors[0]}")


def lei(code: str) -> Checked:
    text = (code or "").strip()
    try:
        return Checked(stdnum_lei.validate(text), True)
    except ValidationError as exc:
        raise IdentifierError(f"not a valid LEI (20 characters, ISO 17442 check digits): {exc}") from None


def iban(number: str) -> Checked:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return Checked(IBAN(number).compact, True)
    except SchwiftyException as exc:
        raise IdentifierError(f"not a valid IBAN: {exc}") from None


def bic(code: str) -> Checked:
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        return Checked(str(BIC(code, allow_invalid=False)), True)
    except SchwiftyException as exc:
        raise IdentifierError(f"not a valid BIC: {exc}") from None
