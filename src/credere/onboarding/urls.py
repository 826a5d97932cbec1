"""Onboarding's pages: the staff pages (names in the ``web`` namespace) and the applicant's public pages."""

from django.urls import path

from credere.onboarding import views, views_policy, views_public

urlpatterns = [
    path("onboarding/applications/", views.queue, name="applications"),
    path("onboarding/applications/<int:pk>/", views.application_page, name="application"),
    path("onboarding/applications/<int:pk>/letter.pdf", views.letter, name="application-letter"),
    path("onboarding/invite/", views.invite, name="application-invite"),
    path("onboarding/policy/", views_policy.policy_page, name="onboarding-policy"),
    path("onboarding/documents/<int:pk>/", views.document, name="application-document"),
]

public_urlpatterns = [
    path("apply/new-link/", views_public.new_link, name="apply-new-link"),
    path("apply/i/<str:token>/", views_public.invitation, name="apply-invitation"),
    path("apply/a/<str:token>/", views_public.application_page, name="apply-status"),
    path("apply/a/<str:token>/statements.xlsx", views_public.statement_template_file, name="apply-template"),
    path("apply/a/<str:token>/letter.pdf", views_public.letter, name="apply-letter"),
    path("apply/<str:company_code>/", views_public.start, name="apply-start"),
]
