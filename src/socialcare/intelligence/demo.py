"""Demo data: the demo brands run with the noise filter switched on."""

from __future__ import annotations

from socialcare.core.models import Brand

from .services import filter_enable


def seed(brands: dict[str, Brand]) -> None:
    for brand in brands.values():
        filter_enable(brand_id=brand.pk, enabled=True, user=None)


__all__ = ["seed"]
