from django.contrib import admin

from .models import MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "category", "status", "channel_account", "updated_at")
    list_filter = ("status", "category", "channel_account__kind", "channel_account__brand")
    search_fields = ("name", "body")
