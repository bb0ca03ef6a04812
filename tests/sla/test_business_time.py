"""The pure business-time module: DST (Europe/Berlin), public holidays, weekends, overnight hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from socialcare.sla import business_time as bt

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def office() -> bt.Calendar:
    return bt.Calendar.build(timezone="Europe/Berlin", weekly_hours=OFFICE, country="DE", subdivision="BE")


def test_open_hours_and_weekend(office: bt.Calendar) -> None:
    assert bt.is_open(office, berlin(2026, 3, 4, 10, 0))
    assert not bt.is_open(office, berlin(2026, 3, 4, 17, 0))
    assert not bt.is_open(office, berlin(2026, 3, 7, 12, 0))  # Saturday
    # Friday 16:00 + 2 business hours -> Monday 10:00
    assert bt.add_business(office, berlin(2026, 3, 6, 16, 0), 2 * 3600) == berlin(2026, 3, 9, 10, 0)
    assert bt.next_opening(office, berlin(2026, 3, 7, 12, 0)) == berlin(2026, 3, 9, 9, 0)


def test_results_are_utc_and_inputs_must_be_aware(office: bt.Calendar) -> None:
    result = bt.add_business(office, berlin(2026, 3, 4, 10, 0), 60)
    assert result.tzinfo == UTC
    with pytest.raises(ValueError):
        bt.add_business(office, datetime(2026, 3, 4, 10, 0), 60)


def test_spring_forward_keeps_wall_clock_hours(office: bt.Calendar) -> None:
    # Clocks go forward on Sunday 29 March 2026. Friday 16:00 CET + 4 business hours is Monday
    # 12:00 CEST: that is 10:00 UTC (the offset changed from +1 to +2 over the weekend).
    due = bt.add_business(office, berlin(2026, 3, 27, 16, 0), 4 * 3600)
    assert due == berlin(2026, 3, 30, 12, 0)
    assert due == datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
    # The wall-clock span is 68 h, the real span only 67 h, and business time counts 4 h.
    assert bt.business_seconds(office, berlin(2026, 3, 27, 16, 0), due) == 4 * 3600


def test_fall_back_keeps_wall_clock_hours(office: bt.Calendar) -> None:
    # Clocks go back on Sunday 25 October 2026.
    due = bt.add_business(office, berlin(2026, 10, 23, 15, 0), 3 * 3600)
    assert due == berlin(2026, 10, 26, 10, 0)
    assert due == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_overnight_shift_across_fall_back_lasts_nine_real_hours() -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours={"sat": [["22:00", "06:00"]]})
    start = berlin(2026, 10, 24, 22, 0)
    assert bt.business_seconds(cal, start, berlin(2026, 10, 25, 12, 0)) == 9 * 3600
    # 8.5 hours into the shift is 05:30 local, after the repeated hour
    assert bt.add_business(cal, start, 8.5 * 3600) == berlin(2026, 10, 25, 5, 30)


def test_overnight_shift_across_spring_forward_lasts_seven_real_hours() -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours={"sat": [["22:00", "06:00"]]})
    assert bt.business_seconds(cal, berlin(2026, 3, 28, 20, 0), berlin(2026, 3, 29, 12, 0)) == 7 * 3600


def test_overnight_shift_belongs_to_its_start_day() -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours={"fri": [["22:00", "02:00"]]})
    assert bt.is_open(cal, berlin(2026, 3, 7, 1, 30))  # Saturday 01:30 is Friday's shift
    assert not bt.is_open(cal, berlin(2026, 3, 7, 2, 0))
    # from Saturday 01:00, 2 business hours: one hour now, one hour next Friday night
    assert bt.add_business(cal, berlin(2026, 3, 7, 1, 0), 7200) == berlin(2026, 3, 13, 23, 0)


def test_overlapping_hours_are_not_counted_twice() -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin",
                            weekly_hours={"mon": [["20:00", "02:00"]], "tue": [["00:00", "04:00"]]})
    assert bt.business_seconds(cal, berlin(2026, 3, 2, 0, 0), berlin(2026, 3, 4, 0, 0)) == 8 * 3600


def test_public_holidays_are_closed(office: bt.Calendar) -> None:
    # Good Friday (3 April 2026) and Easter Monday (6 April) are public holidays in Berlin.
    assert not bt.is_open(office, berlin(2026, 4, 3, 10, 0))
    assert bt.next_opening(office, berlin(2026, 4, 2, 18, 0)) == berlin(2026, 4, 7, 9, 0)
    assert bt.add_business(office, berlin(2026, 4, 2, 16, 0), 2 * 3600) == berlin(2026, 4, 7, 10, 0)
    assert bt.holiday_name("DE", "BE", date(2026, 4, 3)) == "Good Friday"


def test_regional_holiday_depends_on_subdivision() -> None:
    # International Women's Day (8 March) is a holiday in Berlin only; in 2027 it is a Monday.
    berlin_cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours=OFFICE, country="DE", subdivision="BE")
    bavaria = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours=OFFICE, country="DE", subdivision="BY")
    assert not bt.is_open(berlin_cal, berlin(2027, 3, 8, 10, 0))
    assert bt.is_open(bavaria, berlin(2027, 3, 8, 10, 0))


def test_extra_closed_days(office: bt.Calendar) -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours=OFFICE, closed_days=[date(2026, 3, 4)])
    assert not bt.is_open(cal, berlin(2026, 3, 4, 10, 0))
    assert bt.add_business(cal, berlin(2026, 3, 3, 16, 0), 7200) == berlin(2026, 3, 5, 10, 0)


def test_calendar_time_without_a_calendar() -> None:
    start = berlin(2026, 3, 28, 23, 0)
    assert bt.deadline(None, start, 120, business=False) == start + timedelta(hours=2)
    assert bt.is_open(None, start)


def test_deadline_business_flag(office: bt.Calendar) -> None:
    start = berlin(2026, 3, 6, 16, 0)
    assert bt.deadline(office, start, 120, business=True) == berlin(2026, 3, 9, 10, 0)
    assert bt.deadline(office, start, 120, business=False) == berlin(2026, 3, 6, 18, 0)


def test_bad_hours_are_rejected_with_clear_messages() -> None:
    with pytest.raises(bt.CalendarError, match="weekday"):
        bt.parse_weekly_hours({"monday": [["09:00", "17:00"]]})
    with pytest.raises(bt.CalendarError, match="not a time"):
        bt.parse_weekly_hours({"mon": [["9am", "17:00"]]})
    with pytest.raises(bt.CalendarError, match="time zone"):
        bt.Calendar.build(timezone="Mars/Olympus", weekly_hours={})
    never = bt.Calendar.build(timezone="UTC", weekly_hours={})
    with pytest.raises(bt.CalendarError):
        bt.next_opening(never, datetime(2026, 1, 1, tzinfo=UTC))


def test_24_hour_days() -> None:
    cal = bt.Calendar.build(timezone="Europe/Berlin", weekly_hours={"sun": [["00:00", "24:00"]]})
    # Sunday 29 March 2026 has only 23 hours in Berlin
    assert bt.business_seconds(cal, berlin(2026, 3, 28, 0, 0), berlin(2026, 3, 31, 0, 0)) == 23 * 3600
