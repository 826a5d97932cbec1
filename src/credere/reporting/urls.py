"""Reporting's pages: the dashboard, its figures, aging, and customers with their figures."""

from django.urls import path

from credere.reporting.views import customers, dashboard, figures

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/figures/<slug:key>/", figures.figure, name="figure"),
    path("aging/", dashboard.aging, name="aging"),
    path("customers/", customers.customers, name="customers"),
    path("customers/<int:pk>/", customers.customer, name="customer"),
]
