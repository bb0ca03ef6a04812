from django.urls import path

from . import views

app_name = "intelligence"
urlpatterns = [
    path("", views.filtered, name="filtered"),
    path("tickets/<int:ticket_id>/feedback/", views.feedback, name="feedback"),
    path("brands/<int:brand_id>/threshold/", views.threshold, name="threshold"),
    path("brands/<int:brand_id>/enabled/", views.enable, name="enable"),
]
