from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "socialcare.inbox"
    label = "inbox"
    default_auto_field = "django.db.models.BigAutoField"
