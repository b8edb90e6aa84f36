from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from django.utils import timezone


def populate(world, *, per_practice: int = 120, seed: int = 1) -> None:
    """Enough people for figures above the suppression threshold; engagement recruited mostly White people,
    as PARTNERS2 did, so the equity view has an under-representation to show."""
    from partners.care.models import Episode
    from partners.registry.models import Person

    rng = random.Random(seed)
    today = timezone.localdate()
    people = []
    for practice in (world.practice_a, world.practice_b):
        for n in range(per_practice):
            ethnicity = "A" if n % 10 < 6 else rng.choice("CHJMNDF")
            people.append(Person(given_name=f"Given{n}", family_name=f"Family{n}", practice=practice,
                                 date_of_birth=date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                                 sex="female" if n % 2 else "male", ethnicity=ethnicity,
                                 diagnosis_group="bipolar", usual_care_setting="primary",
                                 lsoa=f"E0100000{n % 10}"))
    Person.objects.bulk_create(people)
    people = list(Person.objects.filter(family_name__startswith="Family").order_by("pk"))
    white = [p for p in people if p.ethnicity == "A"]
    others = [p for p in people if p.ethnicity != "A"]
    episodes = []
    for i, person in enumerate(white[:60] + others[:12]):
        referred = today - timedelta(days=20 + (i * 37) % 300)
        episodes.append(Episode(person=person, care_partner=world.users["cp1" if i % 2 else "cp3"],
                                practice=person.practice, phase="active", referred_on=referred,
                                started_on=referred + timedelta(days=5)))
    Episode.objects.bulk_create(episodes)


@pytest.fixture
def busy(world):
    from partners.dashboards.services import figures_refresh, imd_lookup_load

    populate(world)
    imd_lookup_load(text="lsoa_code,imd_decile\n" + "\n".join(f"E0100000{n},{n + 1}" for n in range(10)),
                    source="test")
    figures_refresh()
    return world
