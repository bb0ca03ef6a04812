"""All business-time arithmetic, in one pure module (no Django, no database, no clock).

A :class:`Calendar` knows a time zone, weekly opening hours and closed days (public holidays from
the ``holidays`` package plus extra closed days). Opening hours are wall-clock times in the
calendar's zone, so a 09:00-17:00 day stays 09:00-17:00 across DST changes, and an overnight shift
(22:00-06:00) on the night the clocks go back lasts 9 real hours.

Conventions:
- weekly hours are ``{weekday: [(start_minute, end_minute), ...]}`` with Monday = 0 and minutes from
  local midnight; ``end_minute`` may exceed 1440 for an overnight shift (22:00-02:00 is (1320, 1560))
  and 1440 means "until midnight".
- a shift belongs to the day it starts on: when that day is closed (holiday), the whole shift is.
- every datetime going in must be aware; every datetime coming out is aware, in UTC.
- a calendar of ``None`` means "always open" (calendar time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
MAX_SEARCH_DAYS = 800  # give up looking for an opening after this long (a calendar with no hours)
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[datetime, datetime]


class CalendarError(ValueError):
    """Opening hours that cannot be understood, or a calendar that never opens."""


def parse_hhmm(value: str, *, allow_24: bool = False) -> int:
    """'09:30' -> 570. '24:00' is accepted as an end time."""
    try:
        hours, minutes = str(value).strip().split(":")
        h, m = int(hours), int(minutes)
    except ValueError:
        raise CalendarError(f"{value!r} is not a time like 09:00") from None
    if not (0 <= m < 60 and (0 <= h < 24 or (allow_24 and h == 24 and m == 0))):
        raise CalendarError(f"{value!r} is not a time of day")
    return h * 60 + m


def parse_weekly_hours(doc: Mapping[str, Iterable[Iterable[str]]]) -> dict[int, tuple[tuple[int, int], ...]]:
    """``{"mon": [["09:00", "17:00"]], "fri": [["22:00", "02:00"]]}`` -> minute intervals.

    An end at or before the start means the shift runs past midnight."""
    weekly: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, spans in doc.items():
        if key not in WEEKDAY_KEYS:
            raise CalendarError(f"unknown weekday {key!r}; use one of {', '.join(WEEKDAY_KEYS)}")
        parsed: list[tuple[int, int]] = []
        for span in spans:
            pair = list(span)
            if len(pair) != 2:
                raise CalendarError(f"{key}: each opening needs a start and an end, got {pair!r}")
            start = parse_hhmm(pair[0])
            end = parse_hhmm(pair[1], allow_24=True)
            if end <= start:
                end += DAY_MINUTES
            parsed.append((start, end))
        weekly[WEEKDAY_KEYS.index(key)] = tuple(sorted(parsed))
    return weekly


@dataclass(frozen=True)
class Calendar:
    tz: ZoneInfo
    weekly: Mapping[int, tuple[tuple[int, int], ...]]
    closed_days: frozenset[date] = frozenset()
    holiday_lookup: Callable[[date], bool] | None = field(default=None, compare=False)

    @classmethod
    def build(cls, *, timezone: str, weekly_hours: Mapping[str, Iterable[Iterable[str]]],
              closed_days: Iterable[date] = (), country: str = "", subdivision: str = "") -> Calendar:
        try:
            tz = ZoneInfo(timezone)
        except (KeyError, ValueError) as exc:
            raise CalendarError(f"unknown time zone {timezone!r}") from exc
        return cls(tz=tz, weekly=parse_weekly_hours(weekly_hours), closed_days=frozenset(closed_days),
                   holiday_lookup=public_holidays(country, subdivision) if country else None)

    def is_closed_day(self, day: date) -> bool:
        if day in self.closed_days:
            return True
        return bool(self.holiday_lookup and self.holiday_lookup(day))


def public_holidays(country: str, subdivision: str = "") -> Callable[[date], bool]:
    """A lookup ``day -> is a public holiday`` from the ``holidays`` package (computed, offline)."""
    import holidays

    try:
        table = holidays.country_holidays(country.upper(), subdiv=subdivision or None)
    except NotImplementedError as exc:
        raise CalendarError(f"no public holidays known for {country!r}/{subdivision!r}") from exc
    return lambda day: day in table


def holiday_name(country: str, subdivision: str, day: date) -> str | None:
    import holidays

    return holidays.country_holidays(country.upper(), subdiv=subdivision or None).get(day)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return value.astimezone(UTC)


def _local(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """Wall-clock ``minute`` after local midnight of ``day`` (may be the next day), as UTC."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _day_intervals(cal: Calendar, day: date) -> list[Interval]:
    if cal.is_closed_day(day):
        return []
    return [(_local(day, s, cal.tz), _local(day, e, cal.tz)) for s, e in cal.weekly.get(day.weekday(), ())]


def intervals_from(cal: Calendar, start: datetime, *, max_days: int = MAX_SEARCH_DAYS) -> Iterator[Interval]:
    """Opening intervals (merged, in time order) that end after ``start``, clipped to begin at it."""
    start = _aware(start)
    day = start.astimezone(cal.tz).date() - timedelta(days=1)  # yesterday's overnight shift may still run
    pending: Interval | None = None
    for _ in range(max_days):
        for s, e in _day_intervals(cal, day):
            if e <= start or e <= s:
                continue
            s = max(s, start)
            if pending is None:
                pending = (s, e)
            elif s <= pending[1]:
                pending = (pending[0], max(pending[1], e))
            else:
                yield pending
                pending = (s, e)
        day += timedelta(days=1)
    if pending is not None:
        yield pending


def is_open(cal: Calendar | None, at: datetime) -> bool:
    if cal is None:
        return True
    at = _aware(at)
    for s, _e in intervals_from(cal, at, max_days=3):
        return s <= at
    return False


def next_opening(cal: Calendar | None, at: datetime) -> datetime:
    """``at`` itself when open, otherwise the start of the next opening."""
    if cal is None:
        return _aware(at)
    for s, _e in intervals_from(cal, at):
        return s
    raise CalendarError("the calendar never opens")


def business_seconds(cal: Calendar | None, start: datetime, end: datetime) -> float:
    """Open time between ``start`` and ``end`` (0 when end <= start)."""
    start, end = _aware(start), _aware(end)
    if end <= start:
        return 0.0
    if cal is None:
        return (end - start).total_seconds()
    total = 0.0
    for s, e in intervals_from(cal, start):
        if s >= end:
            break
        total += (min(e, end) - s).total_seconds()
    return total


def add_business(cal: Calendar | None, start: datetime, seconds: float) -> datetime:
    """The moment when ``seconds`` of open time have passed after ``start``."""
    start = _aware(start)
    if cal is None:
        return start + timedelta(seconds=seconds)
    remaining = float(seconds)
    if remaining <= 0:
        return start
    for s, e in intervals_from(cal, start):
        length = (e - s).total_seconds()
        if remaining <= length:
            return s + timedelta(seconds=remaining)
        remaining -= length
    raise CalendarError("the calendar does not have enough open time to reach the deadline")


def deadline(cal: Calendar | None, start: datetime, minutes: int, *, business: bool) -> datetime:
    """A target of ``minutes`` from ``start`` in business time (with a calendar) or calendar time."""
    return add_business(cal if business else None, start, minutes * 60)
