"""Brand calendars: the database rows turned into pure ``business_time.Calendar`` objects."""

from __future__ import annotations

from datetime import date
from typing import Any

from socialcare.core.errors import DomainError

from . import business_time as bt
from .models import BusinessCalendar


def _dates(values: list[Any]) -> list[date]:
    days = []
    for value in values:
        try:
            days.append(date.fromisoformat(str(value)))
        except ValueError:
            raise DomainError(f"closed day {value!r} is not a date like 2026-12-24", code="invalid_date") from None
    return days


def calendar_from_row(row: BusinessCalendar) -> bt.Calendar:
    try:
        return bt.Calendar.build(timezone=row.timezone, weekly_hours=row.weekly_hours or {},
                                 closed_days=_dates(list(row.closed_days or [])),
                                 country=row.holiday_country, subdivision=row.holiday_subdivision)
    except bt.CalendarError as exc:
        raise DomainError(str(exc), code="invalid_calendar") from exc


def calendar_for_brand(brand_id: int) -> bt.Calendar | None:
    """The brand's calendar, or None when it has none (always open)."""
    row = BusinessCalendar.objects.filter(brand_id=brand_id).first()
    return calendar_from_row(row) if row is not None else None


def brand_is_open(brand_id: int, at: Any) -> bool:
    return bt.is_open(calendar_for_brand(brand_id), at)
