from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "credere.credit"
    label = "credit"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Credit control"

    def ready(self) -> None:
        from credere.credit import registrations, tasks  # noqa: F401 (tasks register their names)

        registrations.register()
