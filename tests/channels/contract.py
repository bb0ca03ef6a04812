"""The shared connector contract test. Every connector's test class inherits ``ConnectorContract``.

A connector test supplies only its data and its emulator:

    class TestMyConnector(ConnectorContract):
        kind = "my"
        account_kwargs = {...}                       # ChannelAccountFactory kwargs (secrets, ids)
        def sign_headers(self, account, body): ...   # headers that make a delivery authentic
        def message_fixture(self): ...              # bytes of a documented delivery with >= 1 message
        def expected_events(self): ...              # the exact InboundEvents it must parse into
        def unknown_fixture(self): ...              # bytes of a delivery of a type we ignore
        def emulator(self): ...                     # context manager -> object with .url and .fail_next(status)
        def outbound(self): ...                     # an OutboundMessage the emulator accepts
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, ClassVar

import pytest
from django.test import Client

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import (
    ChannelAdapter,
    ChannelRules,
    InboundEvent,
    OutboundMessage,
    SendError,
)
from socialcare.channels.connectors.registry import connector_registry, get_adapter
from socialcare.channels.models import ChannelAccount, RawEvent
from socialcare.inbox.models import Message
from tests.factories import ChannelAccountFactory
from tests.helpers import committed


@pytest.mark.django_db
class ConnectorContract:
    kind: ClassVar[str] = ""
    account_kwargs: ClassVar[dict[str, Any]] = {}

    # --- what each connector supplies -------------------------------------------------------------
    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        raise NotImplementedError

    def message_fixture(self) -> bytes:
        raise NotImplementedError

    def expected_events(self) -> list[InboundEvent]:
        raise NotImplementedError

    def unknown_fixture(self) -> bytes:
        raise NotImplementedError

    def emulator(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def outbound(self) -> OutboundMessage:
        raise NotImplementedError

    # --- helpers ---------------------------------------------------------------------------------------
    @pytest.fixture
    def account(self, brand: Any) -> ChannelAccount:
        return ChannelAccountFactory(brand=brand, kind=self.kind, **self.account_kwargs)

    @property
    def adapter(self) -> ChannelAdapter:
        return get_adapter(self.kind)

    def post(self, client: Client, account: ChannelAccount, body: bytes, headers: dict[str, str]) -> Any:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        with committed():
            return client.post(f"/hooks/{self.kind}/{account.pk}", data=body, content_type="application/json", **extra)

    # --- the contract ----------------------------------------------------------------------------------
    def test_registered(self) -> None:
        assert self.kind in connector_registry
        assert isinstance(self.adapter, ChannelAdapter)

    def test_declares_rules(self, account: ChannelAccount) -> None:
        rules = self.adapter.rules(account_info(account))
        assert isinstance(rules, ChannelRules)
        assert rules.max_length > 0

    def test_parses_documented_fixture_exactly(self, account: ChannelAccount) -> None:
        events = self.adapter.parse(account_info(account), self.message_fixture(), {})
        assert events == self.expected_events()

    def test_events_survive_json_round_trip(self, account: ChannelAccount) -> None:
        for event in self.adapter.parse(account_info(account), self.message_fixture(), {}):
            assert InboundEvent.from_json(event.to_json()) == event

    def test_bad_signature_is_rejected_and_nothing_stored(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        headers = self.sign_headers(account, body)
        tampered = body.replace(b"}", b" }", 1)
        response = self.post(client, account, tampered, headers)
        assert response.status_code in (401, 403)
        response = self.post(client, account, body, {})
        assert response.status_code in (401, 403)
        assert RawEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_redelivery_creates_nothing_new(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        assert self.post(client, account, body, self.sign_headers(account, body)).status_code == 200
        first = sorted(Message.objects.values_list("external_id", flat=True))
        assert first, "the fixture should create at least one message"
        assert self.post(client, account, body, self.sign_headers(account, body)).status_code == 200
        assert sorted(Message.objects.values_list("external_id", flat=True)) == first
        assert RawEvent.objects.count() == 2  # both deliveries are kept

    def test_unknown_event_type_is_acknowledged_and_ignored(self, client: Client, account: ChannelAccount) -> None:
        body = self.unknown_fixture()
        assert self.post(client, account, body, self.sign_headers(account, body)).status_code == 200
        assert Message.objects.count() == 0
        assert RawEvent.objects.get().status == "ignored"

    def test_garbage_is_kept_as_failed_with_reason(self, client: Client, account: ChannelAccount) -> None:
        body = b"{this is not json"
        assert self.post(client, account, body, self.sign_headers(account, body)).status_code == 200
        raw = RawEvent.objects.get()
        assert raw.status == "failed"
        assert raw.error
        assert bytes(raw.payload) == body

    def test_send_success(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            result = self.adapter.send(account_info(account), self.outbound())
        assert result.external_id

    def test_send_failure_is_reported(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            emulator.fail_next(429)
            with pytest.raises(SendError) as rate_limited:
                self.adapter.send(account_info(account), self.outbound())
            assert rate_limited.value.retriable
            emulator.fail_next(400)
            with pytest.raises(SendError) as rejected:
                self.adapter.send(account_info(account), self.outbound())
            assert not rejected.value.retriable
