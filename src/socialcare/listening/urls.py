from django.urls import path

from . import views

app_name = "listening"
urlpatterns = [
    path("", views.streams, name="streams"),
    path("channels/", views.channels, name="channels"),
    path("<int:stream_id>/hits/", views.stream_hits, name="stream_hits"),
    path("<int:stream_id>/<slug:action>/", views.stream_state, name="stream_state"),
    path("hits/<int:hit_id>/convert/", views.hit_convert, name="hit_convert"),
    path("hits/<int:hit_id>/dismiss/", views.hit_dismiss, name="hit_dismiss"),
]
