"""Questionnaire collection at scale: the caseload's "latest MANSA and direction" and the person page section.

A national roll-out holds several MANSA scores for every person ever in an episode. This builds a synthetic
table (people x scores per person) in a fresh SQLite database of its own (``BENCH_DATABASE_URL`` to use
another, e.g. a scratch PostgreSQL database), then times ``latest_scores_for_people`` (one query) for a
caseload of 30 and for 1,000 people, and the person page's questionnaire section for one person with a long
history.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from typing import Any


def _django(tmp: str) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
        os.environ["PARTNERS_VAR_DIR"] = tmp
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", "")
        django.setup()


def _median_ms(func: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def run(args: argparse.Namespace) -> dict[str, Any]:
    people_n = 2_000 if args.quick else 50_000
    per_person = 6
    tmp = tempfile.mkdtemp(prefix="bench-measures-collection-")
    _django(tmp)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from partners.accounts.models import Role, User
    from partners.audit.actor import Actor
    from partners.measures.models import QuestionnaireResponse
    from partners.measures.sections import outcomes
    from partners.measures.selectors import latest_scores_for_people
    from partners.organisations.models import Organisation
    from partners.registry.models import Person

    rng = random.Random(5)
    practice = Organisation.objects.create(kind="practice", name="Bench practice", ods_code="XB0001")
    Person.objects.bulk_create(
        (Person(given_name="Bench", family_name=f"Person {n}", date_of_birth=date(1970, 1, 1), practice=practice,
                diagnosis_group="bipolar", usual_care_setting="primary") for n in range(people_n)), batch_size=5000)
    ids = list(Person.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    rows = (QuestionnaireResponse(person_id=pk, instrument="mansa", completed_on=date(2024, 1, 1) + timedelta(
        days=91 * k + rng.randint(0, 20)), score=round(rng.uniform(2, 6), 3), point="review")
        for pk in ids for k in range(per_person))
    QuestionnaireResponse.objects.bulk_create(rows, batch_size=5000)
    load_seconds = round(time.perf_counter() - started, 1)
    caseload = rng.sample(ids, 30)
    thousand = rng.sample(ids, 1000)
    figures: dict[str, Any] = {
        "database": connection.vendor,
        "people": people_n,
        "mansa_scores": people_n * per_person,
        "load_seconds": load_seconds,
        "latest_scores_caseload_30_ms": _median_ms(lambda: latest_scores_for_people(caseload), 25),
        "latest_scores_1000_people_ms": _median_ms(lambda: latest_scores_for_people(thousand), 10),
    }
    person = Person.objects.get(pk=ids[0])
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(person=person, instrument=code, completed_on=date(2020, 1, 1) + timedelta(days=30 * k),
                              score=float(k % 20), point="review")
        for k in range(100) for code in ("phq9", "gad7", "swemwbs"))
    viewer = User.objects.create(username="bench-viewer", role=Role.SUPERVISOR)
    actor = Actor(user=viewer, via="bench")
    figures["person_section_history"] = per_person + 300
    figures["person_section_ms"] = _median_ms(lambda: outcomes(actor, person), 10)
    return figures


def summary(figures: dict[str, Any]) -> list[str]:
    return [
        f"- {figures['mansa_scores']:,} MANSA scores for {figures['people']:,} people ({figures['database']}; "
        f"loaded in {figures['load_seconds']} s)",
        f"- latest and previous MANSA with direction, one query: caseload of 30 "
        f"{figures['latest_scores_caseload_30_ms']} ms, 1,000 people {figures['latest_scores_1000_people_ms']} ms "
        "(median)",
        f"- the person page's questionnaire section (charts, tables, schedule) for one person with "
        f"{figures['person_section_history']} scores: {figures['person_section_ms']} ms (median)",
    ]
