"""The threads emulator is the shared loopback Graph API emulator (see ``meta/emulator.py``)."""

from ..meta.emulator import GraphEmulator, deliver

__all__ = ["GraphEmulator", "deliver"]
