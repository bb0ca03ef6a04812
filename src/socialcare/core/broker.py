"""The embedded broker: kombu's filesystem transport, with messages that appear atomically.

kombu's filesystem transport creates a message file and then writes it, so a worker polling the folder
can pick up a half-written file and crash on the JSON. Here a message is written under a temporary name
(which the reader ignores) and renamed into place; a rename within one folder is atomic on POSIX.
The scheme ``scfs://`` selects it; ``SOCIALCARE_BROKER_URL=filesystem://`` (the default) maps to it.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # does not end in ".<queue>.msg": readers skip it
        try:
            # no fsync: the rename makes the message appear whole to readers; durability is the database's
            # job (a raw event lost with the broker message is re-dispatched by the sweeper)
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    TRANSPORT_ALIASES.setdefault("scfs", "socialcare.core.broker:Transport")
