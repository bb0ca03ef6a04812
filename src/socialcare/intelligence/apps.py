from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "socialcare.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Intelligence")

    def ready(self) -> None:
        from socialcare.channels.pipeline import message_stages
        from socialcare.core import events
        from socialcare.web.extensions import nav_links, ticket_panels

        from . import handlers
        from .panels import PANEL_KEY, ticket_panel_context
        from .stage import enrich_messages

        if "enrichment" not in message_stages:
            message_stages.register("enrichment", enrich_messages)
        if not any(s.name == handlers.NAME for s in events.subscribers("message.received")):
            handlers.connect()
        if PANEL_KEY not in ticket_panels:
            ticket_panels.register(PANEL_KEY, ("intelligence/_ticket_panel.html", ticket_panel_context))
        if "filtered" not in nav_links:
            nav_links.register("filtered", ("intelligence:filtered", _("Filtered")))
