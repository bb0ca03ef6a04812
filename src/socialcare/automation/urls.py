from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("", views.rules_list, name="rules"),
    path("new/", views.rule_create, name="rule_create"),
    path("<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("<int:rule_id>/enable/", views.rule_enable, name="rule_enable"),
]
