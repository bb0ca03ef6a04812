from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListeningConfig(AppConfig):
    name = "socialcare.listening"
    label = "listening"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Listening")

    def ready(self) -> None:
        from socialcare.web.extensions import nav_links

        if "streams" not in nav_links:
            nav_links.register("streams", ("listening:streams", _("Streams")))
        if "channels" not in nav_links:
            nav_links.register("channels", ("listening:channels", _("Channels")))
