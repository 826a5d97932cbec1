"""URLs of the staff web application (mounted at the site root)."""

from django.urls import path

from credere.cashapp.urls import urlpatterns as cash_urls
from credere.web.views import audit, dashboard, imports, ledger, shell, users

app_name = "web"

urlpatterns = [
    path("", shell.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/figures/<slug:key>/", dashboard.figure, name="figure"),
    path("aging/", dashboard.aging, name="aging"),
    path("customers/", ledger.customers, name="customers"),
    path("customers/<int:pk>/", ledger.customer, name="customer"),
    path("items/", ledger.items, name="items"),
    path("items/<int:pk>/", ledger.item, name="item"),
    path("payments/", ledger.payments, name="payments"),
    path("payments/<int:pk>/", ledger.payment, name="payment"),
    path("search/", shell.search, name="search"),
    path("search/suggest/", shell.search_suggest, name="search-suggest"),
    path("preferences/locale/", shell.set_locale, name="locale"),
    path("notifications/seen/", shell.notifications_seen, name="notifications-seen"),
    path("imports/", imports.imports, name="imports"),
    path("imports/new/", imports.import_new, name="import-new"),
    path("imports/runs/<int:run_id>/", imports.import_run, name="import-run"),
    path("imports/<uuid:upload_id>/", imports.import_upload, name="import-upload"),
    path("imports/<uuid:upload_id>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<uuid:upload_id>/mapping/", imports.import_mapping, name="import-mapping"),
    path("imports/<uuid:upload_id>/confirm/", imports.import_confirm, name="import-confirm"),
    path("imports/<uuid:upload_id>/cancel/", imports.import_cancel, name="import-cancel"),
    path("audit/", audit.audit, name="audit"),
    path("audit/verify/", audit.audit_verify, name="audit-verify"),
    path("audit/<int:seq>/", audit.audit_event, name="audit-event"),
    path("users/", users.users, name="users"),
    path("users/new/", users.user_new, name="user-new"),
    path("users/<int:pk>/", users.user, name="user"),
    path("users/<int:pk>/tokens/", users.token_issue, name="token-issue"),
    path("users/<int:pk>/active/", users.user_active, name="user-active"),
    path("tokens/<int:token_id>/revoke/", users.token_revoke, name="token-revoke"),
    *cash_urls,  # for now; the root URLs will compose each context's pages
]
