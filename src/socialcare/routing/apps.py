from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "socialcare.routing"
    label = "routing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()
