"""Personal data in the browser (administrators: ``manage_personal_data``): for a customer, what is held,
an export (JSON or a readable page) and the erasure; for a person found by e-mail address, the same."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from credere.core.errors import BusinessError
from credere.ledger import privacy_export, selectors
from credere.ledger.models import Customer
from credere.ledger.services import privacy
from credere.web.access import page
from credere.web.forms import FormErrors


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in counts.items() if n) or "nothing was held"


@page("manage_personal_data")
def customer_personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None:
        return render(request, "web/404.html", {"message": f"There is no customer with id {pk}."}, status=404)
    errors = FormErrors(known=frozenset({"reason", "confirm"}))
    fmt = request.GET.get("export")
    if fmt in privacy_export.FORMATS:
        return privacy_export.download(privacy.export_customer(actor=request.user, account_number=customer.account_number), fmt)
    reason, erase_name = "", False
    if request.method == "POST":
        reason = (request.POST.get("reason") or "").strip()
        erase_name = request.POST.get("name") == "1"
        if request.POST.get("confirm") != "1":
            errors.add("confirm", "Tick the box to confirm: an erasure cannot be undone.")
        else:
            try:
                counts = privacy.erase_customer(actor=request.user, account_number=customer.account_number,
                                                reason=reason, name=erase_name)
            except BusinessError as exc:
                errors.add_error(exc)
            else:
                messages.success(request, f"Personal data of {customer.account_number} erased: "
                                          f"{_counts_text(counts)}.")
                return redirect("web:customer-personal-data", pk=customer.pk)
    return render(request, "ledger/privacy/customer.html", {
        "customer": customer, "held": selectors.held_counts(customer), "errors": errors, "reason": reason,
        "erase_name": erase_name,
    }, status=422 if errors else 200)


@page("manage_personal_data")
def person_personal_data(request: HttpRequest) -> HttpResponse:
    errors = FormErrors(known=frozenset({"email", "reason", "confirm"}))
    email = (request.POST.get("email") or request.GET.get("email") or "").strip()[:254]
    fmt = request.GET.get("export")
    contacts = []
    if email:
        try:
            if fmt in privacy_export.FORMATS:
                return privacy_export.download(privacy.export_person(actor=request.user, email=email), fmt)
            contacts = selectors.contacts_by_email(email)
        except BusinessError as exc:
            errors.add_error(exc)
    reason = ""
    if request.method == "POST":
        reason = (request.POST.get("reason") or "").strip()
        if request.POST.get("confirm") != "1":
            errors.add("confirm", "Tick the box to confirm: an erasure cannot be undone.")
        else:
            try:
                counts = privacy.erase_person(actor=request.user, email=email, reason=reason)
            except BusinessError as exc:
                errors.add_error(exc)
            else:
                messages.success(request, f"Personal data of {email} erased: {_counts_text(counts)}.")
                return redirect("web:person-personal-data")
    return render(request, "ledger/privacy/person.html", {
        "email": email, "contacts": contacts, "errors": errors, "reason": reason, "searched": bool(email),
    }, status=422 if errors else 200)
