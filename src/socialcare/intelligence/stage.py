"""Pipeline stage: enrich every inbound message of a raw event in one batch.

Registered in ``IntelligenceConfig.ready()`` as ``message_stages["enrichment"]``; runs inside the
pipeline's transaction, before any subscriber sees the messages. The models are loaded once per
process (``get_enricher`` caches them); each brand's adaptation is read from its settings row and
kept parsed per process until its ``adapter_version`` changes, so a correction made in the web
process is used by every worker on the next batch without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from lingua import IsoCode639_1

from socialcare.channels.models import ChannelAccount
from socialcare.inbox.models import Direction, Message

from .adaptation import BrandNoiseAdapter
from .enrich import SPAM_RULE_THRESHOLD, Enricher, EnrichInput, get_enricher
from .intent import spam_score
from .language import DEFAULT_LANGUAGES
from .models import DEFAULT_THRESHOLD, BrandFilterSettings

logger = logging.getLogger(__name__)
# channel kinds whose messages the shipped model saw under a source feature in training
SOURCES = {"x": "twitter", "facebook": "facebook"}

_adapters_lock = threading.Lock()
_adapters: dict[int, tuple[int, BrandNoiseAdapter]] = {}  # brand id -> (adapter_version, adapter)


def default_languages() -> tuple[str, ...]:
    """The deployment's languages (``SOCIALCARE_LANGUAGES``), else the shipped default set."""
    configured = getattr(settings, "SOCIALCARE_LANGUAGES", None)
    return tuple(configured) if configured else DEFAULT_LANGUAGES


def brand_languages(brand_languages_setting: Sequence[str] | None) -> tuple[str, ...]:
    """The brand's languages plus the default set, keeping only codes language detection knows."""
    codes = {c.strip().lower() for c in [*default_languages(), *(brand_languages_setting or [])] if c}
    known = []
    for code in sorted(codes):
        if getattr(IsoCode639_1, code.upper(), None) is None:
            logger.warning("enrich.unknown_language", extra={"code": code})
            continue
        known.append(code)
    return tuple(known)


def brand_adapter(filter_settings: BrandFilterSettings | None, enricher: Enricher) -> BrandNoiseAdapter | None:
    """The brand's adapter, parsed once per process and version; None when nothing was learned yet."""
    if filter_settings is None or not filter_settings.adapter_state:
        return None
    version = filter_settings.adapter_version
    with _adapters_lock:
        cached = _adapters.get(filter_settings.brand_id)
        if cached is not None and cached[0] == version:
            return cached[1]
    adapter = BrandNoiseAdapter.from_state(bytes(filter_settings.adapter_state), enricher=enricher)
    with _adapters_lock:
        _adapters[filter_settings.brand_id] = (version, adapter)
    return adapter


def forget_adapter(brand_id: int) -> None:
    with _adapters_lock:
        _adapters.pop(brand_id, None)


def adapted_probabilities(adapter: BrandNoiseAdapter | None, texts: list[str], global_probs: list[float]) -> list[float]:
    """The brand-adapted actionability probabilities, with the same spam cap the enricher applies."""
    if adapter is None or adapter.n_updates == 0:
        return list(global_probs)
    out = []
    for text, p in zip(texts, adapter.predict_proba(texts), strict=True):
        spam = spam_score(text)
        if spam >= SPAM_RULE_THRESHOLD:
            p = min(p, 1.0 - spam)
        out.append(round(float(p), 4))
    return out


def enrich_texts(*, brand_id: int, brand_languages_setting: Sequence[str] | None, texts: list[str],
                 sources: list[str] | None = None, channels: list[str] | None = None,
                 filter_settings: BrandFilterSettings | None = None) -> list[dict[str, Any]]:
    """Enrich texts of one brand: the enricher's dict plus the brand's adapted actionability."""
    if not texts:
        return []
    enricher = get_enricher()
    inputs = [EnrichInput(text=t, channel=(channels or [""] * len(texts))[i], source=(sources or [""] * len(texts))[i],
                          brand=str(brand_id)) for i, t in enumerate(texts)]
    patterns = dict(filter_settings.pii_patterns) if filter_settings and filter_settings.pii_patterns else None
    results = enricher.enrich_batch(inputs, brand_languages(brand_languages_setting), pii_patterns=patterns)
    adapter = brand_adapter(filter_settings, enricher)
    global_probs = [float(r["actionable"]["probability"]) for r in results]
    adapted = adapted_probabilities(adapter, texts, global_probs)
    threshold = filter_settings.threshold if filter_settings is not None else DEFAULT_THRESHOLD
    for result, g, a in zip(results, global_probs, adapted, strict=True):
        actionable = result["actionable"]
        actionable["global_probability"] = g
        actionable["probability"] = a
        actionable["adapted"] = adapter is not None and adapter.n_updates > 0
        actionable["adapter_updates"] = adapter.n_updates if adapter is not None else 0
        actionable["threshold"] = threshold
        actionable["label"] = a >= threshold
    return results


def enrich_messages(messages: list[Message]) -> None:
    """The pipeline stage: enrich all inbound messages of one raw event, one batch per brand."""
    inbound = [m for m in messages if m.direction == Direction.INBOUND]
    if not inbound:
        return
    accounts = {a.pk: a for a in ChannelAccount.objects.filter(
        pk__in={m.channel_account_id for m in inbound}).select_related("brand")}
    by_brand: dict[int, list[Message]] = defaultdict(list)
    for message in inbound:
        by_brand[accounts[message.channel_account_id].brand_id].append(message)
    settings_rows = {s.brand_id: s for s in BrandFilterSettings.objects.filter(brand_id__in=list(by_brand))}
    for brand_id, group in by_brand.items():
        brand = accounts[group[0].channel_account_id].brand
        try:
            results = enrich_texts(
                brand_id=brand_id, brand_languages_setting=brand.languages, texts=[m.text for m in group],
                channels=[accounts[m.channel_account_id].kind for m in group],
                sources=[SOURCES.get(accounts[m.channel_account_id].kind, "") for m in group],
                filter_settings=settings_rows.get(brand_id),
            )
        except (FileNotFoundError, ValueError) as exc:
            # missing or mismatched artefacts: ingestion goes on, the messages stay unenriched (and
            # therefore unfiltered) and the error is logged for the operator
            logger.error("enrich.failed", extra={"brand_id": brand_id, "error": str(exc),
                                                 "message_ids": [m.pk for m in group]})
            continue
        for message, result in zip(group, results, strict=True):
            message.enrichment = result
        Message.objects.bulk_update(group, ["enrichment"])
    from .services import tickets_subject_mask

    tickets_subject_mask(inbound)
