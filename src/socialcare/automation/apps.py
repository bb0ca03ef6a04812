from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "socialcare.automation"
    label = "automation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from socialcare.web.extensions import nav_links, ticket_panels

        from . import actions, conditions, handlers, panels  # noqa: F401  (registers condition/action types)

        handlers.connect()
        ticket_panels.register("automation", ("automation/_panel.html", panels.rule_runs_panel))
        nav_links.register("automation", ("automation:rules", _("Rules")))
