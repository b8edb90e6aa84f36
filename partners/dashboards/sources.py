"""Where the dashboard reads the register and the gap from: the one place to change when case finding lands.

Until the case-finding module stores a status per register row (``casefinding`` models, being built),
the register is ``registry.Person`` and each person's gap status at a date is derived from their
``registry.SecondaryCareEpisode`` history with the gap rule (:mod:`partners.dashboards.core.gap`).
The remission flag is not held on ``Person``, so nobody is counted ``in_remission`` yet.

:func:`load_register` returns plain arrays (one entry per person) that the refresh counts; when the
case-finding model lands, this function should read its stored statuses instead and nothing else in
the dashboard changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from partners.common.identifiers import ETHNIC_GROUPS
from partners.dashboards.core import gap
from partners.dashboards.core import measures as M


@dataclass
class Register:
    person_ids: np.ndarray  # int64
    practice_ids: np.ndarray  # int64 (Organisation pk)
    statuses: np.ndarray  # (people, dates): gap.UNDER_18 .. PRIMARY_CARE_ONLY, or NOT_ON_REGISTER
    ethnicity: list[str]  # broad group
    sex: list[str]
    age_band: list[str]  # as at the last date
    imd_decile: list[str]  # "1".."10" or "Not known"
    language_need: list[str] = field(default_factory=list)  # M.LANGUAGE_NEEDS
    access_need: list[str] = field(default_factory=list)  # M.ACCESS_NEEDS


def load_register(dates: Sequence[date]) -> Register:
    """Everyone on the platform's registers, with their gap status at each of ``dates``."""
    from partners.dashboards.models import ImdLookup
    from partners.registry.models import Person, SecondaryCareEpisode

    deciles = dict(ImdLookup.objects.values_list("lsoa_code", "imd_decile"))
    last = dates[-1]
    ids: list[int] = []
    practices: list[int] = []
    adult_from: list[int] = []
    registered_from: list[int] = []
    died_on: list[int] = []
    ethnicity: list[str] = []
    sex: list[str] = []
    bands: list[str] = []
    imd: list[str] = []
    language: list[str] = []
    access: list[str] = []
    rows = Person.objects.order_by().values_list(
        "id", "practice_id", "date_of_birth", "date_of_death", "registered_on", "sex", "ethnicity", "lsoa",
        "preferred_language", "interpreter_needed", "communication_needs")
    for (pk, practice_id, born, died, registered, sex_code, ethnic, lsoa, preferred, interpreter,
         needs) in rows.iterator(chunk_size=20000):
        language.append(M.language_need(preferred, interpreter))
        access.append(M.access_need(needs))
        ids.append(pk)
        practices.append(practice_id)
        adult_from.append(gap.eighteenth_birthday(born))
        registered_from.append(registered.toordinal() if registered else 0)
        died_on.append(died.toordinal() if died else gap.NEVER)
        ethnicity.append(ETHNIC_GROUPS.get(ethnic or "Z", "Not stated"))
        sex.append(sex_code if sex_code in M.SEX_ORDER else "unknown")
        age = last.year - born.year - ((last.month, last.day) < (born.month, born.day))
        bands.append(M.age_band(age))
        decile = deciles.get((lsoa or "").strip().upper())
        imd.append(str(decile) if decile else M.NOT_KNOWN)
    index = {pk: i for i, pk in enumerate(ids)}
    ep_person: list[int] = []
    ep_referred: list[int] = []
    ep_discharged: list[int] = []
    ep_secondary: list[bool] = []
    episodes = SecondaryCareEpisode.objects.order_by().values_list(
        "person_id", "team_type", "care_level", "referral_date", "discharge_date")
    for person_id, team, level, referred, discharged in episodes.iterator(chunk_size=20000):
        i = index.get(person_id)
        if i is None:
            continue
        ep_person.append(i)
        ep_referred.append(referred.toordinal())
        ep_discharged.append(discharged.toordinal() if discharged else gap.NEVER)
        ep_secondary.append(gap.is_secondary(team, level))
    statuses = gap.statuses_at(
        adult_from=np.array(adult_from, dtype=np.int64),
        registered_from=np.array(registered_from, dtype=np.int64),
        died_on=np.array(died_on, dtype=np.int64),
        in_remission=None,
        episode_person=np.array(ep_person, dtype=np.int64),
        episode_referred=np.array(ep_referred, dtype=np.int64),
        episode_discharged=np.array(ep_discharged, dtype=np.int64),
        episode_secondary=np.array(ep_secondary, dtype=bool),
        dates=[d.toordinal() for d in dates],
    )
    return Register(person_ids=np.array(ids, dtype=np.int64), practice_ids=np.array(practices, dtype=np.int64),
                    statuses=statuses, ethnicity=ethnicity, sex=sex, age_band=bands, imd_decile=imd,
                    language_need=language, access_need=access)


def statuses_for(person_ids: Sequence[int], as_of: date) -> dict[int, str]:
    """Gap status of each of ``person_ids`` at ``as_of`` (``""`` when not on the register then)."""
    from partners.registry.models import Person, SecondaryCareEpisode

    people = list(Person.objects.filter(pk__in=person_ids).order_by("pk").values_list(
        "pk", "date_of_birth", "date_of_death", "registered_on"))
    index = {pk: i for i, (pk, *_) in enumerate(people)}
    episodes = list(SecondaryCareEpisode.objects.filter(person_id__in=index).values_list(
        "person_id", "team_type", "care_level", "referral_date", "discharge_date"))
    statuses = gap.statuses_at(
        adult_from=np.array([gap.eighteenth_birthday(born) for _, born, _, _ in people], dtype=np.int64),
        registered_from=np.array([r.toordinal() if r else 0 for *_, r in people], dtype=np.int64),
        died_on=np.array([d.toordinal() if d else gap.NEVER for _, _, d, _ in people], dtype=np.int64),
        in_remission=None,
        episode_person=np.array([index[e[0]] for e in episodes], dtype=np.int64),
        episode_referred=np.array([e[3].toordinal() for e in episodes], dtype=np.int64),
        episode_discharged=np.array([e[4].toordinal() if e[4] else gap.NEVER for e in episodes], dtype=np.int64),
        episode_secondary=np.array([gap.is_secondary(e[1], e[2]) for e in episodes], dtype=bool),
        dates=[as_of.toordinal()],
    )
    return {pk: (gap.STATUS_CODES[s] if (s := int(statuses[i, 0])) >= 0 else "") for pk, i in index.items()}
