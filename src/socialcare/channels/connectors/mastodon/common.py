"""Mastodon helpers: authenticated REST calls, rate-limit headers, HTML content to plain text."""

from __future__ import annotations

import html
import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

import httpx

from ..base import AccountInfo
from ..http import check_base_url, request

DEFAULT_MAX_CHARACTERS = 500
URL_WEIGHT = 23
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w")


def api(account: AccountInfo, method: str, path: str, **kwargs: Any) -> httpx.Response:
    base = check_base_url(account.api_base_url)
    token = str(account.credentials.get("access_token", ""))
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return request(method, f"{base}{path}", headers=headers, **kwargs)


def rate_limit(response: httpx.Response) -> tuple[int | None, datetime | None]:
    """``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (ISO 8601)."""
    remaining = response.headers.get("x-ratelimit-remaining")
    reset = response.headers.get("x-ratelimit-reset")
    try:
        left = int(remaining) if remaining is not None else None
    except ValueError:
        left = None
    try:
        at = datetime.fromisoformat(reset.replace("Z", "+00:00")) if reset else None
    except ValueError:
        at = None
    return left, at


def count_mastodon(text: str) -> int:
    """Mastodon's counting: every URL counts 23, a remote mention counts only its ``@user`` part."""
    text = _URL.sub("x" * URL_WEIGHT, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(text)


class _TextExtractor(HTMLParser):
    """Keeps every text node, including Mastodon's ``invisible`` link spans, so URLs stay complete."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            if self.paragraphs:
                self.parts.append("\n\n")
            self.paragraphs += 1

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(content: str) -> str:
    """Status ``content`` (sanitised HTML) to the text the author typed (links shown in full)."""
    if "<" not in content:
        return html.unescape(content)
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()
