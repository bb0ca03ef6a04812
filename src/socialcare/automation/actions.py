"""Built-in action types. Every ticket change goes through the inbox/routing services with the
rule's actor (``rule:<id>``), so the audit log says which rule did it and automation ignores the
events it causes."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_noop

from socialcare.accounts.models import Team
from socialcare.core.errors import DomainError
from socialcare.core.tasks import enqueue_on_commit
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Priority, TicketStatus

from .context import RuleContext
from .registry import ActionType, _split, register_action


def _clean_text(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValueError("needs some text")
    if len(text) > 2000:
        raise ValueError("is longer than 2000 characters")
    return text


def _clean_tags(value: Any) -> list[str]:
    tags = [t.lower()[:64] for t in _split(value)]
    if not tags:
        raise ValueError("give at least one tag")
    return tags


PRIORITY_NAMES = {str(label).lower(): int(v) for v, label in Priority.choices}


def _clean_priority(value: Any) -> int:
    text = str(value).strip().lower()
    if text.isdigit() and int(text) in Priority.values:
        return int(text)
    if text in PRIORITY_NAMES:
        return PRIORITY_NAMES[text]
    raise ValueError(f"{value!r} is not a priority; use 1-4 or {', '.join(PRIORITY_NAMES)}")


def _clean_team(value: Any) -> int:
    try:
        pk = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a team id") from None
    if not Team.objects.filter(pk=pk).exists():
        raise ValueError(f"there is no team with id {pk}")
    return pk


def _clean_agent(value: Any) -> int:
    try:
        pk = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a user id") from None
    if not get_user_model().objects.filter(pk=pk, agent__isnull=False).exists():
        raise ValueError(f"there is no agent with user id {pk}")
    return pk


def _clean_status(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in TicketStatus.values:
        raise ValueError(f"{value!r} is not a status; use {', '.join(TicketStatus.values)}")
    return text


def _clean_url(value: Any) -> str:
    from socialcare.channels.connectors.base import SendError
    from socialcare.channels.connectors.http import check_base_url

    url = str(value or "").strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError("needs an http:// or https:// URL")
    try:
        return check_base_url(url)
    except SendError as exc:
        raise ValueError(str(exc)) from None


def _none(value: Any) -> None:
    return None


# --- what the actions do --------------------------------------------------------------------------------


def do_tag(ctx: RuleContext, tags: list[str], actor: str) -> str:
    inbox.ticket_tag(ticket=ctx.ticket, names=tags, actor=actor)
    return f"tagged {', '.join(tags)}"


def do_priority(ctx: RuleContext, priority: int, actor: str) -> str:
    inbox.ticket_set_priority(ticket=ctx.ticket, priority=priority, actor=actor)
    return f"priority set to {Priority(priority).label}"


def do_assign_team(ctx: RuleContext, team_id: int, actor: str) -> str:
    from socialcare.routing.services import ticket_set_team

    team = Team.objects.get(pk=team_id)
    ticket_set_team(ticket=ctx.ticket, team=team, actor=actor)
    return f"team set to {team.name}"


def do_assign_agent(ctx: RuleContext, user_id: int, actor: str) -> str:
    user = get_user_model().objects.get(pk=user_id)
    inbox.ticket_assign(ticket=ctx.ticket, assignee=user, actor=actor)
    return f"assigned to {user.get_username()}"


def do_status(ctx: RuleContext, status: str, actor: str) -> str:
    inbox.ticket_set_status(ticket=ctx.ticket, status=status, actor=actor)
    return f"status set to {status}"


def do_reply(ctx: RuleContext, text: str, actor: str) -> str:
    from .automessages import automatic_reply_send
    from .models import AutoMessageKind

    visibility = ctx.message.visibility if ctx.message else None
    message = automatic_reply_send(ticket=ctx.ticket, text=text, visibility=visibility,
                                   kind=AutoMessageKind.RULE_REPLY, actor=actor)
    return f"automatic {message.visibility} reply queued"


def do_note(ctx: RuleContext, text: str, actor: str) -> str:
    from .services import rule_note_add

    rule_note_add(ticket=ctx.ticket, text=text, actor=actor)
    return "internal note added"


def do_notify(ctx: RuleContext, team_id: int, actor: str) -> str:
    from .services import team_notify

    team = Team.objects.get(pk=team_id)
    team_notify(team=team, ticket=ctx.ticket, text=f"Ticket #{ctx.ticket.pk}: {ctx.ticket.subject}", actor=actor)
    return f"notified {team.name}"


def do_escalate(ctx: RuleContext, team_id: int, actor: str) -> str:
    from socialcare.routing.services import ticket_set_team

    from .services import team_notify

    team = Team.objects.get(pk=team_id)
    inbox.ticket_tag(ticket=ctx.ticket, names=["pr-escalation"], actor=actor)
    inbox.ticket_set_priority(ticket=ctx.ticket, priority=Priority.URGENT, actor=actor)
    ticket_set_team(ticket=ctx.ticket, team=team, actor=actor)
    team_notify(team=team, ticket=ctx.ticket, text=f"PR escalation: ticket #{ctx.ticket.pk}: {ctx.ticket.subject}",
                actor=actor)
    return f"escalated to {team.name} (urgent)"


def do_spam(ctx: RuleContext, _value: None, actor: str) -> str:
    from .services import identity_block

    inbox.ticket_tag(ticket=ctx.ticket, names=["spam"], actor=actor)
    identity = ctx.identity
    blocked = ""
    if identity is not None:
        identity_block(identity=identity, ticket=ctx.ticket, actor=actor)
        blocked = f"; sender {identity} blocked at intake"
    inbox.ticket_set_status(ticket=ctx.ticket, status=TicketStatus.CLOSED, actor=actor)
    return f"marked as spam and closed{blocked}"


def do_webhook(ctx: RuleContext, url: str, actor: str) -> str:
    from .tasks import call_webhook

    payload = {"event": ctx.trigger, "actor": actor, "ticket": {
        "id": ctx.ticket.pk, "brand": ctx.ticket.brand.slug, "status": ctx.ticket.status,
        "priority": ctx.ticket.priority, "subject": ctx.ticket.subject},
        "message": {"id": ctx.message.pk, "text": ctx.message.text} if ctx.message else None}
    enqueue_on_commit(call_webhook, url, payload, ctx.ticket.pk, actor)
    return f"webhook to {url} queued"


def _priority_choices() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in Priority.choices]


def _status_choices() -> list[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in TicketStatus.choices]


def _team_choices() -> list[tuple[str, str]]:
    return [(str(t.pk), t.name) for t in Team.objects.all()]


for item in (
    ActionType("add_tag", gettext_noop("Add tags"), "text", do_tag, _clean_tags, lambda v: f"tag {', '.join(v)}"),
    ActionType("set_priority", gettext_noop("Set priority"), "choice", do_priority, _clean_priority,
               lambda v: f"set priority to {Priority(v).label}", _priority_choices),
    ActionType("assign_team", gettext_noop("Assign to team"), "choice", do_assign_team, _clean_team, None, _team_choices),
    ActionType("assign_agent", gettext_noop("Assign to agent (user id)"), "int", do_assign_agent, _clean_agent),
    ActionType("set_status", gettext_noop("Change status"), "choice", do_status, _clean_status, None, _status_choices),
    ActionType("auto_reply", gettext_noop("Send an automatic reply"), "text", do_reply, _clean_text,
               lambda v: f"reply automatically: {v[:80]}"),
    ActionType("add_note", gettext_noop("Add an internal note"), "text", do_note, _clean_text),
    ActionType("notify_team", gettext_noop("Notify a team"), "choice", do_notify, _clean_team, None, _team_choices),
    ActionType("escalate_pr", gettext_noop("Escalate to PR (team)"), "choice", do_escalate, _clean_team,
               lambda v: f"escalate to PR team {v}: urgent, tagged pr-escalation", _team_choices),
    ActionType("mark_spam", gettext_noop("Mark as spam and block the sender"), "none", do_spam, _none,
               lambda v: "mark as spam, close and block the sender"),
    ActionType("webhook", gettext_noop("Call a webhook (URL)"), "url", do_webhook, _clean_url),
):
    register_action(item)

__all__ = ["DomainError"]
