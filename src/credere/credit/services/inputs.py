"""What credit control's forms and API bodies share when checked: a positive amount in a currency,
and one error naming every bad field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from credere.core.errors import BusinessError
from credere.domain.money import MoneyError, check_currency, parse_amount


def positive_money(amount: Any, currency: str, problems: dict[str, str]) -> tuple[str, Decimal]:
    """The currency (upper case) and the amount, greater than zero; what is wrong goes to ``problems``
    under ``currency`` or ``amount``."""
    value = Decimal(0)
    try:
        currency = check_currency((currency or "").strip().upper())
    except MoneyError as exc:
        problems["currency"] = str(exc)
        return currency, value
    try:
        value = parse_amount(amount, currency)
        if value <= 0:
            problems["amount"] = "give an amount greater than zero"
    except MoneyError as exc:
        problems["amount"] = str(exc)
    return currency, value


def refused(problems: dict[str, str]) -> BusinessError:
    """One error naming every field in ``problems``."""
    return BusinessError("; ".join(f"{k}: {v}" for k, v in problems.items()),
                         fields=[{"field": k, "message": v} for k, v in problems.items()])
