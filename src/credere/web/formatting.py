"""Numbers, amounts and dates written for the user's locale (Babel's CLDR data).

The locale of the current request is kept in a context variable set by
:class:`credere.web.middleware.UserLocaleMiddleware`: the user's own choice (kept in the
session), else the browser's ``Accept-Language``, else English. Amounts stay ``Decimal``
all the way; they are only turned into text here.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from contextvars import ContextVar
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from django.utils import timezone

from credere.domain.industries import industry_name
from credere.domain.money import minor_units

DEFAULT_LOCALE = "en"
#: Locales offered in the user menu (any valid locale is accepted from the browser).
CHOICES: tuple[tuple[str, str], ...] = (
    ("en", "English (US)"), ("en_GB", "English (UK)"), ("de_DE", "Deutsch (Deutschland)"),
    ("de_CH", "Deutsch (Schweiz)"), ("fr_FR", "Français"), ("nl_NL", "Nederlands"), ("pl_PL", "Polski"),
    ("sv_SE", "Svenska"), ("es_ES", "Español"), ("it_IT", "Italiano"), ("ja_JP", "日本語"),
)

_current: ContextVar[str] = ContextVar("credere_locale", default=DEFAULT_LOCALE)


def parse_locale(tag: str) -> str | None:
    """A Babel locale identifier for a language tag (``de-CH`` → ``de_CH``), or None if unknown."""
    tag = (tag or "").strip().replace("-", "_")
    if not tag or len(tag) > 20 or tag == "*":
        return None
    try:
        return str(Locale.parse(tag))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def from_accept_language(header: str) -> str | None:
    """The first locale of an ``Accept-Language`` header that Babel knows (by quality)."""
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weighted.append((-q, i, tag))
    for _q, _i, tag in sorted(weighted):
        found = parse_locale(tag)
        if found:
            return found
    return None


def activate(locale: str) -> Any:
    return _current.set(locale)


def deactivate(token: Any) -> None:
    _current.reset(token)


def current() -> str:
    return _current.get()


def money(amount: Decimal | None, currency: str | None) -> str:
    """``1234.5 EUR`` → ``€1,234.50`` (en) or ``1.234,50 €`` (de_DE); the currency's own decimals.

    The decimals are ISO 4217's (``HUF 1234.50`` → ``HUF1,234.50``), not CLDR's, which would show 0 for HUF
    and round away what is really owed.
    """
    if not isinstance(amount, Decimal | int):
        return "—"
    if not currency:
        return number(amount)
    locale = current()
    pattern = _currency_pattern(locale, minor_units(currency))
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


@functools.lru_cache(maxsize=256)
def _currency_pattern(locale: str, digits: int) -> Any:
    """The locale's currency pattern with exactly ``digits`` decimals."""
    pattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern


def money_plain(amount: Decimal | None, currency: str | None) -> str:
    """The amount with the currency's decimals and no symbol (for columns headed by the currency)."""
    if amount is None:
        return "—"
    try:
        digits = minor_units(currency) if currency else 2
    except Exception:
        digits = 2
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(amount, format=pattern, locale=current(), decimal_quantization=True)


def symbol(currency: str) -> str:
    return get_currency_symbol(currency, locale=current())


def number(value: Decimal | int | None, decimals: int | None = None) -> str:
    if not isinstance(value, Decimal | int | float):
        return "—"
    if decimals is None:
        return format_decimal(value, locale=current(), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=current())


def percent(value: Decimal | None, decimals: int = 1) -> str:
    """A percentage given in percent (``53.08`` → ``53.1%``)."""
    if not isinstance(value, Decimal | int):
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return format_percent(Decimal(value) / 100, format=pattern, locale=current())


def confidence(value: Decimal | None) -> str:
    """A confidence (0 to 1) as every page shows it: a whole percentage, rounded down so that a
    proposal shown at the auto-apply threshold has reached it (``0.9499`` → ``94%``)."""
    if not isinstance(value, Decimal | int):
        return "—"
    whole = (Decimal(value) * 100).to_integral_value(rounding=ROUND_FLOOR)
    return format_percent(whole / 100, format="#,##0%", locale=current())


def industry(code: str | None) -> str:
    """An industry code with its NACE name (``G46.1 · Wholesale trade, …``), or as written."""
    if not code:
        return "—"
    name = industry_name(code)
    return f"{code} · {name}" if name else code


def date(value: dt.date | None, fmt: str = "medium") -> str:
    if not isinstance(value, dt.date):
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, format=fmt, locale=current())


def datetime(value: dt.datetime | None, fmt: str = "medium") -> str:
    if not isinstance(value, dt.datetime):
        return date(value) if isinstance(value, dt.date) else "—"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_datetime(value, format=fmt, locale=current())


def due_words(days_past_due: int | None) -> str:
    """Days past due in words: ``12`` → "12 days overdue", ``-5`` → "due in 5 days", ``0`` → "due today".

    The one place the pages say it (exports keep the signed number of days)."""
    if not isinstance(days_past_due, int):
        return "—"
    if days_past_due == 0:
        return "due today"
    n = abs(days_past_due)
    count = f"{number(n, 0)} day{'' if n == 1 else 's'}"
    return f"{count} overdue" if days_past_due > 0 else f"due in {count}"
