from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from socialcare.channels.models import ChannelAccount

from .models import Mode, Platform, Stream
from .query import x_rule


def split_terms(value: str) -> list[str]:
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]


class StreamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    channel_account = forms.ModelChoiceField(label=_("Channel account"), queryset=ChannelAccount.objects.none())
    keywords = forms.CharField(label=_("Keywords"), required=False, help_text=_("comma-separated"))
    hashtags = forms.CharField(label=_("Hashtags"), required=False)
    handles = forms.CharField(label=_("Handles"), required=False)
    exclusions = forms.CharField(label=_("Exclusions"), required=False)
    languages = forms.CharField(label=_("Languages"), required=False, help_text=_("e.g. en, de"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Mode.choices, initial=Mode.REVIEW)
    cost_per_post = forms.DecimalField(label=_("Cost per post read (USD)"), required=False, min_value=0,
                                       decimal_places=4)
    monthly_cap = forms.DecimalField(label=_("Monthly cap (USD)"), required=False, min_value=0, decimal_places=2)

    def __init__(self, *args: Any, brand_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        accounts = ChannelAccount.objects.filter(kind__in=[p.value for p in Platform], is_active=True)
        if brand_ids is not None:
            accounts = accounts.filter(brand_id__in=brand_ids)
        self.fields["channel_account"].queryset = accounts.select_related("brand")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("keywords", "hashtags", "handles", "exclusions", "languages"):
            data[name] = split_terms(data.get(name) or "")
        if not (data["keywords"] or data["hashtags"] or data["handles"]):
            raise forms.ValidationError(_("Give at least one keyword, hashtag or handle."))
        account = data.get("channel_account")
        if account is not None and account.kind == Platform.X:
            try:
                x_rule(Stream(**{k: data[k] for k in ("keywords", "hashtags", "handles", "exclusions", "languages")}))
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
        return data

    def save(self) -> Stream:
        data = self.cleaned_data
        account: ChannelAccount = data["channel_account"]
        return Stream.objects.create(
            brand_id=account.brand_id, name=data["name"], platform=account.kind, channel_account=account,
            keywords=data["keywords"], hashtags=data["hashtags"], handles=data["handles"],
            exclusions=data["exclusions"], languages=data["languages"], mode=data["mode"],
            cost_per_post=data.get("cost_per_post"), monthly_cap=data.get("monthly_cap"),
        )
