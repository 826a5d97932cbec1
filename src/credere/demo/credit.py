"""Credit control for the demo portfolio, through the same services a credit team uses: risk classes
from each customer's payment behaviour, opening limits requested by the analyst and approved by the
manager (some nearly used, a few exceeded, some expiring soon), credit insurance on some, owners, a
few orders checked (some held), then the standings, the alert rules and the reviews due.

Deterministic for a seed; run once, right after the demo portfolio is generated.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from django.utils import timezone

from credere.approvals import services as approvals
from credere.credit.models import Alert, CreditLimit, CreditStanding
from credere.credit.services import alerts, checks, cover, limits, reviews, standing
from credere.ledger.models import Company, Customer

ZERO = Decimal(0)


@dataclass(frozen=True)
class CreditSetup:
    limits: int
    covers: int
    checks: int
    held: int
    #: alerts open at the end
    alerts: int
    reviews: int


def _class_of(oldest_overdue_days: int) -> str:
    """A first risk class from how late the oldest overdue item is (scoring comes with onboarding)."""
    for days, cls in ((0, "A"), (15, "B"), (45, "C"), (90, "D")):
        if oldest_overdue_days <= days:
            return cls
    return "E"


def _round_up(amount: Decimal, step: int = 1000) -> Decimal:
    return (amount / step).quantize(Decimal(1), rounding=ROUND_UP) * step


def seed_credit(*, analyst: Any, manager: Any, administrator: Any, seed: int = 1,
                as_of: dt.date | None = None) -> CreditSetup:
    """Set up credit control on the demo ledger (nothing if any limit exists already). The manager
    approves what the approval matrix lets a manager approve, the administrator the rest."""
    if CreditLimit.objects.exists():
        return CreditSetup(0, 0, 0, 0, 0, 0)
    today = as_of or timezone.localdate()
    rng = random.Random(seed)
    standing.refresh()
    rows = {s.customer_id: s for s in CreditStanding.objects.filter(for_group=False, company__isnull=True)
            .select_related("customer")}
    customers = sorted(rows.values(), key=lambda s: s.customer.account_number)
    made = covered = 0
    for n, s in enumerate(customers):
        customer = s.customer
        limits.set_risk_class(actor=analyst, customer=customer, risk_class=_class_of(s.oldest_overdue_days),
                              reason="first class from the payment behaviour in the ledger")
        exposure = max(s.exposure, ZERO)
        if exposure <= 0 and rng.random() < 0.5:
            continue  # some customers have no limit yet: their orders wait for a decision
        draw = rng.random()
        if draw < 0.08:
            amount = _round_up(exposure / Decimal("0.95"), 100)  # nearly used up
        elif draw < 0.11:
            amount = _round_up(exposure / Decimal("1.1"), 100)  # exceeded
        else:
            amount = _round_up(max(exposure * 2, Decimal(5000)))
        expires = today + dt.timedelta(days=rng.randint(5, 25)) if rng.random() < 0.05 else \
            today + dt.timedelta(days=365)
        req = limits.request_limit(actor=analyst, customer=customer, amount=str(amount), currency=s.currency,
                                   reason="opening limit for the demo", expires_on=expires)
        approver = manager if req.required_role in ("credit_analyst", "credit_manager") else administrator
        approvals.decide(actor=approver, request_id=req.pk, approve=True, note="agreed")
        made += 1
        if n % 10 == 3 and exposure > 0:
            cover.record_cover(actor=analyst, customer=customer, kind="insurance", provider="Atradius",
                               reference=f"POL-{customer.account_number}", amount=str(_round_up(exposure)),
                               currency=s.currency, coverage_pct="90", note="whole-turnover policy",
                               expires_on=today + dt.timedelta(days=rng.choice([20, 200])))
            covered += 1
        if n % 2 == 0:
            alerts.set_owner(actor=manager, customer=customer, owner=analyst)
    company = Company.objects.order_by("code").first()
    held = checked = 0
    if company is not None:
        for n, customer in enumerate(rng.sample(list(Customer.objects.order_by("pk")), k=min(12, len(rows)))):
            value = rng.choice(["2500.00", "15000.00", "60000.00"])
            row = checks.check(actor=manager, company=company, customer=customer, order_id=f"SO-DEMO-{n + 1:03d}",
                               amount=value, currency=company.base_currency)
            checked += 1
            held += row.outcome == "held"
    standing.refresh()
    alerts.run()
    opened = reviews.schedule(actor=analyst)
    return CreditSetup(made, covered, checked, held, Alert.objects.filter(cleared_at__isnull=True).count(),
                       len(opened))
