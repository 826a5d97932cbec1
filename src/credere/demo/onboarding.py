"""Credit applications for the demo, through the same services an applicant and a credit team use: prospects
with generated statements (healthy, middling, distressed), some decided automatically, some referred and
waiting, one proposed for approval, one with a question to the applicant, one declined, a draft.

Deterministic for a seed; run once, right after credit control is set up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from credere.demo.generator.identifiers import company_ids
from credere.ledger.models import Company
from credere.onboarding.services import applications as service
from credere.onboarding.services import decisions

PROSPECTS = (
    ("Aurora Präzisionsteile GmbH", "DE", "GmbH", "C25.6", "healthy", "45000"),
    ("Baltic Timber Trading UAB", "LT", "UAB", "G46.7", "middling", "60000"),
    ("Castello Arredamenti S.r.l.", "IT", "S.r.l.", "C31.0", "healthy", "350000"),
    ("Delta Fresh Logistics B.V.", "NL", "B.V.", "H49.4", "middling", "80000"),
    ("Edelweiss Feinmechanik AG", "CH", "AG", "C28.4", "healthy", "30000"),
    ("Fjord Marine Supplies AS", "NO", "AS", "G46.6", "distressed", "50000"),
    ("Galway Print & Pack Ltd", "IE", "Ltd", "C18.1", "middling", "20000"),
    ("Helios Bau GmbH", "AT", "GmbH", "F41.2", "distressed", "120000"),
    ("Iberia Componentes S.L.", "ES", "S.L.", "C29.3", "healthy", "90000"),
    ("Jadran Foods d.o.o.", "HR", "d.o.o.", "C10.8", "middling", "15000"),
)


@dataclass(frozen=True)
class OnboardingSetup:
    applications: int
    approved: int
    referred: int
    declined: int


def _statements(rng: random.Random, profile: str, year: int) -> list[dict[str, str]]:
    scale = Decimal(rng.choice((800_000, 2_500_000, 9_000_000)))
    years = []
    for back in range(3):
        f = Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
        sales = scale * f * (Decimal("0.92") ** back)
        if profile == "healthy":
            margin, equity_share, stl_share, cash_share = Decimal("0.07"), Decimal("0.45"), Decimal("0.30"), 0.08
        elif profile == "middling":
            margin, equity_share, stl_share, cash_share = Decimal("0.02"), Decimal("0.25"), Decimal("0.45"), 0.04
        else:
            margin, equity_share, stl_share, cash_share = Decimal("-0.06"), Decimal("0.04"), Decimal("0.75"), 0.01
        jitter = Decimal(str(round(rng.uniform(0.75, 1.25), 3)))  # each year a little different
        margin, equity_share = margin * jitter, equity_share * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
        assets = (sales * Decimal("0.65")).quantize(Decimal(1))
        cash = (assets * Decimal(str(cash_share))).quantize(Decimal(1))
        receivables = (sales * Decimal("0.15")).quantize(Decimal(1))
        inventory = (assets * Decimal("0.2")).quantize(Decimal(1))
        fixed = assets - cash - receivables - inventory
        equity = (assets * equity_share).quantize(Decimal(1))
        stl = (assets * stl_share).quantize(Decimal(1))
        ltl = assets - equity - stl
        share_capital = min(equity, Decimal(100_000)) if equity > 0 else Decimal(25_000)
        profit = (sales * margin).quantize(Decimal(1))
        interest = (ltl * Decimal("0.05")).quantize(Decimal(1))
        years.append({
            "year": str(year - back), "fixed_assets": str(fixed), "inventory": str(inventory),
            "receivables": str(receivables), "cash": str(cash), "other_current_assets": "0",
            "share_capital": str(share_capital), "retained_earnings": str(equity - share_capital),
            "other_equity": "0", "long_term_liabilities": str(ltl), "short_term_liabilities": str(stl),
            "sales": str(sales.quantize(Decimal(1))), "cost_of_sales": str((sales * Decimal("0.72")).quantize(
                Decimal(1))), "operating_profit": str(profit + interest), "depreciation": str((fixed * Decimal(
                    "0.08")).quantize(Decimal(1))), "interest_expense": str(interest),
            "profit_before_tax": str(profit), "net_profit": str((profit * Decimal("0.75")).quantize(Decimal(1))),
        })
    return years


def seed_onboarding(*, analyst: Any, seed: int, year: int) -> OnboardingSetup:
    rng = random.Random(seed + 11)
    company = Company.objects.order_by("code").first()
    if company is None:
        return OnboardingSetup(0, 0, 0, 0)
    counts = {"approved": 0, "referred": 0, "declined": 0}
    made = 0
    for n, (name, country, legal, nace, profile, limit) in enumerate(PROSPECTS):
        registration, vat = company_ids(rng, country, legal)
        application, _token = service.start(company=company, language=("de" if country in ("DE", "AT", "CH")
                                                                       else "en"))
        first = name.split()[0].lower().replace("ä", "ae")
        answers = {
            "legal_name": name, "country": country, "industry_code": nace, "registration_number": registration,
            "vat_id": vat, "street": f"{rng.randint(1, 120)} Industrial Road", "postal_code": f"{rng.randint(1000, 9999)}",
            "city": "Demo City", "years_in_business": str(rng.choice((1, 4, 7, 15, 30))),
            "contact_name": "Demo Contact", "contact_email": f"credit@{first}.example",
            "currency": "EUR", "requested_limit": limit, "requested_terms_days": str(rng.choice((30, 45, 60))),
            "expected_monthly_volume": str(int(Decimal(limit) / 2)),
            "references": [{"company": f"Supplier {k} of {name.split()[0]}", "contact": "Demo Reference",
                            "email": f"ref{k}@supplier.example", "years": str(rng.randint(1, 9)),
                            "typical_amount": str(rng.randint(2, 40) * 1000)} for k in range(rng.randint(0, 3))],
            "owners": [{"name": f"{name.split()[0]} Holding", "share": "100"}], "consent": True,
        }
        errors = service.save_answers(application=application, raw=answers)
        if errors:  # the generator and the form disagree: say so rather than leave a silent draft
            raise ValueError(f"demo application {name}: {errors}")
        service.set_statements(application=application, currency="EUR", years=_statements(rng, profile, year - 1))
        made += 1
        if n == len(PROSPECTS) - 1:
            continue  # one draft, still being filled in
        left = service.submit(application=application)
        if left:
            raise ValueError(f"demo application {name} not sent: {left}")
        application.refresh_from_db()
        if application.status == "approved":
            counts["approved"] += 1
        elif application.status == "declined":
            counts["declined"] += 1
        else:
            counts["referred"] += 1
    referred = list(type(application).objects.filter(status="in_review").order_by("id"))
    if referred:
        decisions.request_information(actor=analyst, application_id=referred[0].pk,
                                      question="Please send your latest management accounts (this year to date).")
    if len(referred) > 1:
        r = referred[1]
        decisions.propose(actor=analyst, application_id=r.pk, limit=r.recommended_limit or Decimal(10000),
                          terms_days=r.recommended_terms_days or 30, risk_class=r.risk_class or "C",
                          note="Three good references; statements in line with the industry.")
    from credere.credit.services import standing

    standing.refresh([c for c in type(application).objects.filter(status="approved").values_list("customer_id",
                                                                                              flat=True) if c])
    return OnboardingSetup(made, counts["approved"], counts["referred"], counts["declined"])
