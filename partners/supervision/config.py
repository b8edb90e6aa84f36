"""Supervision settings, from ``settings.PARTNERS["SUPERVISION"]`` (every key optional).

``MAX_DAYS_WITHOUT_SUPERVISION`` (default 42, env ``PARTNERS_MAX_DAYS_WITHOUT_SUPERVISION``)
    Warn when a Care Partner who is working (an open caseload or a post) has had no supervision session
    for longer than this, counted from their last session or, if they have never had one, from the start
    of their first post. Six weeks: a monthly session plus two weeks' grace for leave and rearranging.
    Neither trial paper gives a frequency; the briefing paper found "frontline staff coping for large
    periods without supervision" and calls supervision vital, so a local policy (many NHS trusts ask
    for clinical supervision every 4 to 6 weeks) should set this.
``MANSA_WORSENING_THRESHOLD`` (default 0.45, env ``PARTNERS_MANSA_WORSENING_THRESHOLD``)
    The fall in the MANSA mean score (1-7) between the two latest completions that raises the
    'scores worsening' flag: the difference PARTNERS2 was powered to detect (see flagrules.py).
``WORSENING`` (optional)
    More instruments: ``{"swemwbs": {"threshold": 3, "higher_is_better": True},
    "phq9": {"threshold": 5, "higher_is_better": False}}``.
``NEVER_CONTACTED_AFTER_DAYS`` (14), ``NO_GOALS_AFTER_DAYS`` (42), ``GOAL_REVIEW_DAYS`` (84),
``ENDING_SOON_DAYS`` (28), ``SAFETY_RECENT_DAYS`` (28)
    The flag rules' other thresholds (flagrules.py says why each default).
``SAFETY_POLL_SECONDS`` (5)
    How often the supervisor's screen asks for new safety events.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from partners.supervision.flagrules import FlagConfig, Worsening


def _settings() -> dict[str, Any]:
    return dict(getattr(settings, "PARTNERS", {}).get("SUPERVISION", {}))


def max_days_without_supervision() -> int:
    return int(_settings().get("MAX_DAYS_WITHOUT_SUPERVISION", 42))


def safety_poll_seconds() -> int:
    return max(1, int(_settings().get("SAFETY_POLL_SECONDS", 5)))


def flag_config() -> FlagConfig:
    conf = _settings()
    worsening = {"mansa": Worsening(float(conf.get("MANSA_WORSENING_THRESHOLD", 0.45)), True)}
    for code, rule in (conf.get("WORSENING") or {}).items():
        worsening[code] = Worsening(float(rule["threshold"]), bool(rule.get("higher_is_better", True)))
    return FlagConfig(
        never_contacted_after_days=int(conf.get("NEVER_CONTACTED_AFTER_DAYS", 14)),
        no_goals_after_days=int(conf.get("NO_GOALS_AFTER_DAYS", 42)),
        goal_review_days=int(conf.get("GOAL_REVIEW_DAYS", 84)),
        ending_soon_days=int(conf.get("ENDING_SOON_DAYS", 28)),
        safety_recent_days=int(conf.get("SAFETY_RECENT_DAYS", 28)),
        worsening=worsening,
    )
