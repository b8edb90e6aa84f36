"""Demo data the dashboard needs that the other demo steps do not provide.

- A synthetic IMD lookup for the demo's LSOAs (``E0199xxxx``, codes that belong to no real area), so the
  equity view can show deprivation deciles. No real lookup is shipped.
- A first cohort of ended episodes recruited the way PARTNERS2 recruited (19 in 20 White), so the
  equity view has the trial's under-representation of Black and minority ethnic people to show.
- Contacts every two to four weeks over each of those episodes, and MANSA at their start and end.
- A refresh of the dashboard figures (this step should stay the last in ``STEPS``; ``partners dashboard
  refresh`` recounts at any time).
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from partners.dashboards.services import _store_lookup, figures_refresh

DEMO_LSOAS = [f"E0199{n}" for n in range(1000, 1100)]


def imd_lookup(rng: random.Random) -> dict[str, int]:
    # Skewed towards the more deprived deciles, as SMI registers are.
    weights = [14, 13, 12, 11, 10, 10, 9, 8, 7, 6]
    rows = {code: rng.choices(range(1, 11), weights=weights)[0] for code in DEMO_LSOAS}
    _store_lookup(rows, source="synthetic demo lookup", replace=False)
    return rows


def first_cohort(rng: random.Random, size: int = 120) -> int:
    from partners.accounts.models import Role, User
    from partners.care.models import EndReason, Episode, Phase
    from partners.registry.models import Person

    today = timezone.localdate()
    care_partners = list(User.objects.filter(role=Role.CARE_PARTNER, is_demo=True).order_by("username"))
    if not care_partners:
        return 0
    taken = set(Episode.objects.values_list("person_id", flat=True))
    pool = [p for p in Person.objects.order_by("pk") if p.pk not in taken]
    white = [p for p in pool if p.ethnicity in ("A", "B", "C")]
    others = [p for p in pool if p.ethnicity not in ("A", "B", "C", "Z")]
    rng.shuffle(white)
    rng.shuffle(others)
    chosen = white[: int(size * 0.95)] + others[: size - int(size * 0.95)]
    episodes = []
    for person in chosen:
        referred = today - timedelta(days=rng.randint(400, 680))
        started = referred + timedelta(days=rng.randint(3, 14))
        ended = min(today - timedelta(days=30), started + timedelta(days=rng.randint(180, 365)))
        episodes.append(Episode(
            person=person, care_partner=rng.choice(care_partners), practice=person.practice, phase=Phase.ENDED,
            referred_on=referred, started_on=started, planned_end_on=started + timedelta(days=365),
            transition_from=started + timedelta(days=304), ended_on=ended,
            end_reason=rng.choice([EndReason.COMPLETED, EndReason.COMPLETED, EndReason.DISENGAGED]),
            last_contact_on=ended - timedelta(days=rng.randint(0, 20)),
        ))
    Episode.objects.bulk_create(episodes)
    return len(episodes)


def _mansa_answers(rng: random.Random, level: float) -> list[object]:
    from partners.measures.engine import get_instrument

    answers: list[object] = []
    for item in get_instrument("mansa").items:
        if item.kind == "boolean":
            answers.append(rng.random() < 0.5)
        else:
            low, high = int(item.minimum or 1), int(item.maximum or 7)
            answers.append(min(high, max(low, round(level + rng.gauss(0, 0.9)))))
    return answers


def cohort_questionnaires(rng: random.Random) -> int:
    """MANSA at the start and the end of each first-cohort episode (a small average improvement)."""
    from partners.care.models import Episode, Phase
    from partners.measures.models import ItemResponse, QuestionnaireResponse
    from partners.measures.services import score_responses

    episodes = Episode.objects.filter(phase=Phase.ENDED, started_on__isnull=False, ended_on__isnull=False).exclude(
        pk__in=QuestionnaireResponse.objects.filter(episode__isnull=False).values("episode_id")).order_by("pk")
    planned = []
    for episode in episodes:
        level = rng.gauss(3.7, 0.5)
        assert episode.started_on is not None and episode.ended_on is not None
        for point, day, shift in (("baseline", episode.started_on, 0.0), ("end", episode.ended_on, 0.25)):
            values = _mansa_answers(rng, level + shift)
            result = score_responses("mansa", values)
            planned.append((QuestionnaireResponse(
                person_id=episode.person_id, episode=episode, instrument="mansa", instrument_version=result.version,
                point=point, status=QuestionnaireResponse.Status.COMPLETED, completed_on=day,
                entered_by=episode.care_partner, score=result.score, scores=result.scores, missing=result.missing,
                prorated=result.prorated, value_set=result.value_set or "", scoring_rule=result.rule), values))
    QuestionnaireResponse.objects.bulk_create([r for r, _ in planned], batch_size=500)
    ItemResponse.objects.bulk_create([ItemResponse(response=r, position=n, value=v) for r, values in planned
                                      for n, v in enumerate(values, start=1)], batch_size=2000)
    return len(planned)


def cohort_contacts(rng: random.Random) -> int:
    """Contacts every two to four weeks over each first-cohort episode, from its start to its last contact."""
    from partners.care.models import Contact, Episode, Phase

    episodes = Episode.objects.filter(phase=Phase.ENDED, started_on__isnull=False, last_contact_on__isnull=False,
                                      care_partner__isnull=False).exclude(
        pk__in=Contact.objects.values("episode_id")).order_by("pk")
    contacts = []
    for episode in episodes:
        assert episode.started_on is not None and episode.last_contact_on is not None
        assert episode.care_partner_id is not None
        days = [episode.started_on]
        while days[-1] + timedelta(days=28) < episode.last_contact_on:
            days.append(days[-1] + timedelta(days=rng.randint(14, 28)))
        if episode.last_contact_on > days[-1]:
            days.append(episode.last_contact_on)
        for day in days:
            mode = rng.choices(["face_to_face", "telephone", "video", "text"], weights=[45, 35, 8, 12])[0]
            contacts.append(Contact(
                episode=episode, person_id=episode.person_id, care_partner_id=episode.care_partner_id,
                contact_on=day, mode=mode, place="home" if mode == "face_to_face" else "",
                minutes=rng.randint(2, 5) if mode == "text" else rng.choice([10, 15, 20, 30, 45]),
                reached=rng.random() < 0.92, goals_discussed=rng.random() < 0.5))
    Contact.objects.bulk_create(contacts, batch_size=1000)
    return len(contacts)


def dashboard(rng: random.Random) -> str:
    lookup = imd_lookup(rng)
    cohort = first_cohort(rng)
    contacts = cohort_contacts(rng)
    mansa = cohort_questionnaires(rng)
    refresh = figures_refresh()
    return (f"synthetic IMD lookup for {len(lookup)} demo LSOAs, a first cohort of {cohort} ended episodes "
            f"({contacts} contacts, {mansa} MANSA questionnaires), "
            f"dashboard figures for {refresh.summary.get('areas', 0)} areas")
