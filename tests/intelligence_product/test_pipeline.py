"""Enrichment through the real pipeline: every inbound message carries the five enrichments."""

from __future__ import annotations

import pytest

from socialcare.inbox.models import Message, Ticket
from socialcare.intelligence import stage
from socialcare.intelligence.enrich import get_enricher
from tests.channels.sandbox_helpers import deliver, dm_event, post_event

from .conftest import ACTIONABLE, NOISE

pytestmark = pytest.mark.django_db

KEYS = {"language", "sentiment", "actionable", "intent", "pii", "model_version"}


def test_every_inbound_message_is_enriched_in_one_batch(client, sandbox_account, monkeypatch):
    calls = []
    enricher = get_enricher()
    original = enricher.enrich_batch

    def spy(inputs, languages=None, **kwargs):
        calls.append(len(inputs))
        return original(inputs, languages, **kwargs)

    monkeypatch.setattr(enricher, "enrich_batch", spy)
    deliver(client, sandbox_account, [
        post_event("p1", ACTIONABLE, author="u1"),
        dm_event("d1", "Mein Paket ist nicht angekommen, bitte helfen Sie mir", author="u2"),
        post_event("p2", "Mijn bestelling is nog steeds niet geleverd, wat is er aan de hand?", author="u3"),
    ])
    assert calls == [3]  # one raw event, one batch
    messages = list(Message.objects.order_by("external_id"))
    assert len(messages) == 3
    for message in messages:
        assert KEYS <= set(message.enrichment), message.enrichment
        act = message.enrichment["actionable"]
        assert {"probability", "global_probability", "top_features", "threshold"} <= set(act)
        assert act["probability"] == act["global_probability"]  # no correction yet: nothing adapted
        assert message.enrichment["sentiment"]["label"] in ("negative", "neutral", "positive")
        assert message.enrichment["intent"]["value"] in ("value", "waste", "neutral")
    by_id = {m.external_id: m.enrichment for m in messages}
    assert by_id["d1"]["language"]["code"] == "de"
    assert by_id["p2"]["language"]["code"] == "nl"


def test_later_messages_are_enriched_too(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", ACTIONABLE, author="u1")])
    deliver(client, sandbox_account, [post_event("p2", "still nothing, please answer", author="u1",
                                                 in_reply_to="p1")])
    assert Ticket.objects.count() == 1
    assert all(m.enrichment.get("actionable") for m in Message.objects.all())


def test_shipped_model_separates_the_texts_these_tests_rely_on():
    probabilities = [r["actionable"]["probability"] for r in get_enricher().enrich_batch(
        [stage.EnrichInput(NOISE), stage.EnrichInput(ACTIONABLE)])]
    assert probabilities[0] < 0.05 < 0.9 < probabilities[1]


def test_language_set_is_the_brands_plus_the_default_set(settings):
    assert set(stage.brand_languages(["pl", "xx"])) == set(stage.default_languages()) | {"pl"}
    settings.SOCIALCARE_LANGUAGES = ["de", "en"]
    assert stage.brand_languages(["nl"]) == ("de", "en", "nl")


def test_models_load_once_per_process():
    assert get_enricher() is get_enricher()


def test_personal_data_found_and_masked_in_the_subject(client, sandbox_account):
    text = "@acme please call me back on +49 171 1234567 about my broken bike"
    deliver(client, sandbox_account, [post_event("p1", text, author="u1")])
    message = Message.objects.get()
    assert [f["type"] for f in message.enrichment["pii"]] == ["phone"]
    assert message.text == text  # the archive keeps the text
    ticket = Ticket.objects.get()
    assert "1234567" not in ticket.subject and "[phone]" in ticket.subject
