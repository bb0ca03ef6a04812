"""Readers for recorded conversations: the twcs CSV shape and the IBM customer-care JSON shape.

Both become ``Record``s: one post each, with its author, whether the brand wrote it, its time and the
post it answers. Nothing here knows about Socialcare or X payloads.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

TWCS_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
TWITTER_EPOCH_MS = 1288834974657


@dataclass(frozen=True)
class Record:
    post_id: str
    author_id: str  # customer: an X user id (numeric string); brand: the brand's handle in the data
    author_handle: str
    from_brand: bool
    created_at: datetime
    text: str
    in_reply_to: str = ""  # id of the post this one answers ("" for a conversation start)


def read_twcs(path: str | Path) -> list[Record]:
    """``tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id``.

    ``inbound=False`` rows are the brand's replies. Customer author ids are anonymised numbers, which
    are also the handles the texts mention (``@115712``)."""
    records = []
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            from_brand = row["inbound"].strip().lower() == "false"
            author = row["author_id"].strip()
            records.append(Record(
                post_id=row["tweet_id"].strip(),
                author_id=author,
                author_handle=author,
                from_brand=from_brand,
                created_at=datetime.strptime(row["created_at"].strip(), TWCS_TIME_FORMAT).astimezone(UTC),
                text=row["text"],
                in_reply_to=_first_id(row.get("in_response_to_tweet_id") or ""),
            ))
    return records


def _first_id(value: str) -> str:
    value = value.strip()
    if value.endswith(".0"):  # pandas re-saves ids as floats
        value = value[:-2]
    return value.split(",")[0].strip()


def snowflake_time(post_id: str) -> datetime:
    """The creation time encoded in an X snowflake id."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + TWITTER_EPOCH_MS) / 1000, tz=UTC)


def user_id_for(handle: str) -> str:
    """A stable numeric user id for a data set that only records handles."""
    return str(int(hashlib.sha256(handle.lower().encode()).hexdigest()[:15], 16))


def read_ibm(path: str | Path) -> list[Record]:
    """IBM "Conversational Document Prediction" JSON: a list of conversations with ``dialogHeader``
    (``company``), ``dialogContent`` turns (``{client|client1|agent: handle, datetime, message,
    tweet_ID}``) and the final agent turn in ``agentURL`` (``tweet_ID``, ``url_utterance``; its time is
    decoded from the snowflake id). The data has no reply links, so each turn is taken to answer the
    turn before it."""
    conversations = json.loads(Path(path).read_text(encoding="utf-8"))
    records: list[Record] = []
    for conversation in conversations:
        company = str(conversation["dialogHeader"]["company"])
        previous = ""
        for turn in conversation.get("dialogContent") or []:
            from_brand = "agent" in turn
            handle = str(turn["agent"] if from_brand else next(
                v for k, v in turn.items() if k not in ("datetime", "message", "tweet_ID")))
            created = datetime.fromisoformat(str(turn["datetime"]).replace("Z", "+00:00")).astimezone(UTC)
            records.append(Record(
                post_id=str(turn["tweet_ID"]), author_id=company if from_brand else user_id_for(handle),
                author_handle=handle, from_brand=from_brand, created_at=created, text=str(turn["message"]),
                in_reply_to=previous,
            ))
            previous = str(turn["tweet_ID"])
        final = conversation.get("agentURL") or {}
        if final.get("tweet_ID"):
            records.append(Record(
                post_id=str(final["tweet_ID"]), author_id=company, author_handle=company, from_brand=True,
                created_at=snowflake_time(str(final["tweet_ID"])), text=str(final.get("url_utterance") or ""),
                in_reply_to=previous,
            ))
    return records


def read_records(path: str | Path, fmt: str) -> list[Record]:
    if fmt == "twcs":
        return read_twcs(path)
    if fmt == "ibm":
        return read_ibm(path)
    raise ValueError(f"unknown format {fmt!r} (twcs or ibm)")


def chains(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Reply chains: every post under the root it descends from (a post whose parent is not in the
    data is a root). Keys are root ids, in the order roots first appear; posts keep file order."""
    items = list(records)
    by_id = {r.post_id: r for r in items}

    def root_of(record: Record) -> str:
        seen = {record.post_id}
        while record.in_reply_to in by_id and record.in_reply_to not in seen:
            record = by_id[record.in_reply_to]
            seen.add(record.post_id)
        return record.post_id

    grouped: dict[str, list[Record]] = {}
    for record in items:
        grouped.setdefault(root_of(record), []).append(record)
    return grouped
