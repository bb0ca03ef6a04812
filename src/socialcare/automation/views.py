"""Rules admin pages: list, create/edit with the condition and action builder, test against a past
message (dry run), enable/disable. Thin: parsing lives in forms.py, writes in services.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from socialcare.accounts.access import can_manage, tickets_visible_to, visible_brand_ids
from socialcare.core.errors import DomainError, NotFound
from socialcare.core.models import Brand
from socialcare.inbox.models import Message

from . import services
from .api import access_rule, dry_run_for
from .engine import GROUP_OPS
from .forms import RuleDraft, draft_from_post, rows_for
from .models import Rule, Trigger
from .registry import OPERATOR_LABELS, action_types, condition_types


def _rules(user: Any) -> Any:
    brand_ids = visible_brand_ids(user)
    qs = Rule.objects.select_related("brand")
    return qs if brand_ids is None else qs.filter(Q(brand_id__in=brand_ids) | Q(brand=None))


@login_required
def rules_list(request: HttpRequest) -> HttpResponse:
    return render(request, "automation/rules_list.html", {"rules": _rules(request.user),
                                                          "can_manage": can_manage(request.user)})


def _builder_context(request: HttpRequest, draft: RuleDraft, rule: Rule | None) -> dict[str, Any]:
    brand_ids = visible_brand_ids(request.user)
    brands = Brand.objects.all() if brand_ids is None else Brand.objects.filter(pk__in=brand_ids)
    recent = (Message.objects.filter(direction="in", ticket__in=tickets_visible_to(request.user))
              .select_related("ticket").order_by("-occurred_at", "-id")[:30])
    return {
        "rule": rule, "draft": draft, **rows_for(draft), "brands": brands, "triggers": Trigger.choices,
        "group_ops": GROUP_OPS, "recent_messages": recent,
        "condition_types": [(k, gettext(c.label)) for k, c in condition_types.items()],
        "operators": sorted((k, gettext(v)) for k, v in OPERATOR_LABELS.items()),
        "action_types": [(k, gettext(a.label)) for k, a in action_types.items()],
        "action_help": [(gettext(a.label), a.value_kind, [f"{v} = {label}" for v, label in (a.choices() if a.choices else [])])
                        for _k, a in action_types.items()],
    }


def _edit(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    if not can_manage(request.user):
        return render(request, "automation/forbidden.html", status=403)
    draft = RuleDraft(**{k: getattr(rule, k) for k in RuleDraft.__dataclass_fields__}) if rule else RuleDraft()
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            draft = draft_from_post(request.POST)
            if "test" in request.POST:
                message_id = str(request.POST.get("message_id") or "")
                if not message_id.isdigit():
                    raise DomainError(gettext("choose a past message to test against"))
                from .engine import validate_rule

                config, conditions, actions = validate_rule(
                    name=draft.name or "test", trigger=draft.trigger, trigger_config=draft.trigger_config,
                    conditions=draft.conditions, actions=draft.actions)
                context["dry_run"] = dry_run_for(request.user, draft.trigger, config, conditions, actions,
                                                 int(message_id))
                context["tested_message_id"] = int(message_id)
            else:
                if draft.brand_id is not None and visible_brand_ids(request.user) is not None \
                        and draft.brand_id not in (visible_brand_ids(request.user) or []):
                    raise NotFound("brand not found")
                saved = services.rule_save(rule=rule, user=request.user, **draft.values(),
                                           is_enabled=bool(request.POST.get("is_enabled")))
                return redirect("automation:rule_edit", rule_id=saved.pk)
        except DomainError as exc:
            context["error"] = exc.message
            status = 422
    return render(request, "automation/rule_form.html",
                  {**_builder_context(request, draft, rule), **context}, status=status)


@login_required
def rule_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, None)


@login_required
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    try:
        rule = access_rule(request.user, rule_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    return _edit(request, rule)


@login_required
@require_POST
def rule_enable(request: HttpRequest, rule_id: int) -> HttpResponse:
    try:
        rule = access_rule(request.user, rule_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    if not can_manage(request.user):
        return render(request, "automation/forbidden.html", status=403)
    services.rule_set_enabled(rule=rule, enabled=request.POST.get("enabled") == "1")
    if request.POST.get("next") == "edit":
        return redirect("automation:rule_edit", rule_id=rule.pk)
    return redirect("automation:rules")
