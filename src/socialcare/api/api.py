"""REST API v0 (django-ninja). OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.responses import Status

from socialcare.accounts.access import access_ticket, check_can_write
from socialcare.core.errors import DomainError
from socialcare.inbox import selectors, services

from .auth import TokenAuth
from .schemas import AssignIn, ErrorOut, MessageOut, NoteIn, NoteOut, ReplyIn, StatusIn, TicketOut

api = NinjaAPI(title="Socialcare API", version="0", auth=TokenAuth(), urls_namespace="api")
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "code": exc.code}, status=exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", []) if p not in ("body", "payload", "query"))
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return api.create_response(request, {"detail": "; ".join(parts), "code": "validation", "errors": exc.errors},
                               status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "missing or invalid API token", "code": "unauthorized"}, status=401)


class TicketQuery(Schema):
    status: str = ""
    channel: str = ""
    kind: str = ""
    brand: str = ""
    assignee: str = ""
    q: str = ""
    language: str = ""
    sentiment: str = ""
    intent: str = ""
    has_pii: str = ""
    limit: int = 50
    offset: int = 0


@api.get("/tickets", response={200: list[TicketOut], **ERRORS}, tags=["tickets"])
def list_tickets(request: HttpRequest, query: Query[TicketQuery]):  # type: ignore[no-untyped-def]
    if not 1 <= query.limit <= 500:
        raise DomainError("limit must be between 1 and 500")
    if query.offset < 0:
        raise DomainError("offset must not be negative")
    filters = selectors.TicketFilters.from_mapping(query.dict())
    qs = selectors.ticket_list(user=request.user, filters=filters).prefetch_related("tags")
    return list(qs[query.offset : query.offset + query.limit])


@api.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS}, tags=["tickets"])
def get_ticket(request: HttpRequest, ticket_id: int):  # type: ignore[no-untyped-def]
    return access_ticket(request.user, ticket_id)


@api.get("/tickets/{ticket_id}/messages", response={200: list[MessageOut], **ERRORS}, tags=["tickets"])
def get_messages(request: HttpRequest, ticket_id: int):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    return list(ticket.messages.select_related("author_identity"))


@api.post("/tickets/{ticket_id}/reply", response={201: MessageOut, **ERRORS}, tags=["tickets"])
def reply(request: HttpRequest, ticket_id: int, payload: ReplyIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    message = services.reply_create(ticket=ticket, user=request.user, text=payload.text,  # type: ignore[arg-type]
                                    visibility=payload.visibility)
    return Status(201, message)


@api.post("/tickets/{ticket_id}/assign", response={200: TicketOut, **ERRORS}, tags=["tickets"])
def assign(request: HttpRequest, ticket_id: int, payload: AssignIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    assignee = None
    if payload.assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=payload.assignee_id, agent__isnull=False).first()
        if assignee is None:
            raise DomainError(f"no agent with id {payload.assignee_id}")
    return services.ticket_assign(ticket=ticket, assignee=assignee, actor=services.actor_of(request.user))  # type: ignore[arg-type]


@api.post("/tickets/{ticket_id}/status", response={200: TicketOut, **ERRORS}, tags=["tickets"])
def set_status(request: HttpRequest, ticket_id: int, payload: StatusIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    return services.ticket_set_status(ticket=ticket, status=payload.status, actor=services.actor_of(request.user))  # type: ignore[arg-type]


@api.post("/tickets/{ticket_id}/notes", response={201: NoteOut, **ERRORS}, tags=["tickets"])
def add_note(request: HttpRequest, ticket_id: int, payload: NoteIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    return Status(201, services.note_add(ticket=ticket, user=request.user, text=payload.text))  # type: ignore[arg-type]


api.add_router("/templates", "socialcare.message_templates.api.router")
api.add_router("/loop", "socialcare.inbox.loop_views.router")
api.add_router("/rules", "socialcare.automation.api.router")
api.add_router("/routing", "socialcare.routing.api.router")
api.add_router("/sla", "socialcare.sla.api.router")
api.add_router("/streams", "socialcare.listening.api.router")
api.add_router("/intelligence", "socialcare.intelligence.api.router")
