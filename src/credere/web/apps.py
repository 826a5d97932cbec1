from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "credere.web"
    label = "web"
    verbose_name = "Staff web application"
