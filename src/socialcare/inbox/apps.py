from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "socialcare.inbox"
    label = "inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from socialcare.web.extensions import ticket_panels

        from .loop_views import panel_context

        ticket_panels.register("loop", ("inbox/_loop_panel.html", panel_context))
