from django.contrib import admin

from credere.core.admin_readonly import ReadOnlyAdmin
from credere.ledger.models import Allocation, Company, Contact, Customer, FxRate, OpenItem, Payment, PaymentTerms


@admin.register(Company)
class CompanyAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "base_currency", "country")


@admin.register(PaymentTerms)
class PaymentTermsAdmin(ReadOnlyAdmin):
    list_display = ("code", "net_days", "discount_days", "discount_rate", "description")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("account_number", "name", "country", "industry_code", "status", "parent")
    list_filter = ("status", "country")
    search_fields = ("account_number", "name", "tax_id")
    list_select_related = ("parent",)


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("name", "customer", "role", "email", "phone")
    search_fields = ("name", "email")


@admin.register(OpenItem)
class OpenItemAdmin(ReadOnlyAdmin):
    list_display = ("document_number", "document_type", "company", "customer", "due_date", "currency", "amount",
                    "open_amount")
    list_filter = ("document_type", "company", "currency")
    search_fields = ("document_number", "order_reference", "customer_reference", "customer__account_number")
    list_select_related = ("company", "customer")
    date_hierarchy = "due_date"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "company", "customer", "received_on", "currency", "amount", "unapplied_amount",
                    "payer_name")
    list_filter = ("company", "currency")
    search_fields = ("reference", "payer_name", "reference_text")
    list_select_related = ("company", "customer")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "target", "payment", "credit_note", "amount", "applied_on", "reversed_on")
    list_select_related = ("target", "payment", "credit_note")


@admin.register(FxRate)
class FxRateAdmin(ReadOnlyAdmin):
    list_display = ("rate_date", "base", "quote", "rate")
    list_filter = ("base", "quote")
