"""URLs of the cash application pages (named in the ``web`` namespace, where they are mounted)."""

from django.urls import path

from credere.cashapp.views import policy, statements, workbench

urlpatterns = [
    path("cash/statements/", statements.statements, name="cash-statements"),
    path("cash/statements/<int:pk>/", statements.statement_file, name="cash-file"),
    path("cash/statements/<int:pk>/status/", statements.statement_file_status, name="cash-file-status"),
    path("cash/statements/<int:pk>/download/", statements.statement_file_download, name="cash-file-download"),
    path("cash/statements/<int:pk>/match/", statements.statement_file_match, name="cash-file-match"),
    path("cash/statements/<int:pk>/statements/<int:statement_pk>/acknowledge/", statements.statement_acknowledge,
         name="cash-statement-acknowledge"),
    path("cash/workbench/", workbench.workbench, name="cash-workbench"),
    path("cash/workbench/payments/<int:pk>/", workbench.workbench_panel, name="cash-panel"),
    path("cash/workbench/payments/<int:pk>/items/", workbench.workbench_items, name="cash-items"),
    path("cash/workbench/payments/<int:pk>/match/", workbench.manual_match, name="cash-manual-match"),
    path("cash/workbench/payments/<int:pk>/on-account/", workbench.put_on_account, name="cash-on-account"),
    path("cash/workbench/payments/<int:pk>/run/", workbench.match_payment, name="cash-match-payment"),
    path("cash/workbench/run-not-looked-at/", workbench.match_not_looked_at, name="cash-match-not-looked-at"),
    path("cash/returns/<int:pk>/pair/", workbench.return_pair, name="cash-return-pair"),
    path("cash/returns/<int:pk>/dismiss/", workbench.return_dismiss, name="cash-return-dismiss"),
    path("cash/workbench/proposals/<int:pk>/accept/", workbench.accept, name="cash-accept"),
    path("cash/workbench/proposals/<int:pk>/undo/", workbench.undo, name="cash-undo"),
    path("cash/policy/", policy.policy, name="cash-policy"),
    path("cash/customers/<int:pk>/bank-accounts/", workbench.add_bank_account, name="cash-customer-account"),
    path("cash/customers/<int:pk>/learned/forget/", workbench.forget_learned, name="cash-forget-learned"),
    path("cash/workbench/payments/<int:pk>/release/", workbench.release_on_account, name="cash-release"),
]
