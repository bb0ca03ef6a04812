from django.apps import AppConfig


class MessageTemplatesConfig(AppConfig):
    name = "socialcare.message_templates"
    label = "message_templates"
    verbose_name = "Approved message templates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from socialcare.channels.connectors.telegram import callbacks
        from socialcare.web.extensions import composer_panels

        from .panels import PANEL_KEY, composer_panel_context

        if PANEL_KEY not in composer_panels:
            composer_panels.register(PANEL_KEY, ("message_templates/_composer_panel.html", composer_panel_context))
        # The messenger connectors of this work package answer Telegram button presses after intake.
        callbacks.register()
