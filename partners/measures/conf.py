"""Collection settings, read from ``settings.PARTNERS`` with defaults (so each can be set per installation).

- ``QUESTIONNAIRE_LINK_DAYS`` (14): how long a self-completion link lasts.
- ``QUESTIONNAIRE_LINK_MISSES`` (30): unknown or dead links one address may open in
  ``QUESTIONNAIRE_LINK_MISS_WINDOW_SECONDS`` (600) before it is refused for a while.
- ``MEASUREMENT_INSTRUMENTS`` (["mansa"]), ``MEASUREMENT_REVIEW_MONTHS`` (3), ``MEASUREMENT_WINDOW_DAYS`` (28),
  ``MEASUREMENT_COLLECT_AT_END`` (True): the schedule of an episode without its own plan.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "QUESTIONNAIRE_LINK_DAYS": 14,
    "QUESTIONNAIRE_LINK_MISSES": 30,
    "QUESTIONNAIRE_LINK_MISS_WINDOW_SECONDS": 600,
    "MEASUREMENT_INSTRUMENTS": ["mansa"],
    "MEASUREMENT_REVIEW_MONTHS": 3,
    "MEASUREMENT_WINDOW_DAYS": 28,
    "MEASUREMENT_COLLECT_AT_END": True,
}


def get(name: str) -> Any:
    return getattr(settings, "PARTNERS", {}).get(name, DEFAULTS[name])
