"""The audit log's pages."""

from django.urls import path

from credere.audit import views

urlpatterns = [
    path("audit/", views.audit, name="audit"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("audit/<int:seq>/", views.audit_event, name="audit-event"),
]
