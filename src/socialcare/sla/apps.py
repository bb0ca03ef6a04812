from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "socialcare.sla"
    label = "sla"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from socialcare.web.extensions import ticket_panels

        from . import handlers, panels

        handlers.connect()
        ticket_panels.register("sla", ("sla/_panel.html", panels.sla_panel))
