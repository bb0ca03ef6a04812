"""Webhook receiver: verify on the raw bytes, store, acknowledge. Processing happens in a task."""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from socialcare.core.registry import NotRegistered
from socialcare.core.tasks import enqueue_on_commit

from . import pipeline
from .accounts import account_info
from .connectors.base import SignatureError, WebhookRequest
from .connectors.registry import get_adapter
from .models import ChannelAccount
from .tasks import process_raw_event

logger = logging.getLogger(__name__)


@csrf_exempt
def webhook(request: HttpRequest, kind: str, account_id: int) -> HttpResponse:
    account = ChannelAccount.objects.filter(pk=account_id, kind=kind, is_active=True).first()
    if account is None:
        return JsonResponse({"error": "unknown channel account"}, status=404)
    try:
        adapter = get_adapter(kind)
    except NotRegistered:
        return JsonResponse({"error": f"no connector {kind!r}"}, status=404)
    info = account_info(account)
    incoming = WebhookRequest(
        method=request.method or "GET",
        headers={k.lower(): str(v) for k, v in request.headers.items()},
        query={k: str(v) for k, v in request.GET.items()},
        body=request.body,
    )
    if request.method == "GET":
        try:
            answer = adapter.handshake(info, incoming)
        except SignatureError as exc:
            ChannelAccount.objects.filter(pk=account.pk).update(
                last_handshake_at=timezone.now(), last_handshake_ok=False
            )
            logger.warning("webhook.handshake_rejected", extra={"account_id": account.pk, "reason": str(exc)})
            return JsonResponse({"error": str(exc)}, status=403)
        if answer is None:
            return JsonResponse({"error": "not a handshake"}, status=400)
        ChannelAccount.objects.filter(pk=account.pk).update(last_handshake_at=timezone.now(), last_handshake_ok=True)
        return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    if request.method != "POST":
        return JsonResponse({"error": "use POST"}, status=405)
    try:
        adapter.verify(info, incoming)
    except SignatureError as exc:
        logger.warning("webhook.signature_rejected", extra={"account_id": account.pk, "reason": str(exc)})
        return JsonResponse({"error": str(exc)}, status=401)
    with transaction.atomic():
        raw = pipeline.raw_event_store(account=account, request=incoming)
        enqueue_on_commit(process_raw_event, raw.pk)
    return JsonResponse({"ok": True, "raw_event_id": raw.pk})
