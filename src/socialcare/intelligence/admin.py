from typing import Any

from django.contrib import admin

from .models import BrandFilterSettings, NoiseFeedback
from .services import adapter_reset


@admin.register(BrandFilterSettings)
class BrandFilterSettingsAdmin(admin.ModelAdmin):
    list_display = ("brand", "enabled", "threshold", "target_recall", "noise_count", "not_noise_count",
                     "filtered_count", "updated_at")
    fields = ("brand", "enabled", "threshold", "target_recall", "pii_patterns", "filtered_count", "noise_count",
              "not_noise_count", "adapter_version", "threshold_set_at", "threshold_set_by")
    readonly_fields = ("filtered_count", "noise_count", "not_noise_count", "adapter_version", "threshold_set_at",
                       "threshold_set_by", "target_recall")
    actions = ["reset_adaptation"]

    @admin.action(description="Forget the learned adaptation (keep the corrections)")
    def reset_adaptation(self, request: Any, queryset: Any) -> None:
        for row in queryset:
            adapter_reset(brand_id=row.brand_id)


@admin.register(NoiseFeedback)
class NoiseFeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "brand", "ticket", "label", "probability", "was_filtered", "user")
    list_filter = ("label", "brand", "was_filtered")
    readonly_fields = [f.name for f in NoiseFeedback._meta.fields]
