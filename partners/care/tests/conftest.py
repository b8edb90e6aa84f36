from __future__ import annotations

from typing import Any

import pytest

from partners.care.models import Service
from partners.conftest import actor_for


@pytest.fixture
def cp1(world: Any) -> Any:
    return actor_for(world.users["cp1"])


@pytest.fixture
def directory(db: None) -> dict[str, Service]:
    return {
        "crisis": Service.objects.create(name="Crisis and Home Treatment Team", kind=Service.Kind.CRISIS,
                                         phone="0300 555 0100"),
        "cmht": Service.objects.create(name="North CMHT", kind=Service.Kind.SECONDARY_MH),
        "mind": Service.objects.create(name="Shire Mind", kind=Service.Kind.VCSO, phone="01632 960000"),
        "link": Service.objects.create(name="Social prescribing link worker", kind=Service.Kind.SOCIAL_PRESCRIBING),
    }
