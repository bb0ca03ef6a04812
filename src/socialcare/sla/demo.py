"""Demo data: business hours with public holidays (and an extra closed day) and SLA policies."""

from __future__ import annotations

from datetime import date

from socialcare.core.models import Brand

from . import services
from .models import SlaPolicy

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def seed(brand: Brand) -> dict[str, object]:
    """Mon-Fri 08:00-20:00, Saturday 10:00-16:00, the brand country's public holidays, Christmas Eve
    closed; a standard policy, a faster one for private messages and an urgent one in calendar time."""
    hours = {day: [["08:00", "20:00"]] for day in WEEKDAYS}
    hours["sat"] = [["10:00", "16:00"]]
    year = date.today().year
    calendar = services.calendar_save(
        brand_id=brand.pk, timezone_name=brand.timezone or "Europe/Berlin", weekly_hours=hours,
        country=brand.country or "DE", subdivision="BE" if (brand.country or "DE") == "DE" else "",
        closed_days=[f"{year}-12-24", f"{year + 1}-12-24"])
    policies = []
    for values in (
        {"name": "Standard", "first_response_minutes": 8 * 60, "next_response_minutes": 4 * 60,
         "resolution_minutes": 3 * 12 * 60, "position": 100},
        {"name": "Private messages", "visibility": "private", "first_response_minutes": 60,
         "next_response_minutes": 60, "resolution_minutes": 24 * 60, "position": 50},
        {"name": "Urgent (24/7)", "priority": 4, "first_response_minutes": 30, "resolution_minutes": 4 * 60,
         "business_hours": False, "warning_minutes": 10, "position": 10},
    ):
        existing = SlaPolicy.objects.filter(brand=brand, name=values["name"]).first()
        policies.append(services.policy_save(brand_id=brand.pk, policy=existing, **values))
    return {"calendar": calendar, "policies": policies}


__all__ = ["seed"]
