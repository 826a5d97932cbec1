"""Cash application: statements and their transactions, what Credere learned about payers,
the matching policy, and every matching run with its proposals.

Nothing here is ever deleted by the services: a file a user gave is kept with its bytes, a
transaction with its source text, a proposal that was undone keeps its history.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from credere.core.fields import AmountField, EncryptedTextField, OptionalAmountField
from credere.ledger.models import Company, Customer, OpenItem, Payment


class BankAccount(models.Model):
    """One of a company's own bank accounts: statements arrive for it."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="bank_accounts")
    #: IBAN or account number, upper case, letters and digits only.
    account = models.CharField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    name = models.CharField(max_length=100, blank=True, default="")
    #: Column mapping of this bank's CSV exports (see adapters.bankfiles.csvfile.CsvMapping).
    csv_mapping = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account"]

    def __str__(self) -> str:
        return f"{self.account} ({self.company.code})"


class StatementFile(models.Model):
    """A statement file as uploaded, kept byte for byte."""

    filename = models.CharField(max_length=255, blank=True, default="")
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    statements = models.PositiveIntegerField(default=0)
    transactions_new = models.PositiveIntegerField(default=0)
    transactions_known = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename or f"statement file {self.pk}"


class StatementUpload(models.Model):
    """A big statement file handed to the background worker (so that its import does not hold a web
    request, nor the database's write lock, for long): kept until the worker has imported it."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        IMPORTING = "importing", "Being imported"
        DONE = "done", "Imported"
        FAILED = "failed", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255, blank=True, default="")
    data = models.BinaryField(default=b"")
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    match = models.BooleanField(default=True)
    strict = models.BooleanField(default=False)
    #: "web" (the statements page) or "api"
    source = models.CharField(max_length=10, default="web")
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    file = models.ForeignKey(StatementFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: what the import found (the API's answer to a small file: statements, transactions, payments, flags)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"statement upload {self.filename} ({self.get_state_display()})"


class Statement(models.Model):
    file = models.ForeignKey(StatementFile, on_delete=models.PROTECT, related_name="statement_set")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    statement_id = models.CharField(max_length=100, blank=True, default="")
    format = models.CharField(max_length=40)
    kind = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    created = models.DateTimeField(null=True, blank=True)
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    opening_balance = OptionalAmountField()
    closing_balance = OptionalAmountField()
    #: The statement's own figures do not add up (closing balance, MT942 totals, BAI2 control totals); its
    #: transactions were imported all the same, and a clerk acknowledges the difference.
    flagged = models.BooleanField(default=False)
    #: The opening balance plus the statement's entries (all of them, including those already known).
    expected_closing = OptionalAmountField()
    #: The stated closing balance minus ``expected_closing``, when they differ.
    balance_difference = OptionalAmountField()
    #: Each disagreement: location, what, expected, stated, difference (amounts as strings), message.
    discrepancies = models.JSONField(default=list, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    acknowledgement_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]

    @property
    def needs_acknowledgement(self) -> bool:
        return self.flagged and self.acknowledged_at is None

    def __str__(self) -> str:
        return f"Statement {self.statement_id or self.pk} of {self.bank_account.account}"


class BankTransaction(models.Model):
    """One booking on a statement. ``key`` is its stable identity across files."""

    key = models.CharField(max_length=32, unique=True)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="transactions")
    bank_account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="transactions")
    booking_date = models.DateField()
    value_date = models.DateField(null=True, blank=True)
    #: Signed: positive is money in.
    amount = AmountField()
    currency = models.CharField(max_length=3)
    counterparty_name = models.CharField(max_length=200, blank=True, default="")
    #: encrypted at rest (credere.core.crypto); equality search works
    counterparty_account = EncryptedTextField(max_length=60, blank=True, default="", kind="account")
    remittance = models.TextField(blank=True, default="")
    references = models.JSONField(default=list, blank=True)
    bank_reference = models.CharField(max_length=100, blank=True, default="")
    end_to_end_id = models.CharField(max_length=100, blank=True, default="")
    type_code = models.CharField(max_length=60, blank=True, default="")
    raw = models.TextField(blank=True, default="")
    #: A returned payment: why, as the bank says it, and what the returned payment was known by.
    return_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    returned_reference = models.CharField(max_length=100, blank=True, default="", db_default="")
    #: The ledger payment recorded for an incoming transaction.
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="bank_transaction")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["booking_date", "id"]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency} {self.counterparty_name}".strip()


class PaymentReturn(models.Model):
    """A payment the bank sent back (a return or a reversal on a statement): paired with the payment it returns,
    whose allocations are then reversed, or waiting in the workbench for a clerk to pair or dismiss."""

    class Status(models.TextChoices):
        PAIRED = "paired", "Paired: the payment is reversed"
        UNPAIRED = "unpaired", "Not paired yet"
        DISMISSED = "dismissed", "Dismissed by a clerk"

    transaction = models.OneToOneField(BankTransaction, on_delete=models.PROTECT, related_name="payment_return")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_return")
    #: Positive: the money that went back.
    amount = AmountField()
    currency = models.CharField(max_length=3)
    returned_on = models.DateField()
    returned_reference = models.CharField(max_length=100, blank=True, default="")
    #: Why, in words (``AC04: the account is closed``).
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True, default="")
    decided_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-returned_on", "-id"]
        indexes = [models.Index(fields=["status", "returned_on"])]

    def __str__(self) -> str:
        return f"Return of {self.amount} {self.currency} on {self.returned_on}"


class RemittanceAdvice(models.Model):
    """What a payer says a payment settles: from a statement entry or a remittance advice file."""

    class Source(models.TextChoices):
        STATEMENT = "statement", "Statement entry"
        FILE = "file", "Remittance advice file"

    source = models.CharField(max_length=10, choices=Source.choices)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="remittance_advices")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+")
    payer_name = models.CharField(max_length=200, blank=True, default="")
    payment_reference = models.CharField(max_length=100, blank=True, default="")
    payment_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    amount = OptionalAmountField()
    filename = models.CharField(max_length=255, blank=True, default="")
    row = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Remittance advice {self.payment_reference or self.pk}"


class RemittanceLine(models.Model):
    advice = models.ForeignKey(RemittanceAdvice, on_delete=models.CASCADE, related_name="lines")
    document_number = models.CharField(max_length=60)
    amount = OptionalAmountField()
    deduction = OptionalAmountField()
    note = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Remittance line {self.document_number}"


class CustomerBankAccount(models.Model):
    """A bank account a customer pays from: learned from matches or entered by a clerk."""

    class Source(models.TextChoices):
        LEARNED = "learned", "Learned from a match"
        MANUAL = "manual", "Entered by a clerk"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    #: encrypted at rest (deterministically: the uniqueness and equality search still hold)
    account = EncryptedTextField(max_length=60, unique=True, kind="account")
    source = models.CharField(max_length=10, choices=Source.choices)
    #: Seen paying for another customer too (a parent company, a payment service): it then
    #: identifies neither, and matching relies on references and names.
    shared = models.BooleanField(default=False)
    learned_from = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "id"]  # (the account is encrypted: its order means nothing)

    def __str__(self) -> str:
        from credere.domain.masking import mask_account

        return mask_account(self.account)  # (kept in the audit trail's object names: masked)


class PayerAlias(models.Model):
    """A name a customer's payments arrive under ("NWL SOLUTIONS" for Northwind Logistics Ltd)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="payer_aliases")
    name = models.CharField(max_length=200)
    #: The name normalised as the matching engine does (legal forms, case, punctuation).
    key = models.CharField(max_length=200, unique=True)
    learned_from = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name


class PayerReference(models.Model):
    """A reference a customer writes on payments that names them, not a document: their customer
    number with us, a contract number. Learned from clerks' matches; ``customer`` is empty once two
    customers were seen writing it (it then identifies neither)."""

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="payer_references")
    #: Normalised as the matching engine normalises references.
    key = models.CharField(max_length=100, unique=True)
    example = models.CharField(max_length=300, blank=True, default="")
    learned_from = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class PayerLesson(models.Model):
    """What one decision taught about a payer: that a bank account, a bank-written name or a
    reference is this customer's. The learned accounts, names and references are derived from the
    lessons still standing (:func:`credere.cashapp.services.learning.settle`), so undoing a decision
    takes back exactly what it taught, unless another standing decision taught the same."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "Bank account"
        NAME = "name", "Payer name"
        REFERENCE = "reference", "Reference"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    #: normalised as the matching engine normalises it (the learned row's key)
    key = models.CharField(max_length=200)
    #: what the payment said (the account, name or text as written)
    label = models.CharField(max_length=300, blank=True, default="")
    #: empty: another customer, from before lessons were kept (the row was shared or ambiguous)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: the decision: "proposal:<id>", "on_account:<id>", or "" (from before lessons were kept)
    decision = models.CharField(max_length=40, blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True, default="")
    undone_reason = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "key"]), models.Index(fields=["decision"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label or self.key}"


class MatchingPolicyVersion(models.Model):
    """One version of the matching policy; the newest whose ``effective_from`` has passed applies."""

    version = models.PositiveIntegerField(unique=True)
    settings = models.JSONField()
    effective_from = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Matching policy v{self.version}"


class MatchRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    trigger = models.CharField(max_length=20)
    actor = models.CharField(max_length=150)
    policy = models.ForeignKey(MatchingPolicyVersion, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="runs")
    statement_file = models.ForeignKey(StatementFile, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="runs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    #: Written by the run as it goes (every chunk): a running run with no sign of life for a while was
    #: stopped with its worker, and is recovered (:func:`credere.cashapp.services.runs.recover_stale_runs`).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: the ``credere worker`` running it ("" when run by a web request or a command): a run whose worker's
    #: lease lapsed is recovered without waiting for its heartbeat to go stale
    worker_id = models.CharField(max_length=40, blank=True, default="", db_default="")
    finished_at = models.DateTimeField(null=True, blank=True)
    payments = models.PositiveIntegerField(default=0)
    applied = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Matching run {self.pk}"


class MatchProposal(models.Model):
    """What the engine (or a clerk) proposed for one payment, and what became of it."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Applied automatically"
        SUGGESTED = "suggested", "Suggested"
        UNMATCHED = "unmatched", "Nothing found"
        ACCEPTED = "accepted", "Accepted by a clerk"
        MANUAL = "manual", "Matched by hand"
        SUPERSEDED = "superseded", "Superseded by a later run"
        UNDONE = "undone", "Undone"

    #: Waiting for a clerk: a suggestion, or nothing found (a payment has at most one).
    OPEN_STATUSES = (Status.SUGGESTED, Status.UNMATCHED)
    #: In force on the payment: applied by the engine, accepted or made by a clerk (undoable).
    APPLIED_STATUSES = (Status.APPLIED, Status.ACCEPTED, Status.MANUAL)

    run = models.ForeignKey(MatchRun, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="match_proposals")
    status = models.CharField(max_length=12, choices=Status.choices)
    confidence = models.DecimalField(max_digits=5, decimal_places=4, default=0)
    reasons = models.JSONField(default=list)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unapplied = AmountField()
    note = models.CharField(max_length=300, blank=True, default="")
    decided_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["payment", "status"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"Proposal {self.pk} for {self.payment_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ProposalLine(models.Model):
    proposal = models.ForeignKey(MatchProposal, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="+")
    #: Item currency; negative for a credit note netted against the invoices.
    amount = AmountField()
    #: The same in the payment's currency.
    payment_amount = AmountField()
    discount = AmountField(default=0)
    deduction = AmountField(default=0)
    #: Allocations made when the line was applied (payment to item, or credit note to invoice).
    allocations = models.ManyToManyField("ledger.Allocation", blank=True, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.amount} to item {self.item_id}"


class Adjustment(models.Model):
    """Money left open on an item by a match, to be resolved: a deduction, a cash discount, bank charges."""

    class Kind(models.TextChoices):
        DEDUCTION = "deduction", "Deduction (short payment)"
        DISCOUNT = "discount", "Cash discount taken"
        BANK_CHARGES = "bank_charges", "Bank charges"
        SMALL_DIFFERENCE = "small_difference", "Small difference (rounding, bank fees)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CANCELLED = "cancelled", "Cancelled"

    item = models.ForeignKey(OpenItem, on_delete=models.PROTECT, related_name="adjustments")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="adjustments")
    proposal = models.ForeignKey(MatchProposal, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = AmountField(help_text="In the item's currency")
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class OnAccount(models.Model):
    """A payment a clerk kept unapplied on a customer's account, out of the workbench queue."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="on_account")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True, default="")
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["payment"], condition=models.Q(released_at__isnull=True),
                                               name="one_open_on_account_per_payment")]


    def __str__(self) -> str:
        return f"{self.payment} kept on account"
