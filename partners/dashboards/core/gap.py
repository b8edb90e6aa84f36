"""The gap rule (data-formats.md section 3) for whole registers at many dates at once, with numpy.

Until the case-finding module stores a status per register row, the dashboard derives each person's
status at each month end from what the platform holds: the person (date of birth, registration, death)
and their secondary mental health care episodes. The first rule that applies wins:

``under_18`` -> ``in_remission`` (needs the register's remission flag; ``None`` here counts nobody)
-> ``secondary_care`` (an open episode with a CMHT, EIP, crisis/home treatment or in-patient team, or at
CPA level) -> ``limited_secondary`` (another open episode) -> ``discharged`` (episodes referred on or
before the date, all discharged by it) -> ``primary_care_only``.

An episode counts at a date if it was referred on or before it, and is open if it has no discharge
date or was discharged after it. People not on the register at the date (registered later, or died on
or before it) get ``NOT_ON_REGISTER``. Pure: dates are passed as proleptic Gregorian ordinals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from partners.dashboards.core.measures import GAP_STATUSES

STATUS_CODES = tuple(code for code, _ in GAP_STATUSES)
UNDER_18, IN_REMISSION, SECONDARY_CARE, LIMITED_SECONDARY, DISCHARGED, PRIMARY_CARE_ONLY = range(6)
NOT_ON_REGISTER = -1
NEVER = 10**7  # an ordinal later than any date (no death, no discharge)
SECONDARY_TEAMS = frozenset({"cmht", "eip", "crisis_home_treatment", "inpatient"})


def eighteenth_birthday(born: date) -> int:
    """The ordinal of the day someone turns 18 (29 February birthdays count from 1 March)."""
    try:
        return date(born.year + 18, born.month, born.day).toordinal()
    except ValueError:
        return date(born.year + 18, 3, 1).toordinal()


def is_secondary(team_type: str, care_level: str) -> bool:
    return team_type in SECONDARY_TEAMS or care_level == "cpa"


def statuses_at(
    *,
    adult_from: np.ndarray,
    registered_from: np.ndarray,
    died_on: np.ndarray,
    in_remission: np.ndarray | None,
    episode_person: np.ndarray,
    episode_referred: np.ndarray,
    episode_discharged: np.ndarray,
    episode_secondary: np.ndarray,
    dates: Sequence[int],
) -> np.ndarray:
    """Status codes, shape (people, dates): ``UNDER_18`` .. ``PRIMARY_CARE_ONLY`` or ``NOT_ON_REGISTER``.

    ``adult_from``: ordinal of each person's 18th birthday; ``registered_from``: first day on the register
    (0 when unknown); ``died_on``: ordinal of death or ``NEVER``; episodes: index of the person, referral
    and discharge ordinals (``NEVER`` while open) and whether the team or level is secondary care.
    """
    n = len(adult_from)
    out = np.full((n, len(dates)), NOT_ON_REGISTER, dtype=np.int8)
    for column, day in enumerate(dates):
        on_register = (registered_from <= day) & (died_on > day)
        counted = episode_referred <= day
        open_now = counted & (episode_discharged > day)
        any_counted = np.zeros(n, dtype=bool)
        any_open = np.zeros(n, dtype=bool)
        any_secondary = np.zeros(n, dtype=bool)
        any_counted[episode_person[counted]] = True
        any_open[episode_person[open_now]] = True
        any_secondary[episode_person[open_now & episode_secondary]] = True
        remission = in_remission if in_remission is not None else np.zeros(n, dtype=bool)
        status = np.select(
            [adult_from > day, remission, any_secondary, any_open, any_counted],
            [UNDER_18, IN_REMISSION, SECONDARY_CARE, LIMITED_SECONDARY, DISCHARGED],
            default=PRIMARY_CARE_ONLY,
        ).astype(np.int8)
        status[~on_register] = NOT_ON_REGISTER
        out[:, column] = status
    return out
