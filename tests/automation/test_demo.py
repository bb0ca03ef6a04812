"""The demo seeds create working teams, hours, SLA policies and rules (and can run twice)."""

from __future__ import annotations

import pytest

from socialcare.automation import demo as automation_demo
from socialcare.automation.models import Rule
from socialcare.routing import demo as routing_demo
from socialcare.routing.models import RoutingConfig
from socialcare.sla import demo as sla_demo
from socialcare.sla.models import SlaPolicy


@pytest.mark.django_db
def test_demo_seeds_are_valid_and_idempotent(brand) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        routing = routing_demo.seed(brand)
        sla = sla_demo.seed(brand)
        rules = automation_demo.seed(brand, pr_team=routing["teams"]["PR"])  # type: ignore[index]
    assert Rule.objects.filter(brand=brand, is_enabled=True).count() == len(rules) == 5
    assert SlaPolicy.objects.filter(brand=brand).count() == 3
    assert RoutingConfig.objects.get(brand=brand).strategy == "skills_first"
    assert sla["calendar"].holiday_country == "DE"  # type: ignore[union-attr]
    languages = {team.name: team.languages for team in routing["teams"].values()}  # type: ignore[union-attr]
    assert languages["Care DE"] == ["de"] and languages["Care NL"] == ["nl"]
