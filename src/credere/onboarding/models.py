"""Credit applications: what a prospect (or a customer asking for more) tells us, the documents and statements
they give, every automated and human decision with its inputs, and the onboarding policy in force.

The applicant never logs in: a secret link (its token is kept only as a hash) opens their application, and
expires. Personal data — the contact person, the bank account, owners and the people behind trade references —
is encrypted at rest like the ledger's (``EncryptedTextField``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from credere.core.fields import AmountField, EncryptedTextField
from credere.ledger.models import Company, Customer


class OnboardingPolicyVersion(models.Model):
    """The scorecard, the limit and terms rules and the decision rules: one version in force at a time."""

    version = models.PositiveIntegerField(unique=True)
    settings = models.JSONField()
    effective_from = models.DateTimeField()
    note = models.CharField(max_length=300)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Onboarding policy version {self.version}"


class Invitation(models.Model):
    """A personal link staff send a prospect (or a customer, for a higher limit), with what we know pre-filled."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    prospect_name = models.CharField(max_length=200, help_text="The company invited, pre-filled in the form")
    email = EncryptedTextField(kind="email", max_length=254, blank=True, default="")
    contact_name = EncryptedTextField(kind="name", max_length=200, blank=True, default="")
    language = models.CharField(max_length=8, default="en")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="An existing customer asking for a higher limit")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.prospect_name}"


class CreditApplication(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECEIVED = "received", "Received"
        IN_REVIEW = "in_review", "In review"
        INFO_REQUESTED = "info_requested", "More information needed"
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Kind(models.TextChoices):
        NEW = "new", "New customer"
        INCREASE = "increase", "Limit increase"

    reference = models.CharField(max_length=20, unique=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+",
                                help_text="Our company the applicant wants to buy from")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.NEW)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="The existing customer (limit increase), or the one created on approval")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's secret: finds it")
    #: the secret itself, encrypted with the data key, so that e-mails can carry the same link again
    token_sealed = EncryptedTextField(kind="identifier", max_length=100, default="")
    token_expires_at = models.DateTimeField()
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # what the queue lists and sorts by (not personal data)
    legal_name = models.CharField(max_length=200, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    currency = models.CharField(max_length=3, blank=True, default="")
    requested_limit = AmountField(null=True, blank=True)  # type: ignore[misc]  # not given yet: None
    #: the company's answers (legal form, identifiers, address, industry, volumes, terms…) as entered
    answers = models.JSONField(default=dict, blank=True)
    #: the financial statements: {"currency", "unit", "years": [{line: amount, "year"}…]}
    statements = models.JSONField(default=dict, blank=True)
    # personal data, encrypted at rest
    contact_name = EncryptedTextField(kind="name", max_length=200, blank=True, default="")
    contact_email = EncryptedTextField(kind="email", max_length=254, blank=True, default="")
    contact_phone = EncryptedTextField(kind="phone", max_length=40, blank=True, default="")
    iban = EncryptedTextField(kind="account", max_length=40, blank=True, default="")
    people = EncryptedTextField(kind="name", blank=True, default="",
                                help_text="JSON: owners and trade-reference contacts (people's names, e-mails)")
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.CharField(max_length=500, blank=True, default="")
    # the latest assessment (the decisions below keep every one)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_class = models.CharField(max_length=10, blank=True, default="")
    pd = models.FloatField(null=True, blank=True)
    recommended_limit = AmountField(null=True, blank=True)  # type: ignore[misc]  # not assessed: None
    recommended_terms_days = models.PositiveIntegerField(null=True, blank=True)
    sanctions_hits = models.PositiveIntegerField(default=0)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approval_request_id = models.BigIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="When a person should have decided (SLA)")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["legal_name"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.legal_name}".strip()


class ApplicationDocument(models.Model):
    """A file the applicant (or staff) attached: stored outside the web root, never served inline."""

    class Kind(models.TextChoices):
        STATEMENTS = "statements", "Financial statements"
        REGISTRATION = "registration", "Register extract"
        IDENTITY = "identity", "Identity document"
        BANK = "bank", "Bank letter"
        OTHER = "other", "Other"

    application = models.ForeignKey(CreditApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=300, help_text="Relative to the document store")
    uploaded_by = models.CharField(max_length=150, help_text="'applicant' or the staff user")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class ApplicationEvent(models.Model):
    """The application's history as the applicant and staff see it (decisions are audited besides)."""

    application = models.ForeignKey(CreditApplication, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150, help_text="A staff user, 'applicant' or 'Credere'")
    kind = models.CharField(max_length=30)
    text = models.CharField(max_length=2000)
    #: shown to the applicant on their status page
    public = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"


class Decision(models.Model):
    """An assessment or a decision, with every input it used, reproducible as of its date."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", "Approve"
        REFER = "refer", "Refer to a person"
        DECLINE = "decline", "Decline"

    application = models.ForeignKey(CreditApplication, on_delete=models.CASCADE, related_name="decisions")
    at = models.DateTimeField(auto_now_add=True)
    automatic = models.BooleanField()
    decided_by = models.CharField(max_length=150)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    score = models.PositiveSmallIntegerField()
    risk_class = models.CharField(max_length=10)
    pd = models.FloatField(null=True, blank=True)
    limit = AmountField()
    currency = models.CharField(max_length=3)
    terms_days = models.PositiveIntegerField()
    #: [{code, points, max, text}] of the scorecard, then the rules that fired
    reasons = models.JSONField(default=list)
    rules = models.JSONField(default=list)
    explanation = models.JSONField(default=dict, blank=True, help_text="The default model's factors")
    facts = models.JSONField(default=dict)
    inputs_sha256 = models.CharField(max_length=64, help_text="Hash of the answers and statements decided on")
    model_version = models.CharField(max_length=40, blank=True, default="")
    policy_version = models.PositiveIntegerField(null=True, blank=True, help_text="None: the defaults")
    note = models.CharField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.application.reference}"


class SanctionsList(models.Model):
    """One import of a published sanctions list (the newest of each source is the one screened against)."""

    source = models.CharField(max_length=10, help_text="eu, ofac, uk or un")
    name = models.CharField(max_length=200)
    published = models.CharField(max_length=40, blank=True, default="", help_text="As the file gives it")
    sha256 = models.CharField(max_length=64)
    entries_count = models.PositiveIntegerField(default=0)
    imported_by = models.CharField(max_length=150)
    imported_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.published or 'publication date not given'})"


class SanctionsEntry(models.Model):
    """A listed person, entity or vessel, as the list publishes it."""

    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.CASCADE, related_name="entries")
    reference = models.CharField(max_length=60)
    kind = models.CharField(max_length=10)
    name = models.CharField(max_length=500)
    aliases = models.JSONField(default=list)
    weak_aliases = models.JSONField(default=list, help_text="The aliases the list calls weak (also in aliases)")
    countries = models.JSONField(default=list)
    programmes = models.JSONField(default=list)
    identifiers = models.JSONField(default=list)
    listed_on = models.DateField(null=True, blank=True)
    remark = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ScreeningHit(models.Model):
    """A possible match of a name of the application (the company, an owner, the parent) on a list, for a
    person to clear (not the same) or confirm (the same: the application is declined)."""

    class Status(models.TextChoices):
        OPEN = "open", "To review"
        CLEARED = "cleared", "Cleared: not the same"
        CONFIRMED = "confirmed", "Confirmed match"

    application = models.ForeignKey(CreditApplication, on_delete=models.CASCADE, related_name="hits")
    entry = models.ForeignKey(SanctionsEntry, on_delete=models.PROTECT, related_name="+")
    screened_name = models.CharField(max_length=300, help_text="The application's name that matched")
    screened_role = models.CharField(max_length=20, help_text="company, owner or parent")
    matched_name = models.CharField(max_length=500)
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.CharField(max_length=150, blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "entry", "screened_name"],
                                               name="one_hit_per_name_and_entry")]

    def __str__(self) -> str:
        return f"{self.screened_name} ~ {self.matched_name} ({self.score})"


class EnrichmentPull(models.Model):
    """One answer of an outside service about an application (VIES, GLEIF, a credit bureau): what was asked,
    when, by whom, the answer as received and what Credere read from it. Refreshing adds a pull."""

    class Status(models.TextChoices):
        OK = "ok", "Answered"
        NOT_FOUND = "not_found", "Not found"
        ERROR = "error", "Could not be reached"

    application = models.ForeignKey(CreditApplication, on_delete=models.CASCADE, related_name="pulls")
    provider = models.CharField(max_length=40)
    version = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices)
    request = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    raw = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    pulled_by = models.CharField(max_length=150)
    pulled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-pulled_at", "-id"]
        indexes = [models.Index(fields=["application", "provider", "pulled_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.get_status_display().lower()}"
