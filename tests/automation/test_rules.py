"""The rule engine: validation against the registries, condition groups, the loop guard, actions
through the services, firing history with the matched conditions, dry runs."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from socialcare.automation import engine
from socialcare.automation.context import RuleContext
from socialcare.automation.models import Rule, RuleRun, TeamNotification
from socialcare.automation.registry import RuleInvalid, action_types, condition_types
from socialcare.automation.services import rule_save
from socialcare.automation.tasks import idle_tickets
from socialcare.core.registry import DuplicateRegistration
from socialcare.crm.models import Identity
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Message, Ticket
from tests.automation.support import Clock, deliver, sandbox_post
from tests.factories import IdentityFactory, MessageFactory, TeamFactory, TicketFactory
from tests.helpers import committed

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def cond(type_: str, operator: str, value: Any) -> dict[str, Any]:
    return {"type": type_, "operator": operator, "value": value}


def make_rule(name: str = "r", trigger: str = "message.received", conditions: Any = None,
              actions: Any = None, **kw: Any) -> Rule:
    return rule_save(name=name, trigger=trigger, conditions=conditions or {"op": "all", "conditions": []},
                     actions=actions or [{"type": "add_tag", "value": "x"}], is_enabled=True, **kw)


def _ticket() -> Ticket:
    return Ticket.objects.order_by("-id").first()  # type: ignore[return-value]


def tags(ticket: Ticket) -> set[str]:
    return set(ticket.tags.values_list("name", flat=True))


# --- registries and validation -------------------------------------------------------------------------


def test_registries_refuse_duplicates_and_hold_the_documented_types() -> None:
    for key in ("channel_kind", "brand", "message_kind", "visibility", "text", "language", "sentiment",
                "actionable", "intent", "pii_found", "follower_count", "verified", "tag", "priority", "status",
                "business_hours"):
        assert key in condition_types
    for key in ("add_tag", "set_priority", "assign_team", "assign_agent", "set_status", "auto_reply", "add_note",
                "notify_team", "escalate_pr", "mark_spam", "webhook"):
        assert key in action_types
    with pytest.raises(DuplicateRegistration):
        condition_types.register("text", condition_types.get("text"))


@pytest.mark.django_db
@pytest.mark.parametrize(("conditions", "actions", "message"), [
    ({"op": "most", "conditions": []}, [{"type": "add_tag", "value": "a"}], "group operator 'most'"),
    ({"op": "all", "conditions": [cond("colour", "eq", "red")]}, [{"type": "add_tag", "value": "a"}],
     "unknown condition type 'colour'"),
    ({"op": "all", "conditions": [cond("follower_count", "gte", "lots")]}, [{"type": "add_tag", "value": "a"}],
     "not a whole number"),
    ({"op": "all", "conditions": [cond("text", "matches", "([")]}, [{"type": "add_tag", "value": "a"}],
     "not a valid regular expression"),
    ({"op": "all", "conditions": [cond("text", "gte", "3")]}, [{"type": "add_tag", "value": "a"}],
     "operator 'gte' is not available"),
    ({"op": "all", "conditions": []}, [{"type": "explode"}], "unknown action type 'explode'"),
    ({"op": "all", "conditions": []}, [{"type": "set_priority", "value": "whenever"}], "not a priority"),
    ({"op": "all", "conditions": []}, [{"type": "assign_team", "value": 999}], "no team with id 999"),
    ({"op": "all", "conditions": []}, [{"type": "webhook", "value": "http://example.com/hook"}], "only loopback"),
    ({"op": "all", "conditions": []}, [], "at least one action"),
])
def test_invalid_rules_are_refused_with_clear_messages(conditions: Any, actions: Any, message: str) -> None:
    with pytest.raises(RuleInvalid, match=message.replace("(", r"\(").replace("[", r"\[")):
        rule_save(name="bad", trigger="message.received", conditions=conditions, actions=actions)
    assert not Rule.objects.exists()


@pytest.mark.django_db
def test_idle_trigger_needs_minutes() -> None:
    with pytest.raises(RuleInvalid, match="minutes"):
        make_rule(trigger="ticket.idle")


# --- condition groups ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nested_condition_groups_with_a_trace() -> None:
    identity = IdentityFactory(follower_count=50_000, verified=True)
    ticket = TicketFactory(channel_account=identity.channel_account, customer=identity.customer)
    message = MessageFactory(ticket=ticket, text="Your app crashed AGAIN, refund now", author_identity=identity,
                             enrichment={"sentiment": {"label": "negative", "score": -0.8}})
    group = engine._clean_group({"op": "all", "conditions": [
        cond("text", "contains", "refund, money back"),
        {"op": "any", "conditions": [cond("follower_count", "gte", 10000), cond("verified", "is", "yes")]},
        {"op": "none", "conditions": [cond("tag", "has", "spam"), cond("language", "eq", "fr")]},
        cond("sentiment", "eq", "negative"),
    ]}, "conditions", 1, [0])
    ctx = RuleContext(ticket=ticket, message=message)
    matched, trace = engine.evaluate(group, ctx)
    assert matched
    assert engine.matched_labels(trace) == [
        "Message text contains any of refund, money back", "Author's followers is at least 10000",
        "Verified author is True", "Sentiment is negative"]
    # a 'none' group fails as soon as one of its conditions holds
    inbox.ticket_tag(ticket=ticket, names=["spam"], actor="user:1")
    assert not engine.evaluate(group, RuleContext(ticket=ticket, message=message))[0]


@pytest.mark.django_db
def test_missing_enrichment_never_matches() -> None:
    message = MessageFactory(text="hello", enrichment={})
    ctx = RuleContext(ticket=message.ticket, message=message)
    for condition in (cond("sentiment", "eq", "negative"), cond("language", "ne", "de"),
                      cond("pii_found", "is", "no"), cond("actionable_probability", "gte", 0.1)):
        group = engine._clean_group({"op": "all", "conditions": [condition]}, "c", 1, [0])
        assert engine.evaluate(group, ctx)[0] is False
    message.enrichment = {"language": {"code": "de"}, "pii": [{"kind": "iban"}], "intent": {"label": "refund"}}
    for condition in (cond("language", "eq", "de"), cond("pii_found", "is", "yes"), cond("intent", "in", "refund")):
        group = engine._clean_group({"op": "all", "conditions": [condition]}, "c", 1, [0])
        assert engine.evaluate(group, ctx)[0] is True


# --- running through the pipeline ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_matching_message_fires_rule_and_records_why(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    rule = make_rule(name="Refunds", conditions={"op": "all", "conditions": [cond("text", "contains", "refund")]},
                     actions=[{"type": "add_tag", "value": "refund"}, {"type": "set_priority", "value": "high"},
                              {"type": "add_note", "value": "Check the order history first."}])
    deliver(client, sandbox_account, sandbox_post(text="I want a REFUND", at=datetime.now(UTC)))
    ticket = _ticket()
    assert tags(ticket) == {"refund"} and ticket.priority == 3
    assert ticket.notes.get().text == "Check the order history first."
    run = RuleRun.objects.get(rule=rule)
    assert engine.matched_labels(run.matched) == ["Message text contains any of refund"]
    assert [r["ok"] for r in run.results] == [True, True, True]
    # every change carries the rule as actor
    assert set(ticket.events.filter(kind__in=["ticket.tagged", "ticket.priority_changed", "note.added"])
               .values_list("actor", flat=True)) == {f"rule:{rule.pk}"}
    deliver(client, sandbox_account, sandbox_post(text="nice weather", at=datetime.now(UTC), author="u_other"))
    assert RuleRun.objects.count() == 1


@pytest.mark.django_db
def test_disabled_rules_and_other_brands_do_not_fire(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import BrandFactory

    make_rule(name="off").__class__.objects.update(is_enabled=False)
    make_rule(name="elsewhere", brand_id=BrandFactory().pk)
    deliver(client, sandbox_account, sandbox_post(text="hi", at=datetime.now(UTC)))
    assert not RuleRun.objects.exists()


@pytest.mark.django_db
def test_loop_guard_rules_do_not_trigger_rules(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    on_priority = make_rule(name="tag on priority", trigger="ticket.updated", trigger_config={"fields": ["priority"]},
                            actions=[{"type": "add_tag", "value": "vip"}])
    on_tags = make_rule(name="priority on tags", trigger="ticket.updated", trigger_config={"fields": ["tags"]},
                        actions=[{"type": "set_priority", "value": "urgent"}])
    deliver(client, sandbox_account, sandbox_post(text="hi", at=datetime.now(UTC)))
    ticket = _ticket()
    with committed():
        inbox.ticket_set_priority(ticket=ticket, priority=3, actor="user:7")
    assert RuleRun.objects.filter(rule=on_priority).count() == 1
    assert RuleRun.objects.filter(rule=on_tags).count() == 0  # the tag came from a rule: ignored
    ticket.refresh_from_db()
    assert ticket.priority == 3
    # a human tagging does trigger it
    with committed():
        inbox.ticket_tag(ticket=ticket, names=["billing"], actor="user:7")
    assert RuleRun.objects.filter(rule=on_tags).count() == 1
    assert engine.rules_run(trigger="ticket.updated", ctx=RuleContext(ticket=ticket), actor="rule:1") == []


@pytest.mark.django_db
def test_ticket_created_runs_only_for_new_tickets(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    rule = make_rule(trigger="ticket.created", actions=[{"type": "add_tag", "value": "new"}])
    deliver(client, sandbox_account, sandbox_post(text="first", at=datetime.now(UTC), event_id="c1"))
    deliver(client, sandbox_account, sandbox_post(text="second", at=datetime.now(UTC), in_reply_to="c1"))
    assert Ticket.objects.count() == 1
    assert RuleRun.objects.filter(rule=rule).count() == 1


@pytest.mark.django_db
def test_mark_spam_blocks_the_sender_at_intake(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    make_rule(name="Spam", conditions={"op": "any", "conditions": [cond("text", "matches", r"free\s+crypto")]},
              actions=[{"type": "mark_spam"}])
    deliver(client, sandbox_account, sandbox_post(text="FREE   crypto here", at=datetime.now(UTC), author="u_bot"))
    ticket = _ticket()
    assert ticket.status == "closed" and "spam" in tags(ticket)
    assert Identity.objects.get(external_user_id="u_bot").blocked_at is not None
    deliver(client, sandbox_account, sandbox_post(text="more spam", at=datetime.now(UTC), author="u_bot"))
    assert Message.objects.filter(text="more spam").count() == 0


@pytest.mark.django_db
def test_vip_escalation_to_pr_and_team_notification(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    pr = TeamFactory(name="PR")
    make_rule(name="Crisis", conditions={"op": "all", "conditions": [cond("text", "contains", "boycott, lawsuit")]},
              actions=[{"type": "escalate_pr", "value": pr.pk}])
    deliver(client, sandbox_account, sandbox_post(text="Time to boycott this brand", at=datetime.now(UTC),
                                                  followers=120_000))
    ticket = _ticket()
    assert ticket.team == pr and ticket.priority == 4 and "pr-escalation" in tags(ticket)
    assert TeamNotification.objects.get(team=pr, ticket=ticket).text.startswith("PR escalation")


@pytest.mark.django_db
def test_automatic_reply_goes_through_channel_rules_with_disclosure(client, sandbox_account, sandbox_server,
                                                                   monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from socialcare.channels.connectors.sandbox.adapter import SandboxAdapter

    original = SandboxAdapter.rules
    monkeypatch.setattr(SandboxAdapter, "rules",
                        lambda self, account: replace(original(self, account), automated_disclosure="[automated]"))
    make_rule(name="Ack", actions=[{"type": "auto_reply", "value": "Thanks, we are on it."}])
    deliver(client, sandbox_account, sandbox_post(text="help", at=datetime.now(UTC), dm=True))
    published = sandbox_server.state.published
    assert [p["text"] for p in published] == ["Thanks, we are on it.\n\n[automated]"]
    assert published[0]["visibility"] == "private"
    reply = Message.objects.get(direction="out")
    assert reply.metrics["automated"] == "rule_reply"


@pytest.mark.django_db
def test_failing_action_is_recorded_and_later_actions_still_run(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    long_text = "x" * 600  # longer than the sandbox allows
    rule = make_rule(actions=[{"type": "auto_reply", "value": long_text}, {"type": "add_tag", "value": "after"}])
    deliver(client, sandbox_account, sandbox_post(text="hi", at=datetime.now(UTC)))
    run = RuleRun.objects.get(rule=rule)
    assert [r["ok"] for r in run.results] == [False, True]
    assert "500" in run.results[0]["summary"]
    assert "after" in tags(_ticket())


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Recorder.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.mark.django_db
def test_outbound_webhook_after_commit(client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        make_rule(actions=[{"type": "webhook", "value": url}])
        _Recorder.received.clear()
        deliver(client, sandbox_account, sandbox_post(text="ping", at=datetime.now(UTC)))
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Recorder.received) == 1
    assert _Recorder.received[0]["message"]["text"] == "ping"
    assert _ticket().events.filter(kind="rule.webhook", data__outcome="ok").exists()


@pytest.mark.django_db
def test_dry_run_against_a_past_message_has_no_side_effects() -> None:
    message = MessageFactory(text="where is my refund?")
    before = message.ticket.events.count()
    conditions = engine._clean_group({"op": "all", "conditions": [cond("text", "contains", "refund")]}, "c", 1, [0])
    result = engine.rule_dry_run(trigger="message.received", trigger_config={}, conditions=conditions,
                                 actions=[{"type": "mark_spam", "value": None}],
                                 ctx=RuleContext(ticket=message.ticket, message=message))
    assert result["matched"] and result["would"] == ["mark as spam, close and block the sender"]
    message.ticket.refresh_from_db()
    assert message.ticket.status == "new" and message.ticket.events.count() == before
    assert not RuleRun.objects.exists()


@pytest.mark.django_db
def test_idle_rule_fires_once_per_quiet_period(client, sandbox_account, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, NOW)
    rule = make_rule(trigger="ticket.idle", trigger_config={"minutes": 60},
                     actions=[{"type": "add_note", "value": "Nobody has touched this for an hour."}])
    deliver(client, sandbox_account, sandbox_post(text="hello?", at=clock.at))
    clock.advance(minutes=30)
    with committed():
        assert idle_tickets() == 0
    clock.advance(minutes=31)
    with committed():
        assert idle_tickets() == 1
        assert idle_tickets() == 0
    assert RuleRun.objects.filter(rule=rule).count() == 1
    assert clock.at - NOW > timedelta(hours=1)
