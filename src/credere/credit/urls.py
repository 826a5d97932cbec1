"""Credit control's pages (names in the staff application's ``web`` namespace)."""

from django.urls import path

from credere.credit import views, views_reviews

urlpatterns = [
    path("credit/holds/", views.holds, name="credit-holds"),
    path("credit/checks/<int:pk>/", views.check, name="credit-check"),
    path("credit/customers/<int:pk>/limit-request/", views.limit_request, name="credit-limit-request"),
    path("credit/customers/<int:pk>/risk-class/", views.risk_class, name="credit-risk-class"),
    path("credit/customers/<int:pk>/review/", views_reviews.start, name="credit-review-start"),
    path("credit/reviews/", views_reviews.reviews, name="credit-reviews"),
    path("credit/reviews/schedule/", views_reviews.schedule, name="credit-reviews-schedule"),
    path("credit/reviews/<int:pk>/", views_reviews.review, name="credit-review"),
]
