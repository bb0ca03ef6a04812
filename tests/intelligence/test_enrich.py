import json

import pytest

from socialcare.intelligence.enrich import EnrichInput, get_enricher
from socialcare.intelligence.intent import INTENT_VALUE, INTENTS
from socialcare.intelligence.pii import PII_TYPES


@pytest.fixture(scope="module")
def enricher():
    return get_enricher()


def test_result_shape_is_json_serialisable(enricher):
    out = enricher.enrich_batch([EnrichInput("Where is my parcel? Ordered a week ago.", source="twitter")])
    assert len(out) == 1
    r = json.loads(json.dumps(out[0]))
    assert set(r) == {"language", "sentiment", "actionable", "intent", "pii", "model_version"}
    assert isinstance(r["language"]["code"], str) and 0.0 <= r["language"]["confidence"] <= 1.0
    assert r["sentiment"]["label"] in {"negative", "neutral", "positive"}
    assert 0.0 <= r["sentiment"]["score"] <= 1.0
    assert isinstance(r["actionable"]["label"], bool)
    assert 0.0 <= r["actionable"]["probability"] <= 1.0
    assert len(r["actionable"]["top_features"]) <= 5
    assert all(isinstance(f, str) and isinstance(w, float) for f, w in r["actionable"]["top_features"])
    assert r["intent"]["label"] in INTENTS
    assert r["intent"]["value"] == INTENT_VALUE[r["intent"]["label"]]
    assert r["model_version"] == enricher.model_version


def test_german_complaint_is_negative_german_and_actionable(enricher):
    r = enricher.enrich_one("Schon wieder 50 Minuten Verspätung, der Zug ist total überfüllt. Eine Frechheit, @DB_Bahn!")
    assert r["language"]["code"] == "de"
    assert r["sentiment"]["label"] == "negative"
    assert r["actionable"]["label"] is True
    assert r["intent"]["label"] == "complaint"


def test_english_praise_and_dutch_complaint(enricher):
    en, nl = enricher.enrich_batch([
        EnrichInput("@Delta thank you so much, the crew was amazing today!"),
        EnrichInput("Mijn bestelling is nog steeds niet geleverd, wat een slechte service."),
    ])
    assert en["language"]["code"] == "en" and en["sentiment"]["label"] == "positive"
    assert nl["language"]["code"] == "nl" and nl["sentiment"]["label"] == "negative"
    assert nl["actionable"]["label"] is True


def test_spam_is_noise(enricher):
    r = enricher.enrich_one("Win a free iPhone!! Follow me and click here http://spam.example #win #free #iphone #giveaway")
    assert r["intent"]["label"] == "spam"
    assert r["intent"]["value"] == "neutral"
    assert r["actionable"]["label"] is False


def test_general_chatter_is_noise(enricher):
    r = enricher.enrich_one("Just watched the new episode with my friends, what a night haha")
    assert r["actionable"]["probability"] < 0.5


def test_pii_is_reported_with_offsets(enricher):
    text = "Bitte ruft mich an: 0171 1234567 oder schreibt an max@example.de"
    r = enricher.enrich_one(text)
    kinds = {f["type"] for f in r["pii"]}
    assert kinds == {"phone", "email"}
    assert all(f["type"] in PII_TYPES for f in r["pii"])
    phone = next(f for f in r["pii"] if f["type"] == "phone")
    assert text[phone["start"]:phone["end"]] == "0171 1234567"


def test_brand_patterns_and_language_restriction(enricher):
    r = enricher.enrich_one("Auftrag BST12345678 fehlt", languages=["de", "en"], pii_patterns={"order": r"BST\d{8}"})
    assert r["pii"] == [{"type": "customer_number", "start": 8, "end": 19, "pattern": "order"}]
    assert r["language"]["code"] in {"de", "en"}


def test_empty_and_unreadable_inputs(enricher):
    assert enricher.enrich_batch([]) == []
    r = enricher.enrich_one("12345 :) 👍")
    assert r["language"] == {"code": "und", "confidence": 0.0}


def test_batch_equals_single(enricher):
    texts = ["I love this app", "Meine Rechnung ist falsch", "Waar blijft mijn pakket?"]
    batch = enricher.enrich_batch([EnrichInput(t) for t in texts])
    singles = [enricher.enrich_one(t) for t in texts]
    assert batch == singles
