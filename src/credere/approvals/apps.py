from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "credere.approvals"
    label = "approvals"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Approvals"
