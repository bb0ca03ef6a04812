from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from socialcare.channels.connectors.sandbox.server import SandboxServer
from tests.browser_support import close_shared_browser
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory

pytest_plugins = ["tests.browser_support"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    close_shared_browser()


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may only talk to loopback."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else ""
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"test tried to reach {address!r}; only loopback is allowed")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def brand(db):  # type: ignore[no-untyped-def]
    return BrandFactory(name="Acme", slug="acme")


@pytest.fixture
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(api_token="sandbox-token") as server:
        yield server


@pytest.fixture
def sandbox_account(brand, sandbox_server):  # type: ignore[no-untyped-def]
    return ChannelAccountFactory(brand=brand, api_base_url=sandbox_server.url, display_name="Acme Sandbox")


@pytest.fixture
def agent(brand):  # type: ignore[no-untyped-def]
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    profile = AgentFactory(user__username="anna", languages=["en", "de"])
    profile.teams.add(team)
    return profile
