"""The Celery application. Tasks are discovered in every installed app's tasks module."""

import os

from celery import Celery

from socialcare.core.broker import register as register_embedded_broker

register_embedded_broker()  # scfs://, the atomic filesystem broker of the embedded default

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("socialcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
