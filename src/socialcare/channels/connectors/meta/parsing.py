"""Pure helpers to read Meta webhook deliveries (shared by Facebook, Messenger, Instagram, Threads)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from socialcare.channels.connectors.base import as_dict

from ..base import AccountInfo, Author, EventAction, InboundEvent, ParseError


def load(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"body is not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ParseError("expected a JSON object")
    return doc


def entries(doc: Mapping[str, Any], expected_objects: tuple[str, ...]) -> list[dict[str, Any]]:
    """The ``entry`` list of a delivery for one of ``expected_objects``; [] for other objects."""
    if doc.get("object") not in expected_objects:
        return []
    items = doc.get("entry")
    if not isinstance(items, list):
        raise ParseError("'entry' must be a list")
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise ParseError(f"entry[{n}] is not an object")
    return items


def iso_time(value: Any, fallback: Any = None) -> str:
    """Meta sends epoch seconds (feed), epoch milliseconds (messaging) or ISO strings (Threads)."""
    if value is None or value == "":
        value = fallback
    if isinstance(value, bool) or value is None:
        raise ParseError("a timestamp is missing")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC).isoformat()
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return iso_time(int(text))
        if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ParseError(f"bad timestamp {value!r}") from exc
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.isoformat()
    raise ParseError(f"bad timestamp {value!r}")


def author_of(doc: Any, where: str) -> Author:
    if not isinstance(doc, dict) or not doc.get("id"):
        raise ParseError(f"{where} has no author id")
    return Author(external_id=str(doc["id"]), handle=str(doc.get("username") or ""),
                  display_name=str(doc.get("name") or ""))


def attachment_refs(items: Any) -> tuple[dict[str, Any], ...]:
    """Attachments are kept as references (type + URL/ids), never downloaded here."""
    refs: list[dict[str, Any]] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        payload = as_dict(item.get("payload"))
        ref = {"type": str(item.get("type") or "file")}
        for key in ("url", "sticker_id", "title", "attachment_id"):
            if payload.get(key) not in (None, ""):
                ref[key] = payload[key]
        refs.append(ref)
    return tuple(refs)


def messaging_events(account: AccountInfo, entry: Mapping[str, Any], n: int) -> list[InboundEvent]:
    """``entry[].messaging[]`` as sent for Messenger and Instagram DMs."""
    items = entry.get("messaging")
    if items is None:
        return []
    if not isinstance(items, list):
        raise ParseError(f"entry[{n}].messaging must be a list")
    events: list[InboundEvent] = []
    for m, item in enumerate(items):
        where = f"entry[{n}].messaging[{m}]"
        if not isinstance(item, dict):
            raise ParseError(f"{where} is not an object")
        event = _messaging_event(account, entry, item, where)
        events.extend(event)
    return events


def _messaging_event(account: AccountInfo, entry: Mapping[str, Any], item: Mapping[str, Any],
                     where: str) -> list[InboundEvent]:
    sender = as_dict(item.get("sender"))
    recipient = as_dict(item.get("recipient"))
    sender_id = str(sender.get("id") or "")
    recipient_id = str(recipient.get("id") or "")
    occurred = iso_time(item.get("timestamp"), entry.get("time"))
    own_ids = {account.external_id, str(entry.get("id") or "")} - {""}
    if isinstance(item.get("message"), dict):
        message = item["message"]
        if not message.get("mid"):
            raise ParseError(f"{where}.message.mid is missing")
        echo = bool(message.get("is_echo")) or sender_id in own_ids
        customer = recipient_id if echo else sender_id
        if not customer:
            raise ParseError(f"{where} has no sender/recipient id")
        if message.get("is_deleted"):
            return [InboundEvent(external_id=str(message["mid"]), action=EventAction.DELETE, occurred_at=occurred)]
        metrics: dict[str, Any] = {}
        quick = message.get("quick_reply")
        if isinstance(quick, dict) and quick.get("payload") is not None:
            metrics["quick_reply_payload"] = str(quick["payload"])
        reply_to = as_dict(message.get("reply_to"))
        return [InboundEvent(
            external_id=str(message["mid"]),
            kind="direct",
            visibility="private",
            direction="out" if echo else "in",
            text=str(message.get("text") or ""),
            author=Author(external_id=sender_id),
            occurred_at=occurred,
            thread_key=customer,
            in_reply_to=str(reply_to.get("mid") or ""),
            attachments=attachment_refs(message.get("attachments")),
            metrics=metrics,
        )]
    if isinstance(item.get("postback"), dict):
        postback = item["postback"]
        mid = str(postback.get("mid") or f"postback:{sender_id}:{item.get('timestamp')}")
        return [InboundEvent(
            external_id=mid, kind="direct", visibility="private", text=str(postback.get("title") or ""),
            author=Author(external_id=sender_id), occurred_at=occurred, thread_key=sender_id,
            metrics={"postback_payload": str(postback.get("payload") or "")},
        )]
    if isinstance(item.get("message_edit"), dict):
        edit = item["message_edit"]
        return [InboundEvent(external_id=str(edit.get("mid") or ""), action=EventAction.EDIT,
                             text=str(edit.get("text") or ""), occurred_at=occurred)]
    if isinstance(item.get("reaction"), dict):
        reaction = item["reaction"]
        if reaction.get("action") != "react" or not reaction.get("mid"):
            return []
        kind = str(reaction.get("reaction") or "like")
        return [InboundEvent(
            external_id=f"reaction:{reaction['mid']}:{sender_id}:{kind}", action=EventAction.ENGAGEMENT,
            author=Author(external_id=sender_id), occurred_at=occurred, in_reply_to=str(reaction["mid"]),
            data={"reaction": kind},
        )]
    if isinstance(item.get("delivery"), dict):
        mids = item["delivery"].get("mids") or []
        return [InboundEvent(external_id=str(mid), action=EventAction.STATUS, occurred_at=occurred,
                             data={"status": "delivered"}) for mid in mids if mid]
    return []  # read receipts, optins, referrals...: nothing for us
