from django.contrib import admin
from django.urls import include, path

from socialcare.api.api import api
from socialcare.channels import views as channel_views

urlpatterns = [
    path("hooks/<str:kind>/<int:account_id>", channel_views.webhook, name="webhook"),
    path("streams/", include("socialcare.listening.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("templates/", include("socialcare.message_templates.urls")),
    path("loop/", include("socialcare.inbox.loop_urls")),
    path("filtered/", include("socialcare.intelligence.urls")),
    path("rules/", include("socialcare.automation.urls")),
    path("", include("socialcare.web.urls")),
]
