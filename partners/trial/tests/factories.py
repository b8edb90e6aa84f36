"""A small trial built through the services, as the platform records one (for the trial app's tests).

Dates are in the past so that follow-up (due ``followup_days`` after randomisation) has happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.conftest import PASSWORD, make_person
from partners.measures.engine import score
from partners.measures.models import QuestionnaireResponse
from partners.organisations.models import Organisation
from partners.registry.models import Person
from partners.trial import services
from partners.trial.models import AllocationLog, Participant, Trial, TrialPractice

EXTRA_PRACTICES = [("Practice C", "XT0003", "South", "large"), ("Practice D", "XT0004", "South", "small"),
                   ("Practice E", "XT0005", "East", "large"), ("Practice F", "XT0006", "East", "small"),
                   ("Practice G", "XT0007", "South", "large"), ("Practice H", "XT0008", "East", "small")]


def actor(user: Any) -> Actor:
    return Actor(user=user, via="test")


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def mansa_items(level: int) -> list[Any]:
    """Twelve satisfaction items all ``level`` (so the MANSA score is ``level``) and four objective items."""
    return [level] * 12 + [True, True, False, False]


def respond(person: Person, code: str, point: str, on: date, values: list[Any]) -> QuestionnaireResponse:
    result = score(code, values)
    return QuestionnaireResponse.objects.create(
        person=person, instrument=code, instrument_version=result.version, point=point,
        status=QuestionnaireResponse.Status.COMPLETED, completed_on=on, score=result.score, scores=result.scores,
        missing=result.missing, prorated=result.prorated, scoring_rule=result.rule,
        no_score_reason=result.no_score_reason or "", flags=list(result.flags))


def practice_staff(practice: Organisation) -> User:
    user = User.objects.filter(role=Role.PRACTICE_STAFF, organisation=practice).first()
    if user is None:
        user = User(username=f"staff_{practice.ods_code}", role=Role.PRACTICE_STAFF, organisation=practice,
                    is_demo=True)
        user.set_password(PASSWORD)
        user.save()
    return user


@dataclass
class TrialWorld:
    trial: Trial
    practices: list[TrialPractice]
    participants: dict[str, list[Participant]] = field(default_factory=dict)  # by practice ODS code
    base: date = field(default_factory=timezone.localdate)


def build_trial(world: Any, *, n_practices: int = 4, per_practice: int = 2, allocate: int | None = None,
                seed: int = 424246, followup: bool = True, name: str = "Test trial",
                outcomes: tuple[str, ...] = ("mansa",)) -> TrialWorld:
    """A trial with ``n_practices`` practices (A and B of the world, then C...), ``per_practice`` consented
    participants with a baseline MANSA at each, the first ``allocate`` practices (default all) randomised 400 days
    ago in order, and (``followup``) a follow-up MANSA for each randomised participant at its due date."""
    researcher = actor(world.users["researcher"])
    orgs = [world.practice_a, world.practice_b]
    for org_name, code, region, size in EXTRA_PRACTICES[: max(0, n_practices - 2)]:
        orgs.append(Organisation.objects.get_or_create(
            ods_code=code, defaults={"kind": "practice", "name": org_name, "parent": world.pcn, "region": region,
                                     "size": size})[0])
    orgs = orgs[:n_practices]
    base = timezone.localdate() - timedelta(days=400)
    trial = services.trial_create(actor=researcher, name=name, outcomes=list(outcomes), seed=seed,
                                  factors=["region", "practice_size"])
    tps = services.practice_approach(actor=researcher, trial_id=trial.pk, practice_ids=[o.pk for o in orgs],
                                     on=base - timedelta(days=30))
    tw = TrialWorld(trial=trial, practices=[], base=base)
    for k, tp in enumerate(tps):
        tp = services.practice_recruit(actor=researcher, trial_practice_id=tp.pk, on=base - timedelta(days=20))
        staff = actor(practice_staff(tp.practice))
        tw.participants[tp.code] = []
        for j in range(per_practice):
            person = make_person(tp.practice, nhs_number=None, given=f"Trial{k}", family=f"Participant{j}")
            p = services.participant_screen(actor=staff, trial_id=trial.pk, person_id=person.pk, on=base,
                                            eligible=True)
            services.participant_consent(actor=staff, participant_id=p.pk, on=base, given=True, version="v1.0")
            p = services.participant_record_baseline(actor=staff, participant_id=p.pk, on=base + timedelta(days=1))
            respond(person, "mansa", "baseline", base + timedelta(days=1), mansa_items(3 + j % 3))
            tw.participants[tp.code].append(p)
        tw.practices.append(tp)
    for k, tp in enumerate(tw.practices[: n_practices if allocate is None else allocate]):
        services.practice_baseline_complete(actor=researcher, trial_practice_id=tp.pk, on=base + timedelta(days=5))
        services.practice_allocate(actor=researcher, trial_practice_id=tp.pk, at=at(base + timedelta(days=10 + k)))
        if followup:
            due = base + timedelta(days=10 + k + trial.followup_days)
            for j, p in enumerate(tw.participants[tp.code]):
                respond(p.person, "mansa", "end", due, mansa_items(4 + j % 3))
    return tw


def arm_of(tp: TrialPractice) -> str | None:
    log = AllocationLog.objects.filter(trial_practice=tp).first()
    return log.arm if log else None
