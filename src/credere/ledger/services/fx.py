"""Reference FX rates: stored by date, and the rate table every conversion reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction

from credere.audit.services import changes, record, snapshot
from credere.core.errors import BusinessError
from credere.domain.fx import MAX_RATE_AGE_DAYS, RateTable
from credere.domain.money import quantize
from credere.identity.authz import authorize
from credere.ledger.models import FxRate
from credere.ledger.services.validation import Outcome, clean_fx_rate

# --------------------------------------------------------------------------- FX


def upsert_fx_rate(*, actor: Any, rate_date: dt.date, base: str, quote: str, rate: Any,
                   source: str = "") -> tuple[FxRate, Outcome]:
    authorize(actor, "edit_fx")
    base, quote, value = clean_fx_rate(base=base, quote=quote, rate=rate)
    with transaction.atomic():
        fx = FxRate.objects.select_for_update().filter(rate_date=rate_date, base=base, quote=quote).first()
        if fx is None:
            fx = FxRate.objects.create(rate_date=rate_date, base=base, quote=quote, rate=value, source=source)
            record(actor=actor, action="fx.created", obj=fx, after=snapshot(fx))
            return fx, "created"
        if fx.rate == value:
            return fx, "unchanged"
        before = snapshot(fx)
        fx.rate, fx.source = value, source or fx.source
        fx.save()
        b, a = changes(before, snapshot(fx))
        record(actor=actor, action="fx.updated", obj=fx, before=b, after=a)
        return fx, "updated"


def rate_table(on: dt.date | None = None, currencies: set[str] | None = None, *,
               since: dt.date | None = None) -> RateTable:
    """Load FX rates (every rate on or before ``on``, or from ``since``) into a domain rate table."""
    qs = FxRate.objects.all()
    if on is not None:
        qs = qs.filter(rate_date__lte=on)
    if since is not None:
        qs = qs.filter(rate_date__gte=since)
    if currencies:
        qs = qs.filter(base__in=currencies | {"EUR"}, quote__in=currencies | {"EUR"})
    rows = qs.order_by("base", "quote", "-rate_date").values_list("base", "quote", "rate_date", "rate")
    return RateTable.from_rows((b, q, d, r) for b, q, d, r in rows)


def rates_on(on: dt.date, currencies: set[str] | None = None) -> RateTable:
    """The rates a conversion *on* ``on`` can use: those of the last ``MAX_RATE_AGE_DAYS`` days up to
    ``on`` (an older rate is never used), instead of the whole history. Same answers at ``on`` as
    :func:`rate_table`; a table for converting at other dates needs :func:`rate_table`."""
    return rate_table(on, currencies, since=on - dt.timedelta(days=MAX_RATE_AGE_DAYS))


def convert(*, amount: Decimal, from_currency: str, to_currency: str, on: dt.date,
            table: RateTable | None = None) -> Decimal:
    """``amount`` in ``to_currency`` at the rate of ``on`` (from ``table`` if given: it must hold the
    rates of ``on`` among the two currencies and EUR, as :func:`rates_on` reads them)."""
    if from_currency == to_currency:
        return amount
    if table is None:
        table = rates_on(on, {from_currency, to_currency})
    try:
        return quantize(table.convert(amount, from_currency, to_currency, on), to_currency)
    except LookupError as exc:
        raise BusinessError(str(exc), code="no_fx_rate") from None
