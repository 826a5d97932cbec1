"""Roles and what each may do. One table, used by the API, the CLI and the web pages.

Each *action* is a Django permission ``identity.<action>``; each role is a Django group
holding a set of actions. :func:`credere.identity.authz.authorize` is the one check.
"""

from __future__ import annotations

ACTIONS: dict[str, str] = {
    "view_ledger": "View customers, open items, payments and reports",
    "export_data": "Export entities and reports to CSV/XLSX",
    "edit_customers": "Create and change customers and contacts",
    "edit_items": "Create and change open items (invoices, credit and debit notes)",
    "edit_payments": "Record payments received",
    "allocate": "Allocate payments and credit notes to items, and reverse allocations",
    "edit_fx": "Load and change FX rates",
    "edit_mappings": "Save import header mappings",
    "import_statements": "Import bank statements and remittance advices, and run cash matching",
    "edit_matching_policy": "Change the cash-matching policy",
    "view_audit": "Browse and export the audit trail",
    "verify_audit": "Verify the audit chain",
    "manage_users": "Create users, assign roles and issue API tokens",
    "view_credit": "See credit limits, exposure, held orders and approval requests",
    "check_credit": "Send orders and ask for order credit checks (ERP integrations)",
    "request_limits": "Request credit limits and set risk classes",
    "decide_approvals": "Decide approval requests within the approval matrix",
    "release_orders": "Release or reject held orders within the approval matrix",
    "edit_credit_policy": "Change the credit policy and the approval matrix",
    "view_personal_data": "See bank accounts, tax and registration ids and contact details in full (without it "
                          "they are shown masked)",
    "manage_personal_data": "Export and erase the personal data held about a customer or a person",
}

ROLES: dict[str, tuple[str, list[str]]] = {
    "administrator": ("Administrator", list(ACTIONS)),
    "credit_manager": ("Credit manager", [
        "view_ledger", "export_data", "edit_customers", "edit_items", "allocate", "edit_fx",
        "edit_mappings", "import_statements", "edit_matching_policy",
        "view_credit", "check_credit", "request_limits", "decide_approvals", "release_orders", "edit_credit_policy",
        "view_personal_data",
    ]),
    "credit_analyst": ("Credit analyst", [
        "view_ledger", "export_data", "edit_customers",
        "view_credit", "check_credit", "request_limits", "decide_approvals", "release_orders", "view_personal_data",
    ]),
    "collector": ("Collector", ["view_ledger", "export_data", "view_credit", "view_personal_data"]),
    "cash_clerk": ("Cash-application clerk", [
        "view_ledger", "export_data", "edit_payments", "allocate", "edit_fx", "edit_mappings",
        "import_statements", "view_personal_data",
    ]),
    "sales": ("Sales (read-only)", ["view_ledger", "view_credit"]),
    "auditor": ("Auditor", ["view_ledger", "export_data", "view_audit", "verify_audit", "view_credit",
                            "view_personal_data"]),
}
