"""Streams page (cost meter, status, hits with one-click conversion) and the Channels health page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socialcare.accounts.access import check_can_write, visible_brand_ids
from socialcare.core.errors import DomainError

from . import services
from .forms import StreamForm
from .health import accounts_health
from .models import PAUSED_BY_CAP, HitStatus, Stream, StreamHit


def streams_visible_to(user: Any) -> QuerySet[Stream]:
    qs = Stream.objects.select_related("brand", "channel_account")
    brand_ids = visible_brand_ids(user)
    return qs if brand_ids is None else qs.filter(brand_id__in=brand_ids)


def access_stream(user: Any, stream_id: int) -> Stream:
    stream = streams_visible_to(user).filter(pk=stream_id).first()
    if stream is None:
        raise Http404("stream not found")
    return stream


def _forbidden(user: Any) -> HttpResponse | None:
    try:
        check_can_write(user)
    except DomainError as exc:
        return HttpResponseForbidden(exc.message)
    return None


def meter(stream: Stream) -> dict[str, Any]:
    usage = services.usage_of(stream)
    share = None
    if stream.monthly_cap:
        share = min(100, int(usage.cost * 100 / stream.monthly_cap))
    return {"posts_read": usage.posts_read, "hits": usage.hits, "cost": usage.cost, "cap": stream.monthly_cap,
            "share": share, "price": stream.cost_per_post, "month": usage.month}


@login_required
def streams(request: HttpRequest) -> HttpResponse:
    brand_ids = visible_brand_ids(request.user)
    form = StreamForm(brand_ids=brand_ids)
    error = ""
    if request.method == "POST":
        try:
            check_can_write(request.user)
        except DomainError as exc:
            error = exc.message
        else:
            form = StreamForm(request.POST, brand_ids=brand_ids)
            if form.is_valid():
                stream = form.save()
                return redirect("listening:stream_hits", stream_id=stream.pk)
    rows = [{"stream": s, "meter": meter(s), "new_hits": s.hits.filter(status=HitStatus.NEW).count()}
            for s in streams_visible_to(request.user)]
    return render(request, "listening/streams.html", {"rows": rows, "form": form, "error": error,
                                                      "paused_by_cap": PAUSED_BY_CAP})


@login_required
@require_POST
def stream_state(request: HttpRequest, stream_id: int, action: str) -> HttpResponse:
    stream = access_stream(request.user, stream_id)
    if (denied := _forbidden(request.user)) is not None:
        return denied
    if action == "pause":
        Stream.objects.filter(pk=stream.pk).update(paused_reason="paused by an agent")
    elif action == "resume":
        if stream.paused_reason == PAUSED_BY_CAP and stream.monthly_cap is not None \
                and services.usage_of(stream).cost >= stream.monthly_cap:
            messages.error(request, _("This month's cap is reached; raise the cap to resume the stream."))
            return redirect("listening:streams")
        Stream.objects.filter(pk=stream.pk).update(paused_reason="", is_active=True)
    elif action == "deactivate":
        Stream.objects.filter(pk=stream.pk).update(is_active=False)
    else:
        raise Http404("unknown action")
    return redirect("listening:streams")


@login_required
def stream_hits(request: HttpRequest, stream_id: int) -> HttpResponse:
    stream = access_stream(request.user, stream_id)
    status = request.GET.get("status", HitStatus.NEW)
    hits = stream.hits.all() if status == "all" else stream.hits.filter(status=status)
    page = Paginator(hits, 50).get_page(request.GET.get("page"))
    rows = [{"hit": hit, "message": services.hit_message(hit) if hit.status == HitStatus.TICKETED else None}
            for hit in page.object_list]
    return render(request, "listening/hits.html", {"stream": stream, "rows": rows, "page": page, "status": status,
                                                   "meter": meter(stream), "statuses": HitStatus.choices})


def _hit_for(user: Any, hit_id: int) -> StreamHit:
    hit = StreamHit.objects.select_related("stream").filter(pk=hit_id).first()
    if hit is None or not streams_visible_to(user).filter(pk=hit.stream_id).exists():
        raise Http404("hit not found")
    return hit


@login_required
@require_POST
def hit_convert(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = _hit_for(request.user, hit_id)
    if (denied := _forbidden(request.user)) is not None:
        return denied
    services.hit_convert(hit=hit, user=request.user)
    message = services.hit_message(hit)
    if message is not None and request.POST.get("open"):
        return redirect("web:ticket", ticket_id=message.ticket_id)
    back = request.POST.get("back", HitStatus.NEW)
    return redirect(reverse("listening:stream_hits", args=[hit.stream_id]) + f"?status={quote(back)}")


@login_required
@require_POST
def hit_dismiss(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = _hit_for(request.user, hit_id)
    if (denied := _forbidden(request.user)) is not None:
        return denied
    try:
        services.hit_dismiss(hit=hit)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("listening:stream_hits", stream_id=hit.stream_id)


@login_required
def channels(request: HttpRequest) -> HttpResponse:
    rows = accounts_health(visible_brand_ids(request.user))
    return render(request, "listening/channels.html", {"rows": rows,
                                                       "warnings": sum(1 for r in rows if not r.ok)})
