"""REST endpoints for approved templates (attached at /api/templates)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from socialcare.accounts.access import access_ticket, check_can_write
from socialcare.api.schemas import ErrorOut, MessageOut
from socialcare.core.errors import DomainError

from .models import MessageTemplate
from .services import parameter_count, template_reply_create, templates_visible_to, window_state

router = Router(tags=["templates"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class TemplateOut(Schema):
    id: int
    channel_account_id: int
    name: str
    language: str
    category: str
    status: str
    body: str
    parameter_count: int
    parameter_labels: list[str]
    buttons: list[dict]  # type: ignore[type-arg]

    @staticmethod
    def resolve_parameter_count(obj: MessageTemplate) -> int:
        return parameter_count(obj)


class TicketTemplatesOut(Schema):
    window_hours: int | None
    window_open: bool
    window_closes_at: str | None
    needs_template: bool
    templates: list[TemplateOut]


class TemplateSendIn(Schema):
    template_id: int
    parameters: list[str] = Field(default_factory=list, max_length=50)


@router.get("", response={200: list[TemplateOut], **ERRORS})
def list_templates(request: HttpRequest, channel_account_id: int | None = None,  # type: ignore[no-untyped-def]
                   include_unapproved: bool = False):
    qs = templates_visible_to(request.user)
    if channel_account_id is not None:
        qs = qs.filter(channel_account_id=channel_account_id)
    if not include_unapproved:
        qs = qs.filter(status="approved")
    return list(qs)


@router.get("/tickets/{ticket_id}", response={200: TicketTemplatesOut, **ERRORS})
def ticket_templates(request: HttpRequest, ticket_id: int):  # type: ignore[no-untyped-def]
    """The approved templates usable on this ticket and where its messaging window stands."""
    ticket = access_ticket(request.user, ticket_id)
    state = window_state(ticket)
    templates = list(templates_visible_to(request.user).filter(channel_account_id=ticket.channel_account_id,
                                                                status="approved"))
    return {"window_hours": state.hours, "window_open": state.is_open,
            "window_closes_at": state.closes_at.isoformat() if state.closes_at else None,
            "needs_template": state.needs_template, "templates": templates}


@router.post("/tickets/{ticket_id}/send", response={201: MessageOut, **ERRORS})
def send_template(request: HttpRequest, ticket_id: int, payload: TemplateSendIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    template = MessageTemplate.objects.filter(pk=payload.template_id,
                                              channel_account_id=ticket.channel_account_id).first()
    if template is None:
        raise DomainError(f"no template {payload.template_id} on this ticket's channel account", code="not_found")
    message = template_reply_create(ticket=ticket, template=template, parameters=payload.parameters,
                                    user=request.user)  # type: ignore[arg-type]
    return Status(201, message)
