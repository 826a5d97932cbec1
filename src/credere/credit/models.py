"""Credit control: risk classes, credit limits (a customer's or a corporate group's), orders from
the ERP, order credit checks with their holds, and the credit policy as versioned data.

Nothing is deleted: a limit is superseded by the next, a check keeps its decision and reasons,
a hold keeps who released or rejected it and why.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from credere.core.fields import AmountField, OptionalAmountField
from credere.domain.credit.check import HOLDING
from credere.ledger.models import Company, Customer


class RiskClassAssignment(models.Model):
    """A customer's risk class from a date on (set by hand with a reason; scoring comes later)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    risk_class = models.CharField(max_length=10)
    effective_from = models.DateField()
    reason = models.CharField(max_length=500)
    set_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "-effective_from", "-id"]
        indexes = [models.Index(fields=["customer", "effective_from"])]

    def __str__(self) -> str:
        return f"Risk class {self.risk_class} from {self.effective_from}"


class CreditLimit(models.Model):
    """A credit limit in force from ``valid_from``: the customer's own, or its corporate group's
    (``for_group``: the customer is the group's top and the members share the limit)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "In force"
        #: approved to come into force on ``valid_from`` (a later day); until then the active one applies
        SCHEDULED = "scheduled", "Scheduled"
        SUPERSEDED = "superseded", "Superseded"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    for_group = models.BooleanField(default=False)
    #: one of our companies, or None for all of them
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    amount = AmountField()
    valid_from = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    #: the day it stopped being in force (superseded): in force on day D when valid_from <= D < ended_on;
    #: a scheduled limit superseded before its day never was
    ended_on = models.DateField(null=True, blank=True)
    #: the approval request it came from
    approval_id = models.BigIntegerField(null=True, blank=True)
    approved_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "-valid_from", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["customer", "for_group", "company"], condition=Q(status="active") & Q(company__isnull=False),
            name="one_active_limit_per_company"), models.UniqueConstraint(
            fields=["customer", "for_group"], condition=Q(status="active") & Q(company__isnull=True),
            name="one_active_limit_for_all_companies")]

    def __str__(self) -> str:
        scope = "group limit" if self.for_group else "credit limit"
        return f"{scope.capitalize()} {self.amount} {self.currency}"


class Order(models.Model):
    """A customer's order as the ERP sent it; what is open falls as it is invoiced or cancelled."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        INVOICED = "invoiced", "Invoiced"
        CANCELLED = "cancelled", "Cancelled"

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    order_id = models.CharField(max_length=60, help_text="The ERP's order number")
    version = models.PositiveIntegerField(default=1)
    currency = models.CharField(max_length=3)
    amount = AmountField()
    open_amount = AmountField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    #: the latest credit check's word: unchecked, released, held or rejected (held and rejected orders
    #: do not count in exposure)
    credit_status = models.CharField(max_length=10, default="unchecked")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["company", "order_id"], name="uniq_order_per_company")]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"Order {self.order_id}"

    @property
    def counts_in_exposure(self) -> bool:
        """What ``credere.credit.selectors.sums.COUNTING_ORDERS`` says in SQL: open, not held or rejected."""
        return self.status == self.Status.OPEN and self.credit_status not in ("held", "rejected")


class OrderState(models.Model):
    """An order's open value and whether it counted in exposure, from a day on.

    Written at every change of an order (received, new version, checked, released, rejected,
    invoiced, cancelled), so exposure can be computed as of any past day: on day D an order counts
    as its latest state recorded on or before D. States are appended in time order, never changed.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="states")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(max_length=3)
    open_amount = AmountField()
    counts = models.BooleanField()
    on = models.DateField()
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["customer", "on"]), models.Index(fields=["on", "order"])]

    def __str__(self) -> str:
        return f"Order state from {self.on}"


class CreditCheck(models.Model):
    """One decision on one version of an order: released or held, with the reasons and the figures."""

    class Status(models.TextChoices):
        RELEASED = "released", "Released"
        HELD = "held", "Held"
        RELEASED_BY_PERSON = "released_by_person", "Released by credit staff"
        REJECTED = "rejected", "Rejected"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="checks")
    order_version = models.PositiveIntegerField()
    #: the engine's decision, kept as it was
    outcome = models.CharField(max_length=10)
    #: where the order stands now (a held order is released or rejected by a person)
    status = models.CharField(max_length=20, choices=Status.choices)
    reasons = models.JSONField(default=list, help_text="[{code, text}]")
    #: the figures the decision used, in the limit's currency
    facts = models.JSONField(default=dict)
    amount = AmountField(help_text="The order in the limit's currency")
    currency = models.CharField(max_length=3)
    risk_class = models.CharField(max_length=10, blank=True, default="")
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    checked_by = models.CharField(max_length=150)
    checked_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "order_version"], name="one_check_per_order_version")]
        indexes = [models.Index(fields=["status", "checked_at"])]

    def __str__(self) -> str:
        return f"Credit check of order {self.order.order_id} v{self.order_version}"

    @property
    def marked_reasons(self) -> list[dict[str, Any]]:
        """The reasons, each marked ``holds`` when it is one that holds an order (the domain's codes)."""
        return [{**r, "holds": r.get("code") in HOLDING} for r in self.reasons]

    @property
    def why_held(self) -> str:
        """The reasons that hold the order, in words."""
        return "; ".join(r["text"] for r in self.marked_reasons if r["holds"])


class CreditPolicyVersion(models.Model):
    """One version of the credit policy; the newest whose ``effective_from`` has passed applies."""

    version = models.PositiveIntegerField(unique=True)
    settings = models.JSONField()
    effective_from = models.DateTimeField()
    note = models.CharField(max_length=300)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Credit policy v{self.version}"


class Cover(models.Model):
    """Credit insurance or a security that covers part of a customer's exposure, from a date until
    its expiry. Ended cover is kept (``ended_on``), never deleted."""

    class Kind(models.TextChoices):
        INSURANCE = "insurance", "Credit insurance"
        GUARANTEE = "guarantee", "Bank guarantee"
        LETTER_OF_CREDIT = "letter_of_credit", "Letter of credit"
        DEPOSIT = "deposit", "Deposit"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    #: the insurer or the bank that gives the security (a deposit: who holds it)
    provider = models.CharField(max_length=200)
    reference = models.CharField(max_length=100, blank=True, default="", help_text="Policy or document reference")
    currency = models.CharField(max_length=3)
    amount = AmountField(help_text="Insured amount, or the security's amount")
    coverage_pct = models.DecimalField(max_digits=5, decimal_places=2, default=100,
                                       help_text="The insurer's share of a loss, in percent")
    valid_from = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500)
    recorded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "-valid_from", "-id"]
        indexes = [models.Index(fields=["customer", "ended_on"]), models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} by {self.provider}"


class Commitment(models.Model):
    """Exposure that is neither an invoice nor an open order: goods shipped and not yet invoiced
    (when the ERP sends deliveries, not orders), or another commitment to the customer (a contract
    signed, consignment stock, a guarantee given for it). It counts from ``valid_from`` until it
    ends (invoiced, delivered back, released), for the kinds the credit policy counts."""

    class Kind(models.TextChoices):
        SHIPPED = "shipped", "Shipped, not invoiced"
        OTHER = "other", "Other commitment"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reference = models.CharField(max_length=100, help_text="The delivery note, contract or document")
    currency = models.CharField(max_length=3)
    amount = AmountField()
    valid_from = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500)
    recorded_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["customer", "valid_from"])]
        constraints = [models.UniqueConstraint(fields=["company", "kind", "reference"],
                                               condition=Q(ended_on__isnull=True), name="one_open_commitment")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class CreditStanding(models.Model):
    """A customer's (or a corporate group's) exposure against one of its limits, stored when something
    changes (an order checked, a limit approved, an import, a statement, the daily run) so that
    "everyone over 90 % of their limit" is one indexed query. Every customer has one row for all
    companies (with its all-companies limit if it has one, else in the policy currency and without
    a limit), one more per limit for a single company, and a group's top one per group pool.

    ``key`` names the row: customer id, ``c`` (own) or ``g`` (group), company id or ``*``.
    """

    key = models.CharField(max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    for_group = models.BooleanField(default=False)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    limit = models.ForeignKey(CreditLimit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    currency = models.CharField(max_length=3)
    limit_amount = AmountField(null=True, blank=True)  # type: ignore[misc]  # no limit: None
    expires_on = models.DateField(null=True, blank=True)
    risk_class = models.CharField(max_length=10, blank=True, default="")
    receivables = AmountField(default=0)
    orders = AmountField(default=0)
    cover = AmountField(default=0)
    commitments = AmountField(default=0)
    exposure = AmountField(default=0)
    uncovered = AmountField(default=0)
    #: uncovered exposure as a percentage of the limit (None without a positive limit)
    utilisation = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    headroom = AmountField(null=True, blank=True)  # type: ignore[misc]
    overdue = AmountField(default=0)
    oldest_overdue_days = models.IntegerField(default=0)
    #: why the figures could not be computed (a missing FX rate), else empty
    problem = models.CharField(max_length=300, blank=True, default="")
    as_of = models.DateField()
    refreshed_at = models.DateTimeField()

    class Meta:
        ordering = ["-utilisation", "customer_id"]
        indexes = [models.Index(fields=["utilisation"]), models.Index(fields=["headroom"]),
                   models.Index(fields=["customer"]), models.Index(fields=["risk_class", "utilisation"]),
                   models.Index(fields=["expires_on"]), models.Index(fields=["exposure"])]

    def __str__(self) -> str:
        return f"Credit standing {self.key}"


class StressScenario(models.Model):
    """A saved stress test: PD multipliers by country and industry, a payment delay, defaults of
    named customers or groups, FX moves (``settings``, checked by the service). Changes are audited;
    a scenario is archived, not deleted."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=500, blank=True, default="")
    settings = models.JSONField(default=dict)
    archived = models.BooleanField(default=False)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.CharField(max_length=150)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["archived", "name"]

    def __str__(self) -> str:
        return f"Stress scenario {self.name}"
class CreditReview(models.Model):
    """A periodic (or requested) look at a customer's credit: opened when due, completed with the facts
    of that moment and a decision (keep, raise, lower, block); a limit change or a block goes through
    an approval request."""

    class Trigger(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled review"
        LIMIT_EXPIRING = "limit_expiring", "Limit expiring"
        LIMIT_EXPIRED = "limit_expired", "Limit expired"
        ALERT = "alert", "Monitoring alert"
        REQUESTED = "requested", "Started by hand"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Outcome(models.TextChoices):
        KEEP = "keep", "Keep the limit"
        RAISE = "raise", "Raise the limit"
        LOWER = "lower", "Lower the limit"
        BLOCK = "block", "Block the customer"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    #: why it was opened by hand (or by which alert)
    reason = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.CharField(max_length=150)
    opened_at = models.DateTimeField(auto_now_add=True)
    #: the figures when the review was completed, as strings of Decimals (limit's currency)
    facts = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")
    new_risk_class = models.CharField(max_length=10, blank=True, default="")
    proposed_amount = OptionalAmountField(blank=True)
    proposed_currency = models.CharField(max_length=3, blank=True, default="")
    note = models.CharField(max_length=1000, blank=True, default="")
    reviewed_by = models.CharField(max_length=150, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)
    #: the approval request filed for a limit change or a block
    approval_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["customer"], condition=Q(status="open"),
                                               name="one_open_review_per_customer")]
        indexes = [models.Index(fields=["status", "due_on"]), models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"Credit review of {self.customer.name} due {self.due_on}"


# --------------------------------------------------------------------------- monitoring and alerts


class CustomerOwner(models.Model):
    """Who looks after a customer's credit: their alerts come to this person's inbox."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_by = models.CharField(max_length=150)
    set_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["owner"])]

    def __str__(self) -> str:
        return f"Owner of customer {self.customer_id}"


class Alert(models.Model):
    """A condition that needs a person's attention (a limit nearly used, overdue growing…), raised once
    while the condition lasts. The run that raised it marks it ``cleared`` when the condition stops;
    a person acknowledges, assigns or resolves it with a note. A condition has at most one alert whose
    condition has not cleared (``cleared_at`` empty), resolved or not: resolving an alert whose
    condition still holds does not bring it back at the next run."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"
        CLEARED = "cleared", "Cleared (no longer true)"

    class Severity(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    condition_key = models.CharField(max_length=120)
    kind = models.CharField(max_length=30)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    #: 0 high, 1 medium, 2 low (the inbox sorts by it)
    severity_rank = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=400)
    facts = models.JSONField(default=dict)
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.OPEN)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    raised_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["severity_rank", "raised_at", "id"]
        constraints = [models.UniqueConstraint(fields=["condition_key"], condition=Q(cleared_at__isnull=True),
                                               name="one_live_alert_per_condition")]
        indexes = [models.Index(fields=["status", "severity_rank", "raised_at"]),
                   models.Index(fields=["customer", "status"]), models.Index(fields=["assigned_to", "status"]),
                   models.Index(fields=["kind", "cleared_at"])]

    def __str__(self) -> str:
        return f"Alert {self.pk}: {self.title[:60]}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.ACKNOWLEDGED)


class AlertNote(models.Model):
    """What a person did with an alert, and why."""

    class Action(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        ASSIGNED = "assigned", "Assigned"
        RESOLVED = "resolved", "Resolved"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=14, choices=Action.choices)
    text = models.CharField(max_length=1000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} alert {self.alert_id}"


class AlertDigest(models.Model):
    """One e-mail digest sent to a user on a day (never two the same day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]

    def __str__(self) -> str:
        return f"Alert digest of {self.day}"
