"""Agent UI: thin views over services and selectors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socialcare.accounts.access import access_ticket, check_can_write, profile_of, visible_brand_ids
from socialcare.accounts.models import AgentProfile
from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import DESTRUCTIVE_ACTIONS
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.models import ChannelAccount
from socialcare.core.errors import DomainError, NotFound
from socialcare.core.models import Brand
from socialcare.inbox import selectors, services
from socialcare.inbox.models import Message, TicketEvent, TicketStatus

from .extensions import composer_panels, render_panels, ticket_panels


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


def _filter_choices(user: Any) -> dict[str, Any]:
    brand_ids = visible_brand_ids(user)
    brands = Brand.objects.all() if brand_ids is None else Brand.objects.filter(pk__in=brand_ids)
    accounts = ChannelAccount.objects.filter(brand__in=brands).select_related("brand")
    return {"brands": brands, "accounts": accounts, "statuses": TicketStatus.choices}


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    filters = selectors.TicketFilters.from_mapping(request.GET)
    if not request.GET:
        filters = selectors.TicketFilters(status="open_all")
    context = {"filters": filters, **_filter_choices(request.user), **_rows_context(request, filters)}
    return render(request, "web/inbox.html", context)


def _rows_context(request: HttpRequest, filters: selectors.TicketFilters) -> dict[str, Any]:
    qs = selectors.ticket_list(user=request.user, filters=filters)
    sort = request.GET.get("sort", "")
    if apps.is_installed("socialcare.sla"):
        from socialcare.sla.selectors import tickets_with_sla

        qs = tickets_with_sla(qs, order=sort == "sla")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    base = request.GET.copy()
    base.pop("sort", None)
    base.pop("page", None)
    return {"page": page, "tickets": page.object_list, "query": request.GET.urlencode(), "sort": sort,
            "query_without_sort": base.urlencode(), "now": timezone.now()}


@login_required
def inbox_rows(request: HttpRequest) -> HttpResponse:
    filters = selectors.TicketFilters.from_mapping(request.GET)
    return render(request, "web/_ticket_rows.html", _rows_context(request, filters))


def _ticket_context(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    ticket = access_ticket(request.user, ticket_id)
    account = ticket.channel_account
    rules = get_adapter(account.kind).rules(account_info(account))
    identities = ticket.customer.identities.select_related("channel_account")
    earlier = ticket.customer.tickets.exclude(pk=ticket.pk).order_by("-created_at")[:10]
    agents = get_user_model().objects.filter(agent__isnull=False).order_by("username")
    last_inbound = ticket.messages.filter(direction="in").order_by("-occurred_at").first()
    adapter = get_adapter(account.kind)
    return {
        "actions": sorted(getattr(adapter, "actions", frozenset())),
        "destructive_actions": DESTRUCTIVE_ACTIONS,
        "ticket_panels": render_panels(ticket_panels, request, ticket),
        "composer_panels": render_panels(composer_panels, request, ticket),
        "ticket": ticket,
        "thread": selectors.ticket_thread(ticket=ticket),
        "rules": rules,
        "identities": identities,
        "earlier": earlier,
        "agents": agents,
        "statuses": TicketStatus.choices,
        "default_visibility": last_inbound.visibility if last_inbound else "public",
        "can_write": profile_of(request.user) is not None and profile_of(request.user).role != "readonly",  # type: ignore[union-attr]
    }


@login_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        context = _ticket_context(request, ticket_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    return render(request, "web/ticket.html", context)


@login_required
def ticket_thread(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        context = _ticket_context(request, ticket_id)
    except NotFound:
        return HttpResponse(status=404)
    return render(request, "web/_thread.html", context)


def _write(request: HttpRequest, ticket_id: int, action: Any) -> HttpResponse:
    """Run a write for the ticket and answer with the refreshed ticket panel (or the error)."""
    try:
        ticket = access_ticket(request.user, ticket_id)
        check_can_write(request.user)
        action(ticket)
        error = ""
    except NotFound:
        return HttpResponse(status=404)
    except DomainError as exc:
        error = exc.message
    context = _ticket_context(request, ticket_id)
    context["error"] = error
    context["draft"] = request.POST.get("text", "") if error else ""
    status = 422 if error else 200
    if request.headers.get("HX-Request"):
        return render(request, "web/_ticket_main.html", context, status=status)
    if error:
        return render(request, "web/ticket.html", context, status=status)
    return redirect("web:ticket", ticket_id=ticket_id)


@login_required
@require_POST
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        visibility = request.POST.get("visibility") or None
        rules = get_adapter(ticket.channel_account.kind).rules(account_info(ticket.channel_account))
        if visibility == "public" and rules.confirm_before_public_post and not request.POST.get("confirm_public"):
            raise DomainError(_("Public posts on this channel cannot be edited after publishing. "
                                "Tick the confirmation box to publish."))
        services.reply_create(ticket=ticket, user=request.user, text=request.POST.get("text", ""),  # type: ignore[arg-type]
                              visibility=visibility)

    return _write(request, ticket_id, action)


@login_required
@require_POST
def ticket_assign(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        raw = request.POST.get("assignee", "")
        if raw == "me":
            assignee = request.user
        elif raw.isdigit():
            assignee = get_user_model().objects.filter(pk=int(raw), agent__isnull=False).first()
            if assignee is None:
                raise DomainError(_("No such agent."))
        else:
            assignee = None
        services.ticket_assign(ticket=ticket, assignee=assignee, actor=services.actor_of(request.user))  # type: ignore[arg-type]

    return _write(request, ticket_id, action)


@login_required
@require_POST
def ticket_status(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        services.ticket_set_status(ticket=ticket, status=request.POST.get("status", ""),
                                   actor=services.actor_of(request.user))  # type: ignore[arg-type]

    return _write(request, ticket_id, action)


@login_required
@require_POST
def ticket_note(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        services.note_add(ticket=ticket, user=request.user, text=request.POST.get("note", ""))  # type: ignore[arg-type]

    return _write(request, ticket_id, action)


@login_required
@require_POST
def message_action(request: HttpRequest, ticket_id: int, message_id: int, action: str) -> HttpResponse:
    def run(ticket: Any) -> None:
        message = Message.objects.filter(pk=message_id, ticket=ticket).first()
        if message is None:
            raise NotFound("message not found")
        if action in DESTRUCTIVE_ACTIONS and not request.POST.get("confirm"):
            raise DomainError(_("Please confirm: this changes what the public sees on the platform."))
        services.message_act(message=message, action=action, user=request.user)  # type: ignore[arg-type]

    return _write(request, ticket_id, run)


@login_required
@require_POST
def set_presence(request: HttpRequest) -> HttpResponse:
    from socialcare.routing.services import presence_set

    profile = profile_of(request.user)
    if profile is None:
        return HttpResponseBadRequest("no agent profile")
    try:
        presence_set(agent=profile, presence=request.POST.get("presence", ""), actor=services.actor_of(request.user))  # type: ignore[arg-type]
    except DomainError as exc:
        return HttpResponseBadRequest(exc.message)
    return redirect(request.POST.get("next") or "web:inbox")


@login_required
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest("unknown language")
    AgentProfile.objects.filter(user=request.user).update(ui_language=language)
    return redirect(request.POST.get("next") or "web:inbox")


async def _latest_change() -> int:
    latest = await TicketEvent.objects.order_by("-id").values_list("id", flat=True).afirst()
    return int(latest or 0)


def _sync_latest_change() -> int:
    return int(TicketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0)


async def live_events(request: HttpRequest) -> HttpResponse:
    """Server-Sent Events: 'changed' whenever the ticket event log grows (new tickets, messages...).

    Under ASGI (uvicorn) the stream is an async generator; under WSGI (the test live server) a
    synchronous generator is used, because WSGI would buffer an async one until it ends."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=401)
    poll = settings.SOCIALCARE_LIVE_POLL_SECONDS
    lifetime = settings.SOCIALCARE_LIVE_STREAM_SECONDS

    async def async_stream() -> AsyncIterator[str]:
        last = await _latest_change()
        yield f"retry: 1000\nevent: hello\ndata: {last}\n\n"
        deadline = time.monotonic() + lifetime
        quiet = 0.0
        while time.monotonic() < deadline:
            await asyncio.sleep(poll)
            current = await _latest_change()
            if current != last:
                last = current
                quiet = 0.0
                yield f"event: changed\ndata: {current}\n\n"
            else:
                quiet += poll
                if quiet >= 15:
                    quiet = 0.0
                    yield ": keep-alive\n\n"

    def sync_stream() -> Iterator[str]:
        last = _sync_latest_change()
        yield f"retry: 1000\nevent: hello\ndata: {last}\n\n"
        deadline = time.monotonic() + lifetime
        while time.monotonic() < deadline:
            time.sleep(poll)
            try:
                current = _sync_latest_change()
            except (DatabaseError, RuntimeError):  # the server is shutting down; the browser reconnects
                return
            if current != last:
                last = current
                yield f"event: changed\ndata: {current}\n\n"
            else:
                yield ": keep-alive\n\n"

    under_wsgi = "wsgi.version" in request.META
    response = StreamingHttpResponse(sync_stream() if under_wsgi else async_stream(),
                                     content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
