"""Demo data: sensible rules (PR escalation on crisis words, spam blocking, VIP priority by follower
count, an SLA-breach alarm) and the welcome menu for private messages."""

from __future__ import annotations

from socialcare.accounts.models import Team
from socialcare.core.models import Brand

from .models import AutoMessageConfig, Rule
from .services import rule_save


def seed(brand: Brand, *, pr_team: Team | None = None) -> list[Rule]:
    pr_team = pr_team or Team.objects.get_or_create(name="PR")[0]
    pr_team.brands.add(brand)
    specs = [
        {"name": "Crisis words go to PR", "trigger": "message.received", "position": 10,
         "conditions": {"op": "all", "conditions": [
             {"type": "text", "operator": "contains",
              "value": "boycott, lawsuit, scandal, shitstorm, lawyer, anwalt, klage, rechtszaak"},
             {"op": "none", "conditions": [{"type": "tag", "operator": "has", "value": "pr-escalation"}]}]},
         "actions": [{"type": "escalate_pr", "value": pr_team.pk},
                     {"type": "add_note", "value": "Possible crisis: coordinate any public answer with PR."}]},
        {"name": "Block obvious spam", "trigger": "message.received", "position": 5, "stop_processing": True,
         "conditions": {"op": "any", "conditions": [
             {"type": "text", "operator": "matches", "value": r"(free|cheap)\s+(crypto|followers|bitcoin)"},
             {"type": "text", "operator": "contains", "value": "click here to win, dm me for promo"}]},
         "actions": [{"type": "mark_spam"}]},
        {"name": "VIP authors get high priority", "trigger": "ticket.created", "position": 20,
         "conditions": {"op": "any", "conditions": [
             {"type": "follower_count", "operator": "gte", "value": 10000},
             {"type": "verified", "operator": "is", "value": True}]},
         "actions": [{"type": "set_priority", "value": 3}, {"type": "add_tag", "value": "vip"}]},
        {"name": "Angry and actionable: high priority", "trigger": "message.received", "position": 30,
         "conditions": {"op": "all", "conditions": [
             {"type": "sentiment", "operator": "eq", "value": "negative"},
             {"type": "actionable", "operator": "eq", "value": "actionable"}]},
         "actions": [{"type": "set_priority", "value": 3}]},
        {"name": "First response breached: tell the supervisors", "trigger": "sla.breached", "position": 40,
         "trigger_config": {"metric": "first_response"}, "conditions": {"op": "all", "conditions": []},
         "actions": [{"type": "add_tag", "value": "sla-breached"}, {"type": "set_priority", "value": 4}]},
    ]
    rules = []
    for spec in specs:
        existing = Rule.objects.filter(brand=brand, name=spec["name"]).first()
        rules.append(rule_save(rule=existing, brand_id=brand.pk, is_enabled=True, **spec))
    AutoMessageConfig.objects.update_or_create(brand=brand, defaults={
        "out_of_hours_enabled": True, "welcome_enabled": True, "repeat_after_hours": 24,
        "welcome_options": [{"title": "Billing", "payload": "billing"},
                            {"title": "Delivery", "payload": "delivery"},
                            {"title": "Press", "payload": "press"}]})
    return rules
