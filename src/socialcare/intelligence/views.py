"""Agent UI of the noise filter: the Filtered view, corrections and the threshold by target recall."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socialcare.accounts.access import (
    access_brand_id,
    access_ticket,
    can_manage,
    check_can_manage,
    check_can_write,
    visible_brand_ids,
)
from socialcare.core.errors import DomainError, NotFound
from socialcare.core.models import Brand

from . import selectors, services
from .panels import _can_write

DEFAULT_MISS_PERCENT = 3


def _brands(user: Any) -> list[Brand]:
    ids = visible_brand_ids(user)
    qs = Brand.objects.all() if ids is None else Brand.objects.filter(pk__in=ids)
    return list(qs.order_by("name"))


def _filtered_context(request: HttpRequest) -> dict[str, Any]:
    brands = _brands(request.user)
    brand_param = request.GET.get("brand", "")
    brand_id = int(brand_param) if brand_param.isdigit() and int(brand_param) in {b.pk for b in brands} else None
    q = request.GET.get("q", "").strip()
    reviewed = request.GET.get("reviewed") == "1"
    qs = selectors.filtered_tickets(user=request.user, brand_id=brand_id, q=q, reviewed=reviewed)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    tickets = list(page.object_list)
    reasons = selectors.filter_reasons(tickets)
    stats = [{"brand": b, **selectors.filter_stats(brand_id=b.pk)}
             for b in brands if brand_id is None or b.pk == brand_id]
    for row in stats:
        target = row["target_recall"]
        row["miss_percent"] = round((1.0 - target) * 100, 1) if target else DEFAULT_MISS_PERCENT
    return {
        "brands": brands, "brand_id": brand_id, "q": q, "reviewed": reviewed, "page": page,
        "rows": [{"ticket": t, **reasons[t.pk]} for t in tickets], "stats": stats,
        "can_write": _can_write(request.user), "can_manage": can_manage(request.user),
        "default_miss": DEFAULT_MISS_PERCENT, "query": request.GET.urlencode(),
    }


@login_required
def filtered(request: HttpRequest) -> HttpResponse:
    return render(request, "intelligence/filtered.html", _filtered_context(request))


def _status(exc: DomainError) -> int:
    return 422 if exc.status_code == 400 else exc.status_code


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect("intelligence:filtered")


@login_required
@require_POST
def feedback(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        ticket = access_ticket(request.user, ticket_id)
        check_can_write(request.user)
        services.feedback_record(ticket=ticket, label=request.POST.get("label", ""), user=request.user)
    except NotFound:
        return HttpResponse(status=404)
    except DomainError as exc:
        context = _filtered_context(request)
        context["error"] = exc.message
        return render(request, "intelligence/filtered.html", context, status=_status(exc))
    return _back(request)


@login_required
@require_POST
def threshold(request: HttpRequest, brand_id: int) -> HttpResponse:
    try:
        access_brand_id(request.user, brand_id)
        check_can_manage(request.user)
        raw = request.POST.get("miss_percent", "").replace(",", ".").strip()
        try:
            miss = float(raw)
        except ValueError:
            raise DomainError(_("Enter the share of actionable messages you accept to miss, e.g. 3.")) from None
        services.threshold_set_for_target_recall(brand_id=brand_id, target_recall=1.0 - miss / 100.0,
                                                 user=request.user)
    except NotFound:
        return HttpResponse(status=404)
    except DomainError as exc:
        context = _filtered_context(request)
        context["error"] = exc.message
        context["error_brand_id"] = brand_id
        return render(request, "intelligence/filtered.html", context, status=_status(exc))
    return _back(request)


@login_required
@require_POST
def enable(request: HttpRequest, brand_id: int) -> HttpResponse:
    try:
        access_brand_id(request.user, brand_id)
        check_can_manage(request.user)
        services.filter_enable(brand_id=brand_id, enabled=request.POST.get("enabled") == "1", user=request.user)
    except NotFound:
        return HttpResponse(status=404)
    except DomainError as exc:
        context = _filtered_context(request)
        context["error"] = exc.message
        return render(request, "intelligence/filtered.html", context, status=_status(exc))
    return _back(request)
