from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from socialcare.channels.connectors.base import Author, InboundEvent, OutboundMessage
from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.connectors.sandbox.server import SandboxServer
from socialcare.channels.models import ChannelAccount
from tests.channels.contract import ConnectorContract

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/sandbox/fixtures"


class _Emulator:
    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.url

    def fail_next(self, status: int) -> None:
        httpx.post(f"{self.url}/_control/fail", json={"status": status, "count": 1})


class TestSandboxConnector(ConnectorContract):
    kind = "sandbox"
    account_kwargs = {"webhook_secret": "s3cret-webhook", "external_id": "brand_account",
                      "credentials": {"api_token": "sandbox-token"}}

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Sandbox-Signature": sign(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "mention_and_dm.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        anna = Author(external_id="u_anna", handle="anna_k", display_name="Anna K.", follower_count=230)
        return [
            InboundEvent(
                external_id="post_1001", kind="mention", visibility="public", text="@acme my order 4711 never arrived",
                author=anna, occurred_at="2026-11-20T09:15:00+00:00", thread_key="post_1001",
            ),
            InboundEvent(
                external_id="post_1002", kind="reply", visibility="public", text="still waiting...",
                author=anna, occurred_at="2026-11-20T09:40:00+00:00", thread_key="post_1001",
                in_reply_to="post_1001",
            ),
            InboundEvent(
                external_id="dm_77", kind="direct", visibility="private", text="Hallo, meine Adresse ist falsch",
                author=Author(external_id="u_jonas", handle="jonas", display_name="Jonas"),
                occurred_at="2026-11-20T10:00:00+00:00", thread_key="dm:u_jonas",
            ),
        ]

    def unknown_fixture(self) -> bytes:
        return json.dumps({"events": [{"type": "follow", "id": "f1", "created_at": "2026-11-20T10:00:00Z"}]}).encode()

    @contextmanager
    def emulator(self) -> Iterator[_Emulator]:
        with SandboxServer(api_token="sandbox-token") as server:
            yield _Emulator(server)

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry to hear that!", visibility="public",
                               in_reply_to="post_1001")
