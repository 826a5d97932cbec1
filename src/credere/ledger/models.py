"""The receivables ledger: companies, customers, open items, payments, allocations, FX."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import validate_email
from django.db import models
from django.db.models import Q

from credere.core.fields import AmountField, EncryptedTextField


class Company(models.Model):
    """One of our legal entities; it owns receivables in its base currency."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    base_currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2, blank=True, default="")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PaymentTerms(models.Model):
    code = models.CharField(max_length=20, unique=True)
    description = models.CharField(max_length=200, blank=True, default="")
    net_days = models.PositiveIntegerField()
    discount_days = models.PositiveIntegerField(null=True, blank=True)
    discount_rate = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "payment terms"

    def __str__(self) -> str:
        return self.code


class CustomerStatus(models.TextChoices):
    """A customer's account status (the API names it so in its schema)."""

    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    BLOCKED = "blocked", "Blocked"
    CLOSED = "closed", "Closed"


class DocumentType(models.TextChoices):
    """What an open item is (the API names it so in its schema)."""

    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"
    DEBIT_NOTE = "debit_note", "Debit note"


class Customer(models.Model):
    Status = CustomerStatus

    account_number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    #: encrypted at rest (credere.core.crypto), masked for people who may not see personal data
    registration_id = EncryptedTextField(max_length=60, blank=True, default="", kind="identifier")
    tax_id = EncryptedTextField(max_length=60, blank=True, default="", kind="identifier")
    country = models.CharField(max_length=2, blank=True, default="")
    industry_code = models.CharField(max_length=10, blank=True, default="")
    language = models.CharField(max_length=8, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    payment_terms = models.ForeignKey(PaymentTerms, null=True, blank=True, on_delete=models.PROTECT)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account_number"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["parent"])]

    def __str__(self) -> str:
        return f"{self.account_number} {self.name}"


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    #: a person's details: encrypted at rest, masked for people who may not see personal data
    name = EncryptedTextField(max_length=200, kind="name")
    role = models.CharField(max_length=100, blank=True, default="")
    email = EncryptedTextField(max_length=254, blank=True, default="", kind="email", validators=[validate_email])
    phone = EncryptedTextField(max_length=40, blank=True, default="", kind="phone")

    class Meta:
        ordering = ["customer_id", "id"]  # (the name is encrypted: its order means nothing)

    def __str__(self) -> str:
        from credere.domain.masking import mask_name

        return mask_name(self.name)  # (kept in the audit trail's object names: initials only)


class OpenItem(models.Model):
    """An invoice, credit note or debit note. Amounts are signed (credit notes < 0)."""

    Type = DocumentType

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="items")
    document_type = models.CharField(max_length=12, choices=Type.choices)
    document_number = models.CharField(max_length=60)
    order_reference = models.CharField(max_length=60, blank=True, default="")
    billing_reference = models.CharField(max_length=60, blank=True, default="")
    customer_reference = models.CharField(max_length=100, blank=True, default="")
    document_date = models.DateField()
    posting_date = models.DateField()
    due_date = models.DateField()
    currency = models.CharField(max_length=3)
    amount = AmountField()
    #: Denormalised ``amount - allocated`` (invoices) or ``amount + used`` (credit notes),
    #: maintained only by the allocation services under row locks.
    open_amount = AmountField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "document_type", "document_number"], name="uniq_item_document"
            ),
            models.CheckConstraint(
                condition=(
                    Q(document_type="credit_note", amount__lt=0, open_amount__lte=0, open_amount__gte=models.F("amount"))
                    | (
                        ~Q(document_type="credit_note")
                        & Q(amount__gt=0, open_amount__gte=0, open_amount__lte=models.F("amount"))
                    )
                ),
                name="item_open_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "due_date"]),
            models.Index(fields=["document_number"]),
            # Aging as of today reads only open items: an index-only scan over ~15 % of the rows.
            models.Index(fields=["company", "posting_date", "customer", "currency", "due_date", "open_amount", "id"],
                         condition=~Q(open_amount=0), name="item_open_aging"),
            # Credit sales per day (DSO, CEI): index-only scan.
            models.Index(fields=["posting_date", "company", "currency", "amount"], name="item_sales"),
            # The invoices naming an order (an order's open value falls as it is invoiced): looked up
            # after every credit check and ledger change, one customer's orders at a time. With the
            # document type, so that SQLite prefers it to uniq_item_document (company, type) without
            # statistics, which would read every invoice of the company.
            models.Index(fields=["order_reference", "company", "document_type"], name="item_order_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.document_number}"

    @property
    def is_target(self) -> bool:
        return self.document_type != self.Type.CREDIT_NOTE


#: The start of the reference Credere gives a payment read from a bank statement (a key, not a name).
GENERATED_REFERENCE_PREFIX = "BT-"


class Payment(models.Model):
    """Money received from a customer (positive amount)."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="payments")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    reference = models.CharField(max_length=60, help_text="Unique per company (bank reference or ERP number)")
    received_on = models.DateField()
    currency = models.CharField(max_length=3)
    amount = AmountField()
    #: Denormalised amount - allocated, maintained by the allocation services.
    unapplied_amount = AmountField()
    payer_name = models.CharField(max_length=200, blank=True, default="")
    #: encrypted at rest (credere.core.crypto); equality search works
    payer_account = EncryptedTextField(max_length=60, blank=True, default="", kind="account")
    reference_text = models.TextField(blank=True, default="")
    #: The bank's own reference of a payment read from a statement (end-to-end id or bank reference).
    bank_reference = models.CharField(max_length=100, blank=True, default="", db_default="")
    #: The day the bank sent the money back (a returned payment: its allocations were reversed that day, and it
    #: takes no allocation any more), and why, in words.
    returned_on = models.DateField(null=True, blank=True)
    return_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "reference"], name="uniq_payment_reference"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, unapplied_amount__gte=0, unapplied_amount__lte=models.F("amount")),
                name="payment_unapplied_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["customer", "received_on"])]

    def __str__(self) -> str:
        return f"Payment {self.label}"

    @property
    def shown_reference(self) -> str:
        """The reference a person knows the payment by: the bank's or the ERP's, never Credere's own key."""
        if self.bank_reference:
            return self.bank_reference
        return "" if self.reference.startswith(GENERATED_REFERENCE_PREFIX) else self.reference

    @property
    def label(self) -> str:
        """A short name for lists and links: the reference, else who paid, else how much."""
        return self.shown_reference or (f"from {self.payer_name}" if self.payer_name else
                                        f"of {self.amount} {self.currency}")

    @property
    def title(self) -> str:
        """The reference, the payer and the amount (``RF18 5390 · Northwind Ltd · 1200.00 EUR``)."""
        return " · ".join(p for p in (self.shown_reference, self.payer_name, f"{self.amount} {self.currency}") if p)


class Allocation(models.Model):
    """Part of a payment or credit note applied to an invoice or debit note.

    Never deleted: a reversal sets ``reversed_on`` so that reports as of an earlier date
    still see it.
    """

    target = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        OpenItem, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_allocations"
    )
    amount = AmountField(help_text="In the target item's currency")
    source_amount = AmountField(help_text="In the payment's or credit note's currency")
    applied_on = models.DateField()
    reversed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["applied_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(payment__isnull=False, credit_note__isnull=True) | Q(payment__isnull=True, credit_note__isnull=False)),
                name="allocation_one_source",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0, source_amount__gt=0), name="allocation_positive"),
        ]
        indexes = [models.Index(fields=["applied_on"]), models.Index(fields=["reversed_on"])]

    def __str__(self) -> str:
        source = str(self.payment) if self.payment is not None else f"credit note {self.credit_note}"
        return f"Allocation of {self.amount} {self.target.currency} from {source} to {self.target.document_number}"

    @property
    def is_active(self) -> bool:
        return self.reversed_on is None


class FxRate(models.Model):
    """Units of ``quote`` per one unit of ``base`` on ``rate_date`` (ECB style: EUR→USD 1.08)."""

    rate_date = models.DateField()
    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-rate_date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["rate_date", "base", "quote"], name="uniq_fx_rate"),
            models.CheckConstraint(condition=Q(rate__gt=Decimal(0)), name="fx_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.rate_date} 1 {self.base} = {self.rate} {self.quote}"
