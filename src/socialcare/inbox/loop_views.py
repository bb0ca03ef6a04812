"""UI and API for the public -> private -> public loop (services in ``loop.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from ninja import Router, Schema

from socialcare.accounts.access import access_ticket, check_can_write, tickets_visible_to
from socialcare.core.errors import DomainError, NotFound

from . import loop
from .models import Direction, TicketStatus

# --- the ticket panel --------------------------------------------------------------------------------


def panel_context(request: Any, ticket: Any) -> dict[str, Any]:
    has_public = ticket.messages.filter(direction=Direction.INBOUND, visibility="public").exists()
    moved = ticket.moved_private_at is not None
    return {
        "ticket": ticket,
        "can_move": not moved and has_public,
        "moved": moved,
        "followed_up": ticket.public_followup_at is not None,
        "can_close": moved and ticket.public_followup_at is None
        and ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED),
        "default_ack": _("Thank you! We have sent you a private message to look into this."),
        "default_followup": _("We solved this together in a private message. Thank you for your patience!"),
    }


def _act(request: HttpRequest, ticket_id: int, action: Any) -> HttpResponse:
    try:
        ticket = access_ticket(request.user, ticket_id)
        check_can_write(request.user)
        action(ticket)
    except NotFound:
        return HttpResponse(status=404)
    except DomainError as exc:
        context = {"panel": {**panel_context(request, ticket), "error": exc.message}}
        return render(request, "inbox/_loop_panel.html", context, status=422)
    return redirect("web:ticket", ticket_id=ticket_id)


@login_required
@require_POST
def move_to_private(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        loop.ticket_move_to_private(ticket=ticket, user=request.user,  # type: ignore[arg-type]
                                    ack_text=request.POST.get("ack_text", "").strip(),
                                    private_text=request.POST.get("private_text", ""))

    return _act(request, ticket_id, action)


@login_required
@require_POST
def close_loop(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        loop.ticket_close_loop(ticket=ticket, user=request.user, text=request.POST.get("text", "").strip())  # type: ignore[arg-type]

    return _act(request, ticket_id, action)


@login_required
def unclosed(request: HttpRequest) -> HttpResponse:
    tickets = loop.tickets_with_open_loop(tickets_visible_to(request.user)).select_related("channel_account",
                                                                                          "customer")[:500]
    return render(request, "inbox/loop_unclosed.html", {"tickets": tickets})


# --- the API -----------------------------------------------------------------------------------------

router = Router(tags=["loop"])


class MoveIn(Schema):
    ack_text: str
    private_text: str = ""


class CloseIn(Schema):
    text: str


class LoopOut(Schema):
    id: int
    status: str
    channel_account_id: int
    customer_id: int
    moved_private_at: Any = None
    public_followup_at: Any = None


@router.post("/tickets/{ticket_id}/move-to-private", response={200: LoopOut})
def api_move_to_private(request: HttpRequest, ticket_id: int, payload: MoveIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    return loop.ticket_move_to_private(ticket=ticket, user=request.user, ack_text=payload.ack_text,  # type: ignore[arg-type]
                                       private_text=payload.private_text)


@router.post("/tickets/{ticket_id}/close-loop", response={200: LoopOut})
def api_close_loop(request: HttpRequest, ticket_id: int, payload: CloseIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    return loop.ticket_close_loop(ticket=ticket, user=request.user, text=payload.text)  # type: ignore[arg-type]


@router.get("/unclosed", response={200: list[LoopOut]})
def api_unclosed(request: HttpRequest, resolved_only: bool = False):  # type: ignore[no-untyped-def]
    return list(loop.tickets_with_open_loop(tickets_visible_to(request.user), resolved_only=resolved_only)[:500])
