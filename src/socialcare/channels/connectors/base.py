"""The connector contract: what every platform adapter provides and what it returns.

Nothing outside ``socialcare.channels`` knows a provider's payload shape. Adapters receive plain
data (``AccountInfo``, ``WebhookRequest``) instead of Django objects so they stay pure and testable.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol, runtime_checkable


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: for reading optional parts of payloads."""
    return value if isinstance(value, dict) else {}


# --- data crossing the boundary ------------------------------------------------------------------


@dataclass(frozen=True)
class AccountInfo:
    """What an adapter may know about the brand's channel account."""

    id: int
    kind: str
    external_id: str = ""
    handle: str = ""
    credentials: Mapping[str, Any] = field(default_factory=dict)
    webhook_secret: str = ""
    api_base_url: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookRequest:
    method: str
    headers: Mapping[str, str]  # lower-case names
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Author:
    external_id: str
    handle: str = ""
    display_name: str = ""
    follower_count: int | None = None
    verified: bool = False


class EventAction:
    MESSAGE = "message"  # a new message (inbound, or our own outbound echoed back)
    EDIT = "edit"  # the author changed the text
    DELETE = "delete"  # the author or platform removed it; we keep it, marked deleted
    STATUS = "status"  # delivery status of one of our outbound messages (sent/delivered/read/failed)
    ENGAGEMENT = "engagement"  # like, reaction, share: counted, never a ticket


@dataclass(frozen=True)
class InboundEvent:
    """One normalized thing that happened on a platform. Frozen and JSON-serialisable."""

    external_id: str
    action: str = EventAction.MESSAGE
    kind: str = "mention"  # mention, reply, comment, direct, review, post
    visibility: str = "public"  # public or private
    direction: str = "in"  # "out" when the platform echoes a message the brand sent
    text: str = ""
    author: Author | None = None
    occurred_at: str = ""  # ISO 8601 with offset
    thread_key: str = ""  # the platform's conversation/root id, when it has one
    in_reply_to: str = ""  # external id of the message this one answers
    attachments: tuple[Mapping[str, Any], ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)  # action-specific details (status, reaction)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True, default=list)

    @classmethod
    def from_json(cls, raw: str) -> InboundEvent:
        data = json.loads(raw)
        author = data.pop("author")
        data["attachments"] = tuple(data.get("attachments") or ())
        return cls(author=Author(**author) if author else None, **data)

    @property
    def occurred(self) -> datetime:
        return datetime.fromisoformat(self.occurred_at)


@dataclass(frozen=True)
class OutboundMessage:
    """What Socialcare asks an adapter to publish."""

    idempotency_key: str
    text: str
    visibility: str  # public reply or private message
    in_reply_to: str = ""  # external id of the message answered (public replies)
    recipient_id: str = ""  # customer's external user id (private messages)
    thread_key: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)  # quick replies, template, tag...


@dataclass(frozen=True)
class SendResult:
    external_id: str
    rate_limit_remaining: int | None = None
    rate_limit_reset_at: datetime | None = None


@dataclass(frozen=True)
class ActionResult:
    """Outcome of a moderation/engagement action (like, hide, unhide, delete, private_reply...)."""

    ok: bool = True
    external_id: str = ""  # e.g. the id of a private reply that was created
    state: Mapping[str, Any] = field(default_factory=dict)  # merged into Message.platform_state


@dataclass(frozen=True)
class HandshakeResponse:
    status: int
    body: bytes
    content_type: str = "text/plain"


# --- errors -----------------------------------------------------------------------------------------


class SignatureError(Exception):
    """The request is not from the platform (bad or missing signature/secret)."""


class ParseError(Exception):
    """The payload cannot be understood; the raw event is kept as failed with this reason."""


class SendError(Exception):
    def __init__(self, message: str, *, retriable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retriable = retriable
        self.retry_after = retry_after


# --- channel rules ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelRules:
    """Limits an adapter declares; the composer, the API and automation ask these, never the kind."""

    max_length: int
    length_counter: str = "chars"  # a key of socialcare.channels.rules.length_counters
    editable: bool = False
    private_channel: bool = True  # can the brand write privately to this customer?
    public_channel: bool = True  # can the brand answer publicly? (False: private-only, e.g. WhatsApp)
    messaging_window_hours: int | None = None  # None: no window
    extended_window_hours: int | None = None  # e.g. Messenger's human-agent tag (7 days)
    template_outside_window: bool = False
    automated_disclosure: str = ""  # text that automated messages must carry, when the law asks
    confirm_before_public_post: bool = False  # public posts cannot be edited after publishing


# --- the adapter protocol -----------------------------------------------------------------------------


@runtime_checkable
class ChannelAdapter(Protocol):
    kind: ClassVar[str]
    display_name: ClassVar[str]

    def rules(self, account: AccountInfo) -> ChannelRules: ...

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        """Answer a platform's verification request (GET), or None when it is not one."""
        ...

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        """Raise SignatureError unless the delivery is authentic. Runs on the raw bytes."""
        ...

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        """Pure: raw delivery -> normalized events. Unknown event types give []; garbage raises ParseError."""
        ...

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        """Publish over the platform's HTTP API; raise SendError(retriable=...) on failure."""
        ...


class SupportsActions(Protocol):
    """Optional: adapters that can act on a platform message besides replying.

    ``actions`` lists what the adapter can do (``like``, ``hide``, ``unhide``, ``delete``,
    ``private_reply``...). The UI shows a button per action and the API accepts them; the service
    ``socialcare.inbox.services.message_act`` asks ``perform``.
    """

    actions: ClassVar[frozenset[str]]

    def perform(self, account: AccountInfo, action: str, target_external_id: str,
                params: Mapping[str, Any]) -> ActionResult: ...


#: Actions that remove or hide something publicly ask the agent to confirm first.
DESTRUCTIVE_ACTIONS = frozenset({"delete", "hide"})
