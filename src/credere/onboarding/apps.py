from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "credere.onboarding"
    label = "onboarding"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Onboarding"
