from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from credere.api import api


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("health", health),
    path("accounts/", include("allauth.urls")),
    path("", include("credere.web.urls")),
]
