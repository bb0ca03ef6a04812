from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from .extensions import nav_links


def navigation(request: HttpRequest) -> dict[str, Any]:
    links = []
    for _key, (url_name, label) in nav_links.items():
        try:
            links.append({"url": reverse(url_name), "label": label})
        except NoReverseMatch:
            continue
    return {"nav_links": links}
