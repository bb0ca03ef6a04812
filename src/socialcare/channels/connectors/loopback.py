"""The loopback HTTP server behind the sandbox network and every platform emulator."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LoopbackServer:
    """A ThreadingHTTPServer on a loopback address, served from a background thread.

    Use it as a context manager or call ``start()``/``stop()``; ``url`` is its base URL (port 0 picks a
    free one)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], *, port: int = 0, host: str = "127.0.0.1",
                 name: str = "loopback-server") -> None:
        if host not in LOOPBACK:
            raise ValueError(f"{name} only listens on loopback, not on {host!r}")
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True, name=name)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
