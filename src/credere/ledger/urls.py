"""The ledger's pages (names in the staff application's ``web`` namespace)."""

from django.urls import path

from credere.ledger import views

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.item, name="item"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:pk>/", views.payment, name="payment"),
]
