"""Every connector is registered here, explicitly. A test checks every folder is listed."""

from __future__ import annotations

from socialcare.core.registry import Registry

from .base import ChannelAdapter
from .sandbox.adapter import SandboxAdapter

connector_registry: Registry[ChannelAdapter] = Registry("connectors")


def register(adapter: ChannelAdapter) -> None:
    if not isinstance(adapter, ChannelAdapter):
        raise TypeError(f"{adapter!r} does not implement the ChannelAdapter protocol")
    connector_registry.register(adapter.kind, adapter)


register(SandboxAdapter())


def get_adapter(kind: str) -> ChannelAdapter:
    return connector_registry.get(kind)
