"""A stream's query (keywords, hashtags, handles, exclusions, languages) as an X rule and as a matcher.

Semantics, the same on every platform: a post matches when it contains ANY keyword (case-insensitive,
whole words; a keyword with spaces is a phrase), ANY hashtag, or mentions/is written by ANY handle, and
contains NO exclusion, and (when languages are given) is written in one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .models import Stream

X_RULE_MAX = 512


def _quoted(term: str) -> str:
    term = term.replace('"', "").strip()
    return f'"{term}"' if " " in term or not re.fullmatch(r"\w+", term) else term


def x_rule(stream: Stream) -> str:
    """The filtered-stream / recent-search rule for a stream, e.g. ``(refund OR #acmefail OR @acme) -job lang:en``."""
    positives = [_quoted(k) for k in stream.keywords if k.strip()]
    positives += [f"#{h.strip().lstrip('#')}" for h in stream.hashtags if h.strip()]
    for handle in stream.handles:
        name = handle.strip().lstrip("@")
        if name:
            positives += [f"@{name}", f"from:{name}"]
    if not positives:
        raise ValueError("a stream needs at least one keyword, hashtag or handle")
    parts = ["(" + " OR ".join(positives) + ")" if len(positives) > 1 else positives[0]]
    parts += [f"-{_quoted(e)}" for e in stream.exclusions if e.strip()]
    langs = [f"lang:{lang.strip().lower()}" for lang in stream.languages if lang.strip()]
    if langs:
        parts.append("(" + " OR ".join(langs) + ")" if len(langs) > 1 else langs[0])
    rule = " ".join(parts)
    if len(rule) > X_RULE_MAX:
        raise ValueError(f"the X rule is {len(rule)} characters long; X allows {X_RULE_MAX}")
    return rule


def _contains(text: str, term: str) -> bool:
    term = term.strip().lower()
    if not term:
        return False
    return re.search(r"(?<![\w#@])" + re.escape(term) + r"(?!\w)", text) is not None


def matches(stream: Stream, *, text: str, author_handle: str = "", tags: Iterable[str] = (),
            language: str = "", positive: bool = True) -> bool:
    """Client-side matching for polled feeds. ``positive=False`` checks only exclusions and languages
    (for results a platform search already matched)."""
    lowered = text.lower()
    if any(_contains(lowered, e) for e in stream.exclusions):
        return False
    wanted = {lang.strip().lower() for lang in stream.languages if lang.strip()}
    if wanted and language and language.lower().split("-")[0] not in wanted:
        return False
    if not positive:
        return True
    tag_set = {t.lower().lstrip("#") for t in tags}
    author = author_handle.lower().lstrip("@")
    if any(_contains(lowered, k) for k in stream.keywords):
        return True
    for tag in stream.hashtags:
        name = tag.strip().lower().lstrip("#")
        if name and (name in tag_set or _contains(lowered, "#" + name)):
            return True
    for handle in stream.handles:
        name = handle.strip().lower().lstrip("@")
        if name and (author == name or author.split("@")[0] == name or _contains(lowered, "@" + name)):
            return True
    return False
