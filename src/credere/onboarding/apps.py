from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "credere.onboarding"
    label = "onboarding"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Onboarding"

    def ready(self) -> None:
        from credere.onboarding import registrations

        registrations.register()
