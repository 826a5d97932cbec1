"""User and API token administration pages."""

from django.urls import path

from credere.identity import views

urlpatterns = [
    path("users/", views.users, name="users"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/<int:pk>/", views.user, name="user"),
    path("users/<int:pk>/tokens/", views.token_issue, name="token-issue"),
    path("users/<int:pk>/active/", views.user_active, name="user-active"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token-revoke"),
]
