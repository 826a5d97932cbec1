from django.apps import AppConfig


class CashappConfig(AppConfig):
    name = "credere.cashapp"
    label = "cashapp"
    default_auto_field = "django.db.models.BigAutoField"
