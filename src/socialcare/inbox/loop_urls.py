from django.urls import path

from . import loop_views

app_name = "loop"
urlpatterns = [
    path("tickets/<int:ticket_id>/move-to-private/", loop_views.move_to_private, name="move_to_private"),
    path("tickets/<int:ticket_id>/close-loop/", loop_views.close_loop, name="close_loop"),
    path("unclosed/", loop_views.unclosed, name="unclosed"),
]
