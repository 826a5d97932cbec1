from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "credere.core"
    label = "core"
