from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """No inline script, no third-party hosts: social text is untrusted input."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class UserLanguageMiddleware:
    """The UI language is chosen per user (agent profile), overriding the browser's preference."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = None
        if user is not None and user.is_authenticated:
            profile = getattr(user, "agent", None)
            language = getattr(profile, "ui_language", None)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            if language:
                translation.deactivate()  # never leak one agent's language into the next request
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class PresenceHeartbeatMiddleware:
    """An agent who is using the UI is active: refresh ``last_seen_at`` at most once a minute, which also
    undoes an automatic "away" (routing)."""

    INTERVAL_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.path != "/live/":
            import time

            last = float(request.session.get("presence_touched", 0))
            if time.time() - last > self.INTERVAL_SECONDS:
                profile = getattr(user, "agent", None)
                if profile is not None:
                    from django.apps import apps

                    if apps.is_installed("socialcare.routing"):
                        from socialcare.routing.services import presence_touch

                        presence_touch(agent=profile)
                    request.session["presence_touched"] = time.time()
        return self.get_response(request)
