"""Onboarding tests: an applicant's answers and statements, documents kept in the test's own directory."""

from __future__ import annotations

import pytest

GOOD_ANSWERS = {
    "legal_name": "Orion Maschinenbau GmbH", "legal_form": "GmbH", "country": "DE",
    "registration_number": "HRB 12345 Berlin", "vat_id": "DE136695976", "lei": "",
    "street": "Hauptstraße 5", "postal_code": "10115", "city": "Berlin", "website": "",
    "industry_code": "C28.1", "years_in_business": "12", "parent_company": "",
    "contact_name": "Eva Schmidt", "contact_email": "eva.schmidt@orion.example", "contact_phone": "+49 30 1234567",
    "currency": "EUR", "requested_limit": "40000", "requested_terms_days": "30", "expected_monthly_volume": "25000",
    "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX",
    "references": [{"company": "Stahl AG", "contact": "Max Weber", "email": "max@stahl.example", "years": "5",
                    "typical_amount": "12000"},
                   {"company": "Kabel KG", "contact": "Ina Roth", "email": "ina@kabel.example", "years": "3",
                    "typical_amount": "4000"},
                   {"company": "Lack GmbH", "contact": "Tom Berg", "email": "tom@lack.example", "years": "8",
                    "typical_amount": "2500"}],
    "owners": [{"name": "Eva Schmidt", "share": "60"}, {"name": "Jonas Schmidt", "share": "40"}],
    "consent": True,
}

YEAR = {"fixed_assets": "5000000", "inventory": "2000000", "receivables": "3000000", "cash": "900000",
        "other_current_assets": "0", "share_capital": "1000000", "retained_earnings": "4500000", "other_equity": "0",
        "long_term_liabilities": "2000000", "short_term_liabilities": "3400000", "sales": "20000000",
        "cost_of_sales": "14000000", "operating_profit": "1600000", "depreciation": "400000",
        "interest_expense": "150000", "profit_before_tax": "1450000", "net_profit": "1050000"}


@pytest.fixture(autouse=True)
def _documents(settings, tmp_path):
    settings.CREDERE_DOCUMENT_DIR = tmp_path / "documents"


@pytest.fixture
def good_answers():
    return {**GOOD_ANSWERS, "references": [dict(r) for r in GOOD_ANSWERS["references"]],
            "owners": [dict(o) for o in GOOD_ANSWERS["owners"]]}


@pytest.fixture
def statements():
    return [{"year": "2025", **YEAR}, {"year": "2024", **YEAR, "sales": "18500000", "net_profit": "900000",
                                       "retained_earnings": "4350000", "cash": "750000"}]


@pytest.fixture
def seller(role_users):
    """Our company (created by the role users' administrator, for tests that sign in as role users)."""
    from credere.ledger.services.master_data import upsert_company

    return upsert_company(actor=role_users["administrator"], code="DE01", name="Credere Demo GmbH",
                          base_currency="EUR", country="DE")[0]
