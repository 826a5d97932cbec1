"""Requests that need an approver: what is asked, by whom and why, and who decided.

Reusable: a context files a request of its own ``kind`` (``credit_limit`` today, credit
applications next) with the amount and risk class the approval matrix routes on, and a
payload it will apply when the request is approved (see :mod:`credere.approvals.kinds`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from credere.core.fields import AmountField


class ApprovalRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=40)
    #: the record the request is about, as ``app.model`` and id (a customer for a credit limit)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=40)
    #: a sentence for people: "Credit limit of Helios Holding AG: 100,000.00 → 150,000.00 EUR"
    summary = models.CharField(max_length=300)
    amount = AmountField(help_text="What the matrix routes on, in its currency")
    currency = models.CharField(max_length=3)
    risk_class = models.CharField(max_length=10, blank=True, default="")
    #: what approving applies (the context's own data, JSON)
    payload = models.JSONField(default=dict)
    #: the facts at the moment of the request (exposure, limit in force…), for the approver and the history
    facts = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    #: who must decide, as the matrix routed it when the request was made ("credit_manager"…)
    required_role = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "requested_at"]), models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return self.summary
