from django.apps import AppConfig


class CashappConfig(AppConfig):
    name = "credere.cashapp"
    label = "cashapp"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credere.cashapp import panels, tasks  # noqa: F401 (tasks register their names)

        panels.register()
        from credere.cashapp.services import privacy
        from credere.core import personal

        personal.register_holder(privacy.HOLDER)
