from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("tickets/rows/", views.inbox_rows, name="inbox_rows"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/thread/", views.ticket_thread, name="ticket_thread"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="ticket_reply"),
    path("tickets/<int:ticket_id>/assign/", views.ticket_assign, name="ticket_assign"),
    path("tickets/<int:ticket_id>/status/", views.ticket_status, name="ticket_status"),
    path("tickets/<int:ticket_id>/note/", views.ticket_note, name="ticket_note"),
    path("tickets/<int:ticket_id>/messages/<int:message_id>/<slug:action>/", views.message_action,
         name="message_action"),
    path("live/", views.live_events, name="live"),
    path("settings/presence/", views.set_presence, name="set_presence"),
    path("settings/language/", views.set_language, name="set_language"),
    path("healthz", views.healthz, name="healthz"),
]
