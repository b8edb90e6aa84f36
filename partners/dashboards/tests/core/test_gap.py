from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.dashboards.core import gap
from partners.dashboards.core.gap import NEVER, NOT_ON_REGISTER, eighteenth_birthday, statuses_at

TEAMS = ["cmht", "eip", "crisis_home_treatment", "inpatient", "outpatient", "other"]
LEVELS = ["cpa", "standard", "outpatient_only"]


def rule_for_one(person, episodes, day: date) -> str | None:
    """The rule of data-formats.md section 3 written out plainly, one person at one date."""
    if person["registered"] and person["registered"] > day:
        return None
    if person["died"] and person["died"] <= day:
        return None
    born = person["born"]
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if age < 18:
        return "under_18"
    counted = [e for e in episodes if e["referred"] <= day]
    open_now = [e for e in counted if e["discharged"] is None or e["discharged"] > day]
    if any(e["team"] in ("cmht", "eip", "crisis_home_treatment", "inpatient") or e["level"] == "cpa"
           for e in open_now):
        return "secondary_care"
    if open_now:
        return "limited_secondary"
    if counted:
        return "discharged"
    return "primary_care_only"


dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
episode = st.fixed_dictionaries({
    "team": st.sampled_from(TEAMS), "level": st.sampled_from(LEVELS), "referred": dates,
    "length": st.one_of(st.none(), st.integers(min_value=0, max_value=4000)),
})
person = st.fixed_dictionaries({
    "born": st.dates(min_value=date(1940, 1, 1), max_value=date(2020, 12, 31)),
    "registered": st.one_of(st.none(), dates), "died": st.one_of(st.none(), dates),
    "episodes": st.lists(episode, max_size=4),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(person, min_size=1, max_size=12), st.lists(dates, min_size=1, max_size=5))
def test_the_vectorised_rule_agrees_with_the_rule_written_out_person_by_person(people, days):
    for p in people:
        for e in p["episodes"]:
            e["discharged"] = None if e["length"] is None else e["referred"] + timedelta(days=e["length"])
    ep = [(i, e) for i, p in enumerate(people) for e in p["episodes"]]
    result = statuses_at(
        adult_from=np.array([eighteenth_birthday(p["born"]) for p in people]),
        registered_from=np.array([p["registered"].toordinal() if p["registered"] else 0 for p in people]),
        died_on=np.array([p["died"].toordinal() if p["died"] else NEVER for p in people]),
        in_remission=None,
        episode_person=np.array([i for i, _ in ep], dtype=np.int64),
        episode_referred=np.array([e["referred"].toordinal() for _, e in ep], dtype=np.int64),
        episode_discharged=np.array([e["discharged"].toordinal() if e["discharged"] else NEVER for _, e in ep],
                                    dtype=np.int64),
        episode_secondary=np.array([gap.is_secondary(e["team"], e["level"]) for _, e in ep], dtype=bool),
        dates=[d.toordinal() for d in days],
    )
    for i, p in enumerate(people):
        for j, day in enumerate(days):
            expected = rule_for_one(p, p["episodes"], day)
            got = None if result[i, j] == NOT_ON_REGISTER else gap.STATUS_CODES[result[i, j]]
            assert got == expected, (p, day)


def test_someone_born_on_29_february_turns_18_on_1_march_in_a_common_year():
    assert date.fromordinal(eighteenth_birthday(date(2008, 2, 29))) == date(2026, 3, 1)
    assert date.fromordinal(eighteenth_birthday(date(1990, 6, 15))) == date(2008, 6, 15)
