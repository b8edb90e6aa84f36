from __future__ import annotations

import re
from typing import Any

import pytest

from partners.conftest import actor_for


@pytest.fixture
def reachable(world: Any) -> Any:
    """p1 can be sent links: a mobile number and an email address, with agreement to both."""
    person = world.people["p1"]
    person.phone, person.sms_opt_in = "07700 900123", True
    person.email, person.email_opt_in = "ada@example.com", True
    person.save()
    return person


@pytest.fixture
def cp1_actor(world: Any) -> Any:
    return actor_for(world.users["cp1"])


MANSA_FULL: list[Any] = [4, 5, 6, 3, 4, 5, 6, 7, 2, 3, 4, 5, True, False, False, False]


def must_match(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found is not None, f"{pattern!r} not found"
    return found
