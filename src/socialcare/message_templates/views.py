"""Send an approved template from the composer; answers like the other composer actions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socialcare.core.errors import DomainError
from socialcare.web.views import _write  # the shared "run a write, re-render the ticket" helper

from .models import MessageTemplate
from .services import parameter_count, template_reply_create


@login_required
@require_POST
def template_send(request: HttpRequest, ticket_id: int) -> HttpResponse:
    def action(ticket: Any) -> None:
        raw = request.POST.get("template", "")
        template = MessageTemplate.objects.filter(pk=int(raw) if raw.isdigit() else 0,
                                                  channel_account_id=ticket.channel_account_id).first()
        if template is None:
            raise DomainError(_("Choose one of this channel's approved templates."))
        values = [request.POST.get(f"param_{n}", "") for n in range(1, parameter_count(template) + 1)]
        template_reply_create(ticket=ticket, template=template, parameters=values, user=request.user)  # type: ignore[arg-type]

    return _write(request, ticket_id, action)
