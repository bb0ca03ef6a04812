"""The single access layer: every list, ticket and API endpoint is scoped through here.

Admins and supervisors see every brand; agents and read-only users see the brands their teams cover.
A fetch of something outside that scope raises ``NotFound`` (404), so existence is not revealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from socialcare.core.errors import NotFound, PermissionDenied

from .models import AgentProfile, Role

if TYPE_CHECKING:
    from socialcare.inbox.models import Ticket


def profile_of(user: Any) -> AgentProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.agent  # type: ignore[no-any-return]
    except AgentProfile.DoesNotExist:
        return None


def sees_all_brands(user: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    profile = profile_of(user)
    return profile is not None and profile.role in (Role.ADMIN, Role.SUPERVISOR)


def visible_brand_ids(user: Any) -> list[int] | None:
    """Brand ids the user may see, or None meaning 'all brands'."""
    if sees_all_brands(user):
        return None
    profile = profile_of(user)
    if profile is None:
        return []
    return list(profile.teams.values_list("brands__id", flat=True).exclude(brands__isnull=True).distinct())


def tickets_visible_to(user: Any) -> QuerySet[Ticket]:
    from socialcare.inbox.models import Ticket

    qs = Ticket.objects.all()
    brand_ids = visible_brand_ids(user)
    if brand_ids is not None:
        qs = qs.filter(brand_id__in=brand_ids)
    return qs


def access_ticket(user: Any, ticket_id: int) -> Ticket:
    from socialcare.inbox.models import Ticket

    try:
        return tickets_visible_to(user).select_related(
            "brand", "channel_account", "customer", "assignee", "team"
        ).get(pk=ticket_id)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound("ticket not found") from None


def check_can_write(user: Any) -> None:
    profile = profile_of(user)
    if getattr(user, "is_superuser", False):
        return
    if profile is None or profile.role == Role.READONLY:
        raise PermissionDenied("read-only users cannot change tickets")


def can_manage(user: Any) -> bool:
    """Admins and supervisors manage rules, teams, routing, calendars and SLA policies."""
    return sees_all_brands(user)


def check_can_manage(user: Any) -> None:
    if not can_manage(user):
        raise PermissionDenied("only admins and supervisors can change this")


def access_brand_id(user: Any, brand_id: int) -> int:
    """The brand id if the user may see that brand, else NotFound (existence is not revealed)."""
    from socialcare.core.models import Brand

    brand_ids = visible_brand_ids(user)
    if (brand_ids is not None and brand_id not in brand_ids) or not Brand.objects.filter(pk=brand_id).exists():
        raise NotFound("brand not found")
    return brand_id
