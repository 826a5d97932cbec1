from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IdentityConfig(AppConfig):
    name = "credere.identity"
    label = "identity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credere.identity.services import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, sender=self)
        from credere.identity import sign_in

        sign_in.connect()
