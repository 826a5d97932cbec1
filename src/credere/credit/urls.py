"""Credit control's pages (names in the staff application's ``web`` namespace)."""

from django.urls import path

from credere.credit import views, views_alerts, views_limits, views_policy, views_portfolio, views_reviews

urlpatterns = [
    path("credit/holds/", views.holds, name="credit-holds"),
    path("credit/limits/", views_limits.limits, name="credit-limits"),
    path("credit/limits/refresh/", views_limits.refresh, name="credit-limits-refresh"),
    path("credit/portfolio/", views_portfolio.portfolio_page, name="credit-portfolio"),
    path("credit/policy/", views_policy.policy_page, name="credit-policy"),
    path("credit/stress/", views_portfolio.stress_list, name="credit-stress"),
    path("credit/stress/<int:pk>/", views_portfolio.stress_result, name="credit-stress-result"),
    path("credit/customers/<int:pk>/cover/", views_limits.cover_add, name="credit-cover-add"),
    path("credit/cover/<int:pk>/end/", views_limits.cover_end, name="credit-cover-end"),
    path("credit/customers/<int:pk>/commitments/", views_limits.commitment_add, name="credit-commitment-add"),
    path("credit/commitments/<int:pk>/end/", views_limits.commitment_end, name="credit-commitment-end"),
    path("credit/checks/<int:pk>/", views.check, name="credit-check"),
    path("credit/alerts/", views_alerts.inbox, name="credit-alerts"),
    path("credit/alerts/run/", views_alerts.run, name="credit-alerts-run"),
    path("credit/alerts/<int:pk>/", views_alerts.alert, name="credit-alert"),
    path("credit/customers/<int:pk>/owner/", views_alerts.owner, name="credit-owner"),
    path("credit/customers/<int:pk>/limit-request/", views.limit_request, name="credit-limit-request"),
    path("credit/customers/<int:pk>/risk-class/", views.risk_class, name="credit-risk-class"),
    path("credit/customers/<int:pk>/review/", views_reviews.start, name="credit-review-start"),
    path("credit/reviews/", views_reviews.reviews, name="credit-reviews"),
    path("credit/reviews/schedule/", views_reviews.schedule, name="credit-reviews-schedule"),
    path("credit/reviews/<int:pk>/", views_reviews.review, name="credit-review"),
]
