"""The site's addresses: the API, health, sign-in, and every context's pages.

The staff pages of all contexts share the ``web`` namespace (``{% url 'web:customer' pk %}``);
each context lists its own pages in its ``urls.py`` and this module puts them together.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from credere.api import api
from credere.approvals.urls import urlpatterns as approval_pages
from credere.audit.urls import urlpatterns as audit_pages
from credere.cashapp.urls import urlpatterns as cash_pages
from credere.credit.urls import urlpatterns as credit_pages
from credere.identity.urls import urlpatterns as identity_pages
from credere.imports.urls import urlpatterns as import_pages
from credere.ledger.urls import urlpatterns as ledger_pages
from credere.onboarding.urls import public_urlpatterns as application_pages
from credere.onboarding.urls import urlpatterns as onboarding_pages
from credere.reporting.urls import urlpatterns as reporting_pages
from credere.web.urls import urlpatterns as shell_pages


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


staff_pages = [*shell_pages, *reporting_pages, *ledger_pages, *import_pages, *cash_pages, *credit_pages, *onboarding_pages, *approval_pages, *audit_pages,
               *identity_pages]

urlpatterns = [
    path("api/v1/", api.urls),
    path("health", health),
    path("accounts/", include("allauth.urls")),
    *application_pages,
    path("", include((staff_pages, "web"))),
]
