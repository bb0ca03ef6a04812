"""The demo corpus: shape of the sandbox events, determinism, mix and timing. No database needed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from socialcare.demo.corpus import ACCOUNTS, BRANDS, CRISIS, THREADS, annotated_script, demo_script

AUTHOR_KEYS = {"id", "handle", "name", "followers", "verified"}
ID_RE = re.compile(r"^demo-(radhaus|tulp)-\d{4}$")


@pytest.fixture(scope="module")
def script() -> list[dict]:
    return demo_script()


@pytest.fixture(scope="module")
def annotated() -> list[dict]:
    return annotated_script()


def test_deterministic_per_seed() -> None:
    assert demo_script(7) == demo_script(7)
    assert demo_script(3) == demo_script(3)
    assert demo_script(3) != demo_script(7)


def test_annotated_matches_plain(script: list[dict], annotated: list[dict]) -> None:
    assert [{k: v for k, v in item.items() if k != "meta"} for item in annotated] == script


@pytest.mark.parametrize("seed", [0, 1, 7, 42, 1234])
def test_size_and_timing(seed: int) -> None:
    items = demo_script(seed)
    assert 300 <= len(items) <= 400
    times = [item["at"] for item in items]
    assert times == sorted(times)
    assert all(isinstance(t, float) and 0.0 <= t <= 240.0 for t in times)
    early = sum(t < 30.0 for t in times)
    assert early >= 40  # the inbox fills right away...
    assert early > sum(t >= 210.0 for t in times)  # ...and traffic is front-loaded
    assert times[0] < 2.0


def test_item_and_event_shapes(script: list[dict]) -> None:
    for item in script:
        assert set(item) == {"at", "account", "event"}
        assert item["account"] in ACCOUNTS
        event = item["event"]
        assert "created_at" not in event
        assert set(event["author"]) == AUTHOR_KEYS
        author = event["author"]
        assert author["id"] and author["handle"] and author["name"]
        assert isinstance(author["followers"], int) and isinstance(author["verified"], bool)
        kind = event["type"]
        if kind == "post":
            assert set(event) in (
                {"type", "id", "author", "text"},
                {"type", "id", "author", "text", "in_reply_to", "thread_id"},
            )
        elif kind == "direct_message":
            assert set(event) == {"type", "id", "author", "text", "conversation_id"}
            assert event["conversation_id"] == f"dm:{author['id']}"
        else:
            assert kind == "like"
            assert set(event) == {"type", "id", "author", "target_id"}
        if "text" in event:
            assert isinstance(event["text"], str) and event["text"].strip()
            assert "{" not in event["text"], "unfilled slot"
            assert not event["text"].startswith("["), "leaked tag"


def test_ids_unique_and_stable(script: list[dict]) -> None:
    ids = [item["event"]["id"] for item in script]
    assert len(ids) == len(set(ids))
    for item in script:
        assert ID_RE.match(item["event"]["id"])
        assert item["event"]["id"].split("-")[1] == ACCOUNTS[item["account"]]["brand"]
    assert ids == [item["event"]["id"] for item in demo_script()]


def test_references_point_to_earlier_posts_of_same_account(script: list[dict]) -> None:
    seen: dict[str, dict] = {}
    replies = 0
    for item in script:
        event = item["event"]
        ref = event.get("in_reply_to") or event.get("target_id")
        if ref:
            target = seen.get(ref)
            assert target is not None, f"{event['id']} refers to unknown or later {ref}"
            assert target["event"]["type"] == "post"
            assert target["account"] == item["account"]
            assert target["at"] <= item["at"]
        if event.get("in_reply_to"):
            replies += 1
            root = seen[event["thread_id"]]
            assert root["account"] == item["account"] and "in_reply_to" not in root["event"]
        seen[event["id"]] = item
    assert replies >= 12


def test_threads_and_conversations(script: list[dict]) -> None:
    assert len(THREADS) >= 25
    follow_ups = [i for i in script if i["event"].get("in_reply_to")]
    own = [
        i
        for i in follow_ups
        if i["event"]["author"]["id"]
        == next(x for x in script if x["event"]["id"] == i["event"]["in_reply_to"])["event"]["author"]["id"]
    ]
    assert len({i["event"]["thread_id"] for i in own}) >= 8
    dm_sizes = Counter(
        i["event"]["conversation_id"] for i in script if i["event"]["type"] == "direct_message"
    )
    assert sum(1 for n in dm_sizes.values() if 2 <= n <= 4) >= 10


def test_account_kinds(script: list[dict]) -> None:
    by_account = Counter((i["account"], i["event"]["type"]) for i in script)
    assert by_account[("radhaus_reviews", "direct_message")] == 0
    assert by_account[("radhaus_reviews", "post")] >= 8
    assert by_account[("radhaus_social", "direct_message")] >= 20
    assert by_account[("tulp_support_dm", "direct_message")] > by_account[("tulp_support_dm", "post")]
    assert 3 <= sum(n for (_, kind), n in by_account.items() if kind == "like") <= 10
    assert set(BRANDS) == {a["brand"] for a in ACCOUNTS.values()}


GERMAN = re.compile(r"\b(ich|nicht|und|bei|euch|ihr|mein|meine|habt|noch|bitte)\b", re.I)
DUTCH = re.compile(r"\b(ik|niet|het|een|jullie|mijn|geen|nog|wel|naar|bij)\b", re.I)
ENGLISH = re.compile(r"\b(the|my|you|your|is|it|for|can|does|with)\b", re.I)


def test_language_mix(script: list[dict], annotated: list[dict]) -> None:
    texts = {i["account"]: [] for i in script}
    for item in script:
        if "text" in item["event"]:
            texts[item["account"]].append(item["event"]["text"])
    radhaus = texts["radhaus_social"] + texts["radhaus_reviews"]
    tulp = texts["tulp_social"] + texts["tulp_support_dm"]
    assert sum(bool(GERMAN.search(t)) for t in radhaus) >= 80
    assert sum(bool(DUTCH.search(t)) for t in tulp) >= 60
    assert sum(bool(ENGLISH.search(t)) for t in radhaus + tulp) >= 40
    # Dutch in the German shop or German at the Dutch operator would be inconsistent with the brands.
    assert sum(bool(DUTCH.search(t) and not GERMAN.search(t)) for t in radhaus) < 10

    langs = Counter(i["meta"]["lang"] for i in annotated if i["event"]["type"] != "like")
    total = sum(langs.values())
    assert 0.38 <= langs["de"] / total <= 0.52
    assert 0.28 <= langs["nl"] / total <= 0.42
    assert 0.12 <= langs["en"] / total <= 0.26
    for item in annotated:
        assert item["meta"]["lang"] in BRANDS[ACCOUNTS[item["account"]]["brand"]]["languages"]


OUTAGE = re.compile(r"utrecht|storing|outage|bereik|signal|service|down\b|plat\b", re.I)


def test_crisis_burst(script: list[dict]) -> None:
    outage = [
        i
        for i in script
        if i["account"].startswith("tulp") and "text" in i["event"] and OUTAGE.search(i["event"]["text"])
    ]
    # Found from the texts alone: at least 15 outage complaints within some 45 second window.
    best = max(sum(1 for j in outage if i["at"] <= j["at"] <= i["at"] + 45.0) for i in outage)
    assert best >= 15
    # 15-25 outage messages (some do not name the town) inside a ~40 second window
    crisis = [i for i in annotated_script() if i["meta"]["crisis"]]
    assert 15 <= len(crisis) == len(CRISIS) <= 25
    span = crisis[-1]["at"] - crisis[0]["at"]
    assert span <= 45.0
    assert {i["meta"]["lang"] for i in crisis} == {"nl", "en"}
    assert any(
        i["event"]["author"]["verified"] and i["event"]["author"]["followers"] >= 10_000 for i in crisis
    )
    in_window = [
        i for i in script if crisis[0]["at"] <= i["at"] <= crisis[-1]["at"] and i["account"] == "tulp_social"
    ]
    assert len(in_window) >= 15


def test_influencers(script: list[dict]) -> None:
    big = {
        i["event"]["author"]["id"]
        for i in script
        if i["event"]["author"]["verified"] and 10_000 <= i["event"]["author"]["followers"] <= 500_000
    }
    assert len(big) >= 3


def test_personal_data_and_html(script: list[dict]) -> None:
    public = [i["event"]["text"] for i in script if i["event"]["type"] == "post"]
    joined = "\n".join(public)
    assert re.search(r"\+49 1\d\d \d{6,8}", joined)
    assert "06-12345678" in joined
    assert "DE89 3704 0044 0532 0130 00" in joined
    assert "NL91 ABNA 0417 1643 00" in joined
    assert re.search(r"[\w.]+@example\.(org|com)", joined)
    texts = [i["event"]["text"] for i in script if "text" in i["event"]]
    assert any("<script>" in t for t in texts)
    assert 2 <= sum(bool(re.search(r"<[a-z]+[ >]", t)) for t in texts) <= 5


def test_categories_present(annotated: list[dict]) -> None:
    categories = Counter(i["meta"]["category"] for i in annotated)
    for name in (
        "question",
        "complaint",
        "praise",
        "purchase",
        "order",
        "account",
        "feedback",
        "spam",
        "offtopic",
    ):
        assert categories[name] >= 5, name
    assert categories["pii"] >= 4


def test_texts_read_like_traffic(script: list[dict]) -> None:
    texts = [i["event"]["text"] for i in script if "text" in i["event"]]
    counts = Counter(texts)
    assert len(counts) >= 250  # slot fills keep repeated messages apart
    assert max(counts.values()) <= 3
    assert any(ch in "".join(texts) for ch in "😡😍👍🚲")
