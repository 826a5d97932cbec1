"""The portfolio generator: plans corporate groups and their customers (country, industry,
size, name, identifiers, terms, payment behaviour), the EUR reference rates, and yields
each group's rows as a :class:`~credere.demo.generator.rows.Batch` (see the package docstring).
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal

from credere.demo.generator.dates import Month, prev_business, weekday, years_before
from credere.demo.generator.draws import between, pick
from credere.demo.generator.identifiers import bank_account, company_ids, phone
from credere.demo.generator.names import HOLDING, compose, legal_form, name_stem, person, slug, trade_word
from credere.demo.generator.records import Profile
from credere.demo.generator.reference import (
    BEHAVIOURS,
    COMPANIES,
    COMPANY_CURRENCY,
    COMPANY_ID,
    COMPANY_SHORT,
    CONTACT_ROLES,
    COUNTRIES,
    COUNTRY_CODES,
    COUNTRY_WEIGHTS,
    FX_SOURCE,
    FX_START,
    GROWTH_PER_YEAR,
    INDUSTRIES,
    INDUSTRY_WEIGHTS,
    SEASONALITY,
    SIZE_TIERS,
    SIZE_WEIGHTS,
    TERM_ID,
    TERMS,
)
from credere.demo.generator.rows import (
    Batch,
    CompanyRow,
    ContactRow,
    CustomerRow,
    FxRateRow,
    PaymentTermsRow,
    Row,
)
from credere.demo.generator.simulation import Simulation


class PortfolioGenerator:
    """Plans a portfolio and produces its rows, group by group (see the package docstring)."""

    def __init__(self, *, customers: int, years: int, seed: int, as_of: dt.date) -> None:
        if customers < 1:
            raise ValueError("customers must be at least 1")
        if not 1 <= years <= 20:
            raise ValueError("years must be between 1 and 20")
        self.customers, self.years, self.seed, self.as_of = customers, years, seed, as_of
        self.start = years_before(as_of, years)
        self.start_day, self.end_day = self.start.toordinal(), as_of.toordinal()
        self._months = self._month_table()
        self._run_days = [m.run_day for m in self._months]
        self._numbers: dict[tuple[int, str], int] = {}
        self._next = {"contact": 1, "item": 1, "payment": 1, "allocation": 1}

    # ---------------------------------------------------------------- static parts

    def companies(self) -> list[CompanyRow]:
        return [CompanyRow(i + 1, code, name, cur, country) for i, (code, name, cur, country) in enumerate(COMPANIES)]

    def payment_terms(self) -> list[PaymentTermsRow]:
        return [PaymentTermsRow(i + 1, *t) for i, t in enumerate(TERMS)]

    def fx_rates(self) -> Iterator[FxRateRow]:
        """Daily (Monday to Friday) EUR reference rates for every other currency used."""
        rng = random.Random(f"credere-demo/{self.seed}/fx")
        quotes = sorted(FX_START)
        anchors = {q: int(Decimal(FX_START[q][0]).scaleb(6)) for q in quotes}
        rates = dict(anchors)
        places = {q: Decimal(1).scaleb(-FX_START[q][1]) for q in quotes}
        next_id = 1
        for day in range(self.start_day - 7, self.end_day + 1):
            if weekday(day) >= 5:
                continue
            date = dt.date.fromordinal(day)
            for q in quotes:
                r = rates[q]
                r += r * between(rng, -55, 55) // 10000 + (anchors[q] - r) // 250
                rates[q] = r
                yield FxRateRow(next_id, date, "EUR", q, Decimal(r).scaleb(-6).quantize(places[q]), FX_SOURCE)
                next_id += 1

    # ---------------------------------------------------------------- groups

    def group_sizes(self) -> list[int]:
        """Sizes of the corporate groups, in order (1 = a standalone customer)."""
        rng = random.Random(f"credere-demo/{self.seed}/plan")
        sizes = []
        left = self.customers
        while left > 0:
            size = 1
            if left > 1 and rng.random() < 0.045:
                size = min(left, rng.choice((2, 2, 3, 3, 4, 5, 6, 8, 12)))
            sizes.append(size)
            left -= size
        return sizes

    def batches(self) -> Iterator[Batch]:
        index = 0
        for gi, size in enumerate(self.group_sizes()):
            yield self._group(gi, index, size)
            index += size

    def rows(self) -> Iterator[Row]:
        """All rows in load order: companies, terms, FX rates, then each group's rows."""
        yield from self.companies()
        yield from self.payment_terms()
        yield from self.fx_rates()
        for batch in self.batches():
            yield from batch.rows()

    # ---------------------------------------------------------------- calendar

    def _month_table(self) -> list[Month]:
        months = []
        year, month = self.start.year, self.start.month
        mid = (self.start_day + self.end_day) / 2
        while True:
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            f, last = first.toordinal(), nxt.toordinal() - 1
            factor = SEASONALITY[month - 1] * (1 + GROWTH_PER_YEAR * ((f + last) / 2 - mid) / 365.25)
            run = prev_business(first.replace(day=25).toordinal())
            months.append(Month(f, last, factor, prev_business(last), run))
            if (year, month) == (self.as_of.year, self.as_of.month):
                break
            year, month = nxt.year, nxt.month
        # One month beyond as_of so that payment runs after the last month resolve.
        first = dt.date(year + (month == 12), month % 12 + 1, 1)
        f = first.toordinal()
        months.append(Month(f, f + 27, 0.0, f + 27, prev_business(first.replace(day=25).toordinal())))
        return months

    def run_day(self, payer: Profile, day: int) -> int:
        """The payment-run day on or after ``day`` for a payer that pays in runs."""
        run = payer.run
        if run == 7:
            return day + (payer.run_weekday - weekday(day)) % 7
        if run == 14:
            d = day + (payer.run_weekday - weekday(day)) % 7
            return d if (d // 7) % 2 == 0 else d + 7
        i = bisect.bisect_left(self._run_days, day)  # monthly
        return self._run_days[i] if i < len(self._run_days) else day

    # ---------------------------------------------------------------- customers

    def _profile(self, rng: random.Random, index: int, parent: Profile | None) -> Profile:
        p = Profile()
        p.id = index + 1
        p.account = f"C{index + 1:06d}"
        if parent is not None and rng.random() < 0.5:
            country = parent.country
        else:
            country = rng.choices(COUNTRY_CODES, COUNTRY_WEIGHTS)[0]
        c = COUNTRIES[country]
        p.country, p.lang = country, rng.choice(c.languages)
        p.company_id, p.currency = COMPANY_ID[c.company], c.currency
        if rng.random() < 0.08:
            other = rng.choice([cid for cid in COMPANY_CURRENCY if cid != p.company_id])
            p.second = (other, COMPANY_CURRENCY[other], between(rng, 15, 45))
        code, trade, _w, typical = rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS)[0]
        p.industry, p.trade = code, trade
        rate, _w, size_factor = rng.choices(SIZE_TIERS, SIZE_WEIGHTS)[0]
        p.rate = rate * (0.75 + 0.5 * rng.random())
        p.typical = typical * 100 * size_factor // 100 * between(rng, 60, 150) // 100
        self._name(rng, p, parent)
        p.terms_id = self._terms(rng, country)
        self._behaviour(rng, p, parent)
        self._payment_style(rng, p)
        p.bank_account = bank_account(rng, country)
        return p

    def _name(self, rng: random.Random, p: Profile, parent: Profile | None) -> None:
        p.legal = legal_form(rng, p.country, p.lang)
        if parent is None:
            p.stem, brand = name_stem(rng, p.country, p.lang)
            word = "" if brand and rng.random() < 0.5 else trade_word(p.trade, p.lang)
        else:
            p.stem = parent.stem
            word = trade_word(p.trade, p.lang) if rng.random() < 0.6 else COUNTRIES[p.country].name
        p.name = compose(p.stem, word, p.legal, p.lang)
        if parent is not None and word == COUNTRIES[p.country].name:
            p.name = f"{p.stem} {word} {p.legal}"
        p.domain = f"{slug(p.stem + ' ' + word)}.example"

    def _terms(self, rng: random.Random, country: str) -> int:
        options: tuple[tuple[str, int], ...]
        if country in ("FR", "IT", "ES", "PT"):
            options = (("NET60", 50), ("NET45", 20), ("NET30", 20), ("NET90", 10))
        elif country in ("DE", "AT", "CH", "NL", "BE", "PL", "CZ"):
            options = (("NET30", 45), ("2-10-NET30", 25), ("NET14", 12), ("1-14-NET45", 8), ("NET60", 10))
        elif country == "JP":
            options = (("NET60", 50), ("NET30", 30), ("NET90", 20))
        else:
            options = (("NET30", 55), ("NET45", 15), ("NET60", 15), ("2-10-NET30", 10), ("NET14", 5))
        return TERM_ID[pick(rng, options)]

    def _behaviour(self, rng: random.Random, p: Profile, parent: Profile | None) -> None:
        if parent is not None and rng.random() < 0.7:
            p.behaviour = parent.behaviour
        else:
            p.behaviour = rng.choices(list(BEHAVIOURS), list(BEHAVIOURS.values()))[0]
        span = self.end_day - self.start_day
        if rng.random() < 0.72:  # a customer since before the period
            p.since = self.start_day - between(rng, 30, 3000)
        else:
            p.since = between(rng, self.start_day, max(self.start_day, self.end_day - 45))
        p.until = self.end_day
        p.status = "active"
        b = p.behaviour
        p.base_delay = {"prompt": 0, "slow": between(rng, 6, 20), "chronically_late": between(rng, 35, 75),
                        "deteriorating": between(rng, 0, 5), "disputing": between(rng, 0, 12),
                        "defaulting": between(rng, 10, 35)}[b]
        if b == "deteriorating":
            p.turn = self.start_day + between(rng, 0, span * 6 // 10)
            p.slope = between(rng, 40, 100) * 1000 // max(30, self.end_day - p.turn)
        elif b == "defaulting":
            lo = max(p.since + 90, self.start_day + span // 4)
            p.default_on = between(rng, lo, max(lo, self.end_day - 20))
            p.until = min(self.end_day, p.default_on + between(rng, 20, 90))
            if p.default_on <= self.end_day:
                p.status = "blocked" if self.end_day - p.default_on > 60 else "on_hold"
        elif rng.random() < 0.04 and self.end_day - p.since > 200:
            p.until = between(rng, max(self.start_day, p.since) + 60, self.end_day - 60)
            p.status = "closed"
        elif b == "chronically_late" and rng.random() < 0.25:
            p.status = "on_hold"

    def _payment_style(self, rng: random.Random, p: Profile) -> None:
        r = rng.random()
        big = p.rate >= 18
        if r < (0.20 if big else 0.45):
            p.run = 0  # one payment per invoice
        elif r < (0.35 if big else 0.65):
            p.run = 1  # invoices falling due together are paid together
        else:
            p.run = rng.choice((7, 7, 14, 30))
        p.run_weekday = rng.choice((1, 3, 4, 4))

    def _customer_row(self, p: Profile, rng: random.Random) -> CustomerRow:
        reg, tax = company_ids(rng, p.country, p.legal)
        since = dt.date.fromordinal(min(p.since, self.end_day))
        return CustomerRow(p.id, p.account, p.name, reg, tax, p.country, p.industry, p.lang, p.parent_id,
                           p.terms_id, p.status, since)

    def _contacts(self, rng: random.Random, p: Profile, batch: Batch) -> None:
        n = 1 + (rng.random() < 0.6) + (rng.random() < 0.25)
        for _ in range(n):
            first, last = person(rng, p.lang)
            role = pick(rng, CONTACT_ROLES)
            email = f"{slug(first).replace('-', '')}.{slug(last).replace('-', '')}@{p.domain}"
            if rng.random() < 0.15:
                email = f"{'ap' if role == 'Accounts payable' else 'info'}@{p.domain}"
            batch.contacts.append(ContactRow(self._next["contact"], p.id, f"{first} {last}", role, email,
                                             phone(rng, p.country)))
            self._next["contact"] += 1

    # ---------------------------------------------------------------- invoices

    def invoice_days(self, rng: random.Random, p: Profile) -> list[int]:
        lo_all, hi_all = max(p.since, self.start_day), min(p.until, self.end_day)
        days: list[int] = []
        if hi_all < lo_all:
            return days
        monthly = p.rate / 12
        for m in self._months:
            if m.last < lo_all or m.first > hi_all:
                continue
            lo, hi = max(m.first, lo_all), min(m.last, hi_all)
            expected = monthly * m.factor * (hi - lo + 1) / (m.last - m.first + 1) * (0.7 + 0.6 * rng.random())
            n = int(expected + rng.random())
            for _ in range(n):
                if rng.random() < 0.12 and lo <= m.last_business <= hi:
                    days.append(m.last_business)
                    continue
                d = between(rng, lo, hi)
                wd = weekday(d)
                if wd >= 5:
                    d2 = d - 1 if wd == 5 else d + 1
                    if not lo <= d2 <= hi:
                        d2 = d + 2 if wd == 5 else d - 2
                    d = d2 if lo <= d2 <= hi else d
                days.append(d)
        days.sort()
        return days

    # ---------------------------------------------------------------- one group

    def _group(self, gi: int, first_index: int, size: int) -> Batch:
        rng = random.Random(f"credere-demo/{self.seed}/group/{gi}")
        batch = Batch()
        profiles: list[Profile] = []
        for k in range(size):
            parent = profiles[0] if k else None
            p = self._profile(rng, first_index + k, parent)
            if parent is not None:
                p.parent_id = parent.id
            profiles.append(p)
        if size > 1 and rng.random() < 0.4:  # the holding pays centrally for the whole group
            for p in profiles[1:]:
                p.payer = profiles[0]
                p.behaviour = profiles[0].behaviour
                p.base_delay, p.turn, p.slope = profiles[0].base_delay, profiles[0].turn, profiles[0].slope
        if size > 1 and rng.random() < 0.5:
            top = profiles[0]
            top.name = compose(top.stem, HOLDING.get(top.lang, "Group"), top.legal, top.lang)
        seen = {profiles[0].name}
        for p in profiles[1:]:
            if p.name in seen:
                p.name = compose(p.stem, rng.choice(COUNTRIES[p.country].places), p.legal, p.lang)
            seen.add(p.name)
        sim = Simulation(self, rng)
        for p in profiles:
            batch.customers.append(self._customer_row(p, rng))
            batch.behaviours[p.id] = p.behaviour
            self._contacts(rng, p, batch)
            sim.customer(p)
        sim.unidentified(profiles)
        sim.finish(batch)
        return batch

    def document_number(self, company_id: int, kind: str) -> str:
        key = (company_id, kind)
        n = self._numbers.get(key, 0) + 1
        self._numbers[key] = n
        prefix = {"invoice": "INV", "credit_note": "CN", "debit_note": "DN", "payment": "BK"}[kind]
        return f"{prefix}-{COMPANY_SHORT[company_id]}-{n:08d}"

    def take_id(self, table: str) -> int:
        n = self._next[table]
        self._next[table] = n + 1
        return n


def generate(*, customers: int, years: int, seed: int, as_of: dt.date) -> Iterator[Row]:
    """All rows of a portfolio, in load order (see :class:`PortfolioGenerator`)."""
    return PortfolioGenerator(customers=customers, years=years, seed=seed, as_of=as_of).rows()
