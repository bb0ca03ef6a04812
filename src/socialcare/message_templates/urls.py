from django.urls import path

from . import views

app_name = "message_templates"
urlpatterns = [
    path("tickets/<int:ticket_id>/send/", views.template_send, name="send"),
]
