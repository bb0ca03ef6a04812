"""Every connector is registered here, explicitly. A test checks every folder is listed."""

from __future__ import annotations

from socialcare.core.registry import Registry

from .base import ChannelAdapter
from .bluesky.adapter import BlueskyAdapter
from .facebook.adapter import FacebookAdapter
from .instagram.adapter import InstagramAdapter
from .mastodon.adapter import MastodonAdapter
from .messenger.adapter import MessengerAdapter
from .sandbox.adapter import SandboxAdapter
from .telegram.adapter import TelegramAdapter
from .threads.adapter import ThreadsAdapter
from .whatsapp.adapter import WhatsAppAdapter
from .x.adapter import XAdapter

connector_registry: Registry[ChannelAdapter] = Registry("connectors")


def register(adapter: ChannelAdapter) -> None:
    if not isinstance(adapter, ChannelAdapter):
        raise TypeError(f"{adapter!r} does not implement the ChannelAdapter protocol")
    connector_registry.register(adapter.kind, adapter)


register(SandboxAdapter())
register(FacebookAdapter())
register(MessengerAdapter())
register(InstagramAdapter())
register(ThreadsAdapter())
register(WhatsAppAdapter())
register(TelegramAdapter())
register(BlueskyAdapter())
register(MastodonAdapter())
register(XAdapter())


def get_adapter(kind: str) -> ChannelAdapter:
    return connector_registry.get(kind)
