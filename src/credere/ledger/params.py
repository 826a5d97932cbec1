"""Parameters that name ledger records: a company by its code, a customer by account number.

:func:`parse_company` serves the API and the CLI; :class:`Params` adds ``company()`` and
``customer()`` to the pages' parameter reader, each bad value a message naming the field.
"""

from __future__ import annotations

from django.conf import settings

from credere.core.errors import BusinessError
from credere.core.params import bad_parameter
from credere.ledger import selectors
from credere.ledger.models import Company, Customer
from credere.web import params as page_params


def parse_company(code: str | None) -> Company | None:
    if code is None or code == "":
        return None
    if len(code) > 20 or not code.isprintable():
        raise bad_parameter("company", "is not a company code", "unknown_company")
    company = selectors.company_by_code(code)
    if company is None:
        raise bad_parameter("company", f"no company with code '{code}'", "unknown_company")
    return company



def parse_customer(account: str | None, field: str = "customer_account") -> Customer:
    """The customer with ``account``; a refusal naming ``field`` otherwise."""
    found = selectors.customer_by_account(account) if account else None
    if found is None:
        raise bad_parameter(field, f"no customer with account number '{account or ''}'", "unknown_customer")
    return found


class Params(page_params.Params):
    """The pages' parameter reader with the ledger's records."""

    def company(self, name: str = "company") -> Company | None:
        try:
            return parse_company(self.text(name, 40) or None)
        except BusinessError as exc:
            self.errors.append(str(exc))
            return None

    def customer(self, name: str = "customer") -> Customer | None:
        account = self.text(name, 40)
        if not account:
            return None
        found = selectors.customer_by_account(account)
        if found is None:
            self.errors.append(f"{name}: no customer with account number '{account}'")
        return found


def reporting_currencies(extra: list[str]) -> list[str]:
    """The currencies a page offers for figures: the reporting currency and ``extra``."""
    return sorted({settings.CREDERE_REPORTING_CURRENCY, *extra})
