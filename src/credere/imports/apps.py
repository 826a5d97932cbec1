from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "credere.imports"
    label = "imports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credere.imports import notifications, registrations, tasks  # noqa: F401 (tasks register their names)
        from credere.web import notifications as shell_notifications

        registrations.register()
        from credere.core import personal
        from credere.imports.services import retention

        personal.register_holder(retention.HOLDER)
        shell_notifications.register(notifications.of_user)
