"""Condition and action types for rules, kept in registries that refuse duplicate keys.

A condition is ``{"type", "operator", "value"}``; its type says which operators and which kind of
value it accepts and how to read the actual value from a ``RuleContext``. An action is
``{"type", "value"}``; its type validates the value when the rule is saved and performs it later.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_noop

from socialcare.core.errors import DomainError
from socialcare.core.registry import Registry

if TYPE_CHECKING:
    from .context import RuleContext

OPERATOR_LABELS = {
    "eq": gettext_noop("is"),
    "ne": gettext_noop("is not"),
    "in": gettext_noop("is one of"),
    "contains": gettext_noop("contains any of"),
    "not_contains": gettext_noop("contains none of"),
    "matches": gettext_noop("matches"),
    "gte": gettext_noop("is at least"),
    "lte": gettext_noop("is at most"),
    "is": gettext_noop("is"),
    "has": gettext_noop("includes"),
    "has_not": gettext_noop("does not include"),
}


class RuleInvalid(DomainError):
    pass


def _split(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise ValueError("must be yes or no")


@dataclass(frozen=True)
class ConditionType:
    key: str
    label: str
    value_kind: str  # text, list, regex, int, number, bool, choice
    operators: tuple[str, ...]
    read: Callable[[RuleContext], Any]
    choices: Callable[[], Sequence[tuple[str, str]]] | None = None

    def clean(self, operator: str, value: Any) -> Any:
        if operator not in self.operators:
            allowed = ", ".join(f"{op} ({OPERATOR_LABELS.get(op, op)})" for op in self.operators)
            raise ValueError(f"operator {operator!r} is not available; use {allowed}")
        if self.value_kind == "bool" or operator == "is":
            return parse_bool(value)
        if self.value_kind == "int":
            try:
                return int(str(value).strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a whole number") from None
        if self.value_kind == "number":
            try:
                return float(str(value).strip())
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
        if operator == "matches":
            pattern = str(value)
            if not pattern or len(pattern) > 300:
                raise ValueError("a pattern needs 1 to 300 characters")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
            return pattern
        if operator in ("in", "contains", "not_contains"):
            items = _split(value)
            if not items:
                raise ValueError("give at least one value (separate several with commas)")
            self._check_choices(items)
            return items
        text = str(value if value is not None else "").strip()
        if not text:
            raise ValueError("needs a value")
        self._check_choices([text])
        return text

    def _check_choices(self, items: list[str]) -> None:
        if self.choices is None:
            return
        known = {key for key, _label in self.choices()}
        unknown = [i for i in items if i not in known]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not one of {', '.join(sorted(known))}")

    def test(self, actual: Any, operator: str, value: Any) -> bool:
        if actual is None or actual == "" and operator not in ("ne", "not_contains", "has_not"):
            return False
        if operator == "eq":
            return str(actual).lower() == str(value).lower()
        if operator == "ne":
            return str(actual).lower() != str(value).lower()
        if operator == "in":
            return str(actual).lower() in {v.lower() for v in value}
        if operator == "contains":
            return any(v.lower() in str(actual).lower() for v in value)
        if operator == "not_contains":
            return not any(v.lower() in str(actual).lower() for v in value)
        if operator == "matches":
            return re.search(value, str(actual), re.IGNORECASE) is not None
        if operator == "gte":
            return float(actual) >= float(value)
        if operator == "lte":
            return float(actual) <= float(value)
        if operator == "is":
            return bool(actual) is bool(value)
        if operator == "has":
            return str(value).lower() in {str(a).lower() for a in actual}
        if operator == "has_not":
            return str(value).lower() not in {str(a).lower() for a in actual}
        raise ValueError(f"unknown operator {operator!r}")

    def describe(self, operator: str, value: Any) -> str:
        shown = ", ".join(value) if isinstance(value, list) else value
        return f"{self.label} {OPERATOR_LABELS.get(operator, operator)} {shown!s}"


@dataclass(frozen=True)
class ActionType:
    key: str
    label: str
    value_kind: str  # text, int, choice, none, url
    run: Callable[[RuleContext, Any, str], str]  # (ctx, value, actor) -> what was done
    clean: Callable[[Any], Any] = field(default=lambda value: value)
    describe: Callable[[Any], str] | None = None
    choices: Callable[[], Sequence[tuple[str, str]]] | None = None

    def explain(self, value: Any) -> str:
        if self.describe is not None:
            return self.describe(value)
        return f"{self.label}: {value}" if value not in (None, "") else self.label


condition_types: Registry[ConditionType] = Registry("rule condition types")
action_types: Registry[ActionType] = Registry("rule action types")


def register_condition(item: ConditionType) -> ConditionType:
    return condition_types.register(item.key, item)


def register_action(item: ActionType) -> ActionType:
    return action_types.register(item.key, item)
