"""The ledger's pages (names in the staff application's ``web`` namespace)."""

from django.urls import path

from credere.ledger import privacy_views, views

urlpatterns = [
    path("items/", views.items, name="items"),
    path("items/<int:pk>/", views.item, name="item"),
    path("payments/", views.payments, name="payments"),
    path("payments/<int:pk>/", views.payment, name="payment"),
    path("customers/<int:pk>/personal-data/", privacy_views.customer_personal_data, name="customer-personal-data"),
    path("personal-data/", privacy_views.person_personal_data, name="person-personal-data"),
]
