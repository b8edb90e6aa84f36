"""Walks every URL pattern of the project and builds a concrete URL for each from the test world."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns: Any = None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:
    """(route, namespaced name, pattern) for every URL pattern, in resolver order."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for item in patterns:
        if isinstance(item, URLResolver):
            ns = namespace
            if item.namespace:
                ns = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from walk(item.url_patterns, prefix + str(item.pattern), ns)
        else:
            name = item.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield prefix + str(item.pattern), full, item


_PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


class Samples:
    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def url(self, route: str, name: str, **override: Any) -> str | None:
        values = {**self.values, **override}
        if route.startswith("^"):  # a regular expression route: fill its groups by hand
            path = route.lstrip("^").rstrip("$")
            path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values.get(m.group(1), "x")), path)
            path = path.replace("\\.", ".").replace("\\-", "-")
            return "/" + path
        missing = [m.group("name") for m in _PARAM.finditer(route) if m.group("name") not in values]
        if missing:
            return None
        return "/" + _PARAM.sub(lambda m: str(values[m.group("name")]), route)


def sample_kwargs(world: Any, **override: Any) -> Samples:
    values: dict[str, Any] = {
        "person_id": world.people["p1"].pk, "goal_id": 1, "referral_id": 1, "service_id": 1, "what": "care-partner",
        "item_id": 1, "instrument": "phq9", "response_id": 1, "link_id": 1, "code": "phq9",
        "token": "a" * 32, "number": 1, "event_id": 1, "supervisee_id": world.users["cp1"].pk, "action_id": 1,
        "trial_id": 1, "tp_id": 1, "sequence": 0, "kind": "tables", "run_id": 1, "filename": "x.csv",
        "fmt": "csv", "alert_id": 1, "breach_id": 1, "user_id": world.users["cp1"].pk, "rtype": "Patient", "rid": "1",
        "rest": "nothing", "session_id": 1, "area": "accommodation", "batch_id": 1, "result_id": 1, "attempt_id": 1,
    }
    values.update(override)
    return Samples(values)
