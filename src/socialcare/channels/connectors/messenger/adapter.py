"""Messenger: ``entry[].messaging[]`` webhooks of a Facebook page; replies through the Send API.

Webhook: ``/hooks/messenger/<account id>`` (Meta handshake + ``X-Hub-Signature-256``).
``account.external_id`` is the page id. A conversation is keyed on the customer's page-scoped id
(``thread_key`` = PSID). Replies are allowed 24 hours after the customer's last message, or 7 days for
human agents when ``settings["human_agent_tag"]`` is on (sent with the ``HUMAN_AGENT`` tag).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from ..base import (
    AccountInfo,
    ChannelRules,
    HandshakeResponse,
    InboundEvent,
    OutboundMessage,
    SendError,
    SendResult,
    WebhookRequest,
)
from ..meta.common import meta_handshake, meta_verify
from ..meta.messaging import automated_disclosure, send_api, window_hours
from ..meta.parsing import entries, load, messaging_events

MAX_LENGTH = 2000


class MessengerAdapter:
    kind: ClassVar[str] = "messenger"
    display_name: ClassVar[str] = "Facebook Messenger"

    def rules(self, account: AccountInfo) -> ChannelRules:
        standard, extended = window_hours(account)
        return ChannelRules(
            max_length=MAX_LENGTH,
            editable=False,
            private_channel=True,
            messaging_window_hours=standard,
            extended_window_hours=extended,
            automated_disclosure=automated_disclosure(account),
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return meta_handshake(account, request)

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        meta_verify(account, request)

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        events: list[InboundEvent] = []
        for n, entry in enumerate(entries(load(body), ("page",))):
            events.extend(messaging_events(account, entry, n))
        return events

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        if message.visibility != "private":
            raise SendError("Messenger has no public replies", retriable=False)
        psid = message.thread_key or message.recipient_id
        if not psid:
            raise SendError("no recipient for the Messenger message", retriable=False)
        return send_api(account, recipient={"id": psid}, text=message.text, options=message.options,
                        max_length=MAX_LENGTH)
