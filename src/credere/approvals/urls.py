"""The approvals inbox and one request's page."""

from django.urls import path

from credere.approvals import views

urlpatterns = [
    path("approvals/", views.inbox, name="approvals"),
    path("approvals/<int:pk>/", views.detail, name="approval"),
    path("approvals/<int:pk>/decide/", views.decide, name="approval-decide"),
]
