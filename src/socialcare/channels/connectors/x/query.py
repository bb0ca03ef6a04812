"""A small evaluator for X's search / filtered-stream rule syntax, used by the emulator.

Supported: keywords (case-insensitive, whole tokens), "exact phrases", ``#hashtags``, ``@mentions``,
``from:``, ``to:``, ``lang:``, ``is:reply``, ``is:retweet``, ``is:quote``, ``has:links``, negation with
``-``, grouping with parentheses, implicit AND and ``OR`` (AND binds tighter, as on X).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Predicate = Callable[[Mapping[str, Any], Mapping[str, Any]], bool]
_TOKEN = re.compile(r'\s*(-?"[^"]*"|\(|\)|-?\(|[^\s()]+)')
_WORD = re.compile(r"[#@]?\w+", re.UNICODE)


class QueryError(ValueError):
    pass


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _term(token: str) -> Predicate:
    lowered = token.lower()
    if lowered.startswith('"'):
        phrase = lowered.strip('"')
        return lambda post, user: phrase in str(post.get("text", "")).lower()
    if ":" in lowered and not lowered.startswith(("#", "@")):
        op, _, value = lowered.partition(":")
        if op == "from":
            return lambda post, user: value in (str(user.get("username", "")).lower(), str(post.get("author_id")))
        if op == "to":
            return lambda post, user: str(post.get("in_reply_to_user_id", "")) == value or \
                f"@{value}" in _words(str(post.get("text", "")))
        if op == "lang":
            return lambda post, user: str(post.get("lang", "")).lower() == value
        if op == "is":
            ref_type = {"reply": "replied_to", "retweet": "retweeted", "quote": "quoted"}.get(value)
            if ref_type is None:
                raise QueryError(f"unsupported operator is:{value}")
            return lambda post, user: any(r.get("type") == ref_type for r in post.get("referenced_tweets") or [])
        if op == "has" and value == "links":
            return lambda post, user: "http://" in str(post.get("text")) or "https://" in str(post.get("text"))
        if op == "url":
            return lambda post, user: value in str(post.get("text", "")).lower()
        raise QueryError(f"unsupported operator {op}:")
    return lambda post, user: lowered in _words(str(post.get("text", "")))


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = [t for t in _TOKEN.findall(query) if t.strip()]
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QueryError("empty query")
        result = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()!r}")
        return result

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda p, u: any(f(p, u) for f in parts))

    def conjunction(self) -> Predicate:
        parts: list[Predicate] = []
        while self.peek() not in (None, "OR", ")"):
            parts.append(self.unary())
        if not parts:
            raise QueryError("expected a term")
        return parts[0] if len(parts) == 1 else (lambda p, u: all(f(p, u) for f in parts))

    def unary(self) -> Predicate:
        token = self.take()
        if token in ("(", "-("):
            inner = self.disjunction()
            if self.peek() != ")":
                raise QueryError("missing )")
            self.take()
            return (lambda p, u: not inner(p, u)) if token == "-(" else inner
        if token.startswith("-") and len(token) > 1:
            positive = _term(token[1:])
            return lambda p, u: not positive(p, u)
        return _term(token)


def compile_query(query: str) -> Predicate:
    """``compile_query('acme -giveaway (refund OR "never arrived") lang:en')`` -> predicate(post, user)."""
    return _Parser(query).parse()


def matches(query: str, post: Mapping[str, Any], user: Mapping[str, Any] | None = None) -> bool:
    return compile_query(query)(post, user or {})
