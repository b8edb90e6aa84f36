"""Demo supervision, safety and physical health: Care Partner posts (one practice with a late start, an
absence with cover and one without), training records, a year of supervision sessions with actions (and
two Care Partners whose supervision has lapsed), admissions, crisis episodes and serious adverse events,
and annual health checks, long-term conditions and medication for everyone on the registers.

Depends only on the core steps (organisations, accounts, people, episodes). Posts and absences are
created only for demo Care Partners who have none, so a care demo step that adds its own is respected.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.care.models import OPEN_PHASES, Absence, CarePartnerPost, CoverArrangement, Episode, Phase
from partners.demo.steps.core import CARE_PARTNER_PRACTICES
from partners.organisations.models import Organisation
from partners.registry.models import Person
from partners.safety.health import bmi
from partners.safety.models import HealthCheck, LongTermCondition, Medication, SafetyEvent
from partners.supervision.models import SupervisionAction, SupervisionSession, TrainingKind, TrainingRecord

ACTIONS = [
    "Agree a first goal together at the next contact",
    "Ask the practice for a medication review",
    "Find out about the local walking group",
    "Check whether the housing benefit claim went in",
    "Talk through the crisis plan and who to call",
    "Book the annual physical health check with the practice nurse",
    "Offer a referral to the stop smoking service",
    "Discuss stepping contact down to monthly",
    "Speak to the community mental health team about the recent admission",
    "Plan the transition back to usual care",
]
NOTES = [
    "Reviewed the caseload; talked through engagement with people who are hard to reach.",
    "Focused on goal setting with two people who are new to the service.",
    "Discussed boundaries and self-care after a difficult week.",
    "Went through overdue contacts and planned catch-up calls.",
    "Reflected on a crisis episode and the liaison with the crisis team.",
]
CONDITIONS = [  # (name, SNOMED CT, prevalence)
    ("Type 2 diabetes", "44054006", 0.15), ("Hypertension", "38341003", 0.20), ("Asthma", "195967001", 0.10),
    ("Chronic obstructive pulmonary disease", "13645005", 0.07), ("Coronary heart disease", "53741008", 0.05),
    ("Hypothyroidism", "40930008", 0.04),
]
ANTIPSYCHOTICS = ["Olanzapine", "Aripiprazole", "Risperidone", "Quetiapine", "Clozapine", "Paliperidone depot"]
ANTIDEPRESSANTS = ["Sertraline", "Mirtazapine", "Citalopram", "Fluoxetine"]
MOOD_STABILISERS = ["Lithium carbonate", "Lamotrigine"]
SEDATIVES = ["Zopiclone", "Promethazine"]
SAE_DESCRIPTIONS = [
    ("Admitted to hospital with pneumonia.", "not_related", True),
    ("Fractured wrist after a fall at home; admitted for surgery.", "not_related", True),
    ("Admitted with diabetic ketoacidosis.", "unlikely", True),
    ("Overdose of prescribed medication; admitted overnight.", "unlikely", False),
]


def _d(today: date, days_ago: int) -> date:
    return today - timedelta(days=days_ago)


def _posts(today: date, cps: dict[str, User], practices: dict[str, Organisation], rng: random.Random) -> int:
    made = 0
    for username, codes in CARE_PARTNER_PRACTICES.items():
        cp = cps[username]
        if CarePartnerPost.objects.filter(care_partner=cp).exists():
            continue
        for code in codes:
            # carepartner4 came late to one practice: it had nobody in post for most of the year.
            start = _d(today, 150) if (username, code) == ("carepartner4", "X91010") else _d(today, 400)
            CarePartnerPost.objects.create(care_partner=cp, practice=practices[code], starts_on=start)
            made += 1
    if not Absence.objects.filter(care_partner__in=cps.values()).exists():
        supervisor = User.objects.get(username="supervisor1")
        # A three-week illness covered by a colleague; five weeks away, only the last three covered;
        # and an absence now, covered.
        Absence.objects.create(care_partner=cps["carepartner2"], starts_on=_d(today, 120), ends_on=_d(today, 100),
                               reason="Sick leave", recorded_by=supervisor)
        CoverArrangement.objects.create(absent=cps["carepartner2"], covering=cps["carepartner1"],
                                        starts_on=_d(today, 120), ends_on=_d(today, 100), reason="Sick leave",
                                        assigned_by=supervisor)
        supervisor2 = User.objects.get(username="supervisor2")
        Absence.objects.create(care_partner=cps["carepartner3"], starts_on=_d(today, 230), ends_on=_d(today, 196),
                               reason="Sick leave", recorded_by=supervisor2)
        CoverArrangement.objects.create(absent=cps["carepartner3"], covering=cps["carepartner4"],
                                        starts_on=_d(today, 216), ends_on=_d(today, 196), reason="Sick leave",
                                        assigned_by=supervisor2)
        Absence.objects.create(care_partner=cps["carepartner4"], starts_on=_d(today, 4), ends_on=_d(today, -10),
                               reason="Annual leave", recorded_by=supervisor2)
        CoverArrangement.objects.create(absent=cps["carepartner4"], covering=cps["carepartner3"],
                                        starts_on=_d(today, 4), ends_on=_d(today, -10), reason="Annual leave",
                                        assigned_by=supervisor2)
    return made


def _training(today: date, cps: dict[str, User], supervisors: list[User], rng: random.Random) -> int:
    records = []
    for sup in supervisors:
        records.append(TrainingRecord(user=sup, kind=TrainingKind.SUPERVISOR, completed_on=_d(today, 420),
                                      days=Decimal("1.0"), title="Supervising Care Partners in the PARTNERS model",
                                      provider="PARTNERS training team"))
        records.append(TrainingRecord(user=sup, kind=TrainingKind.INITIAL, completed_on=_d(today, 415),
                                      days=Decimal("2.0"), title="PARTNERS model: coaching and collaborative care",
                                      provider="PARTNERS training team"))
    for username, cp in cps.items():
        start = 160 if username == "carepartner4" else 405
        records.append(TrainingRecord(user=cp, kind=TrainingKind.INITIAL, completed_on=_d(today, start),
                                      days=Decimal(rng.choice(["2.0", "2.5", "3.0"])),
                                      title="PARTNERS model: coaching and collaborative care",
                                      provider="PARTNERS training team"))
        for ago in range(start - 120, 0, -120):
            records.append(TrainingRecord(user=cp, kind=TrainingKind.TOP_UP, completed_on=_d(today, ago),
                                          days=Decimal("0.5"),
                                          title=rng.choice(["Goal setting refresher", "Working across boundaries",
                                                            "Physical health in SMI", "Risk and crisis planning"]),
                                          provider="PARTNERS training team"))
    TrainingRecord.objects.bulk_create(records)
    return len(records)


def _sessions(today: date, cps: dict[str, User], rng: random.Random) -> tuple[int, int]:
    # (supervisee, supervisor, first session days ago, last session days ago)
    plan = [("carepartner1", "supervisor1", 380, 12), ("carepartner2", "supervisor1", 375, 20),
            ("carepartner3", "supervisor2", 385, 63), ("carepartner4", "supervisor2", 140, 55)]
    n_sessions = n_actions = 0
    for username, sup_name, first, last in plan:
        cp = cps[username]
        supervisor = User.objects.get(username=sup_name)
        episodes = list(Episode.objects.filter(care_partner=cp).order_by("pk"))
        open_actions: list[SupervisionAction] = []
        ago = first
        while ago >= last:
            held = _d(today, ago)
            session = SupervisionSession.objects.create(supervisee=cp, supervisor=supervisor, held_on=held,
                                                        minutes=rng.choice([45, 60, 60, 90]), notes=rng.choice(NOTES))
            n_sessions += 1
            live = [e for e in episodes if e.referred_on <= held and (e.ended_on is None or e.ended_on >= held)]
            cases = rng.sample(live, min(len(live), rng.randint(2, 4)))
            session.cases.set(cases)
            for action in open_actions:
                if rng.random() < 0.8:
                    action.completed_on = held
                    action.completed_in = session
                    action.completed_by = supervisor
                    action.save(update_fields=["completed_on", "completed_in", "completed_by"])
            open_actions = [a for a in open_actions if a.completed_on is None]
            for _ in range(rng.randint(0, 2)):
                case = rng.choice(cases) if cases and rng.random() < 0.8 else None
                action = SupervisionAction.objects.create(
                    session=session, episode=case, description=rng.choice(ACTIONS),
                    owner=cp if rng.random() < 0.75 else supervisor, due_on=held + timedelta(days=rng.randint(7, 21)))
                open_actions.append(action)
                n_actions += 1
            ago -= rng.randint(24, 34)
    return n_sessions, n_actions


def _safety(today: date, rng: random.Random) -> int:
    episodes = list(Episode.objects.filter(care_partner__is_demo=True, started_on__isnull=False)
                    .select_related("care_partner").order_by("pk"))
    rng.shuffle(episodes)
    events = []
    reporters = {e.care_partner_id: e.care_partner for e in episodes}
    for i, episode in enumerate(episodes[:16]):
        start = episode.started_on or episode.referred_on
        end = episode.ended_on or today
        span = (end - start).days
        if span < 20:
            continue
        onset = start + timedelta(days=rng.randint(10, span - 1))
        kind = "admission" if i < 5 else "crisis" if i < 11 else "sae"
        length = {"admission": rng.randint(7, 60), "crisis": rng.randint(5, 30), "sae": rng.randint(2, 14)}[kind]
        ended: date | None = onset + timedelta(days=length)
        if ended is not None and ended > today:
            ended = None
        event = SafetyEvent(person_id=episode.person_id, episode=episode, kind=kind, onset_on=onset, ended_on=ended,
                            outcome="ongoing" if ended is None else "resolved",
                            reported_by=reporters.get(episode.care_partner_id))
        if kind == "admission":
            event.description = "Admitted to the acute mental health ward."
        elif kind == "crisis":
            event.description = "Under the crisis and home treatment team."
        else:
            text, relatedness, expected = SAE_DESCRIPTIONS[i % len(SAE_DESCRIPTIONS)]
            event.description, event.relatedness, event.expected = text, relatedness, expected
            event.hospitalisation = True
            event.life_threatening = "ketoacidosis" in text
        # Older events have been reviewed in supervision; the most recent few have not.
        if (today - onset).days > 21:
            event.reviewed_at = timezone.now() - timedelta(days=(today - onset).days - 3)
        events.append(event)
    # And two recent ones for supervisor1's team, not yet reviewed: they head the supervisor's screen.
    recent = [("carepartner1", "crisis", 3, None), ("carepartner2", "admission", 12, 2)]
    for username, kind, onset_ago, end_ago in recent:
        latest = (Episode.objects.filter(care_partner__username=username, phase__in=[Phase.ACTIVE, Phase.ENGAGING])
                  .order_by("pk").first())
        if latest is None:
            continue
        events.append(SafetyEvent(
            person_id=latest.person_id, episode=latest, kind=kind, onset_on=_d(today, onset_ago),
            ended_on=_d(today, end_ago) if end_ago is not None else None,
            outcome="ongoing" if end_ago is None else "resolved", reported_by=latest.care_partner,
            description="Under the crisis and home treatment team." if kind == "crisis"
            else "Admitted to the acute mental health ward."))
    SafetyEvent.objects.bulk_create(events)
    return len(events)


def _health(today: date, rng: random.Random) -> tuple[int, int, int]:
    checks, conditions, medication = [], [], []
    for person in Person.objects.order_by("pk"):
        age = (today - person.date_of_birth).days // 365
        if rng.random() < 0.78:
            last_ago = int(rng.uniform(5, 900)) if rng.random() < 0.85 else int(rng.uniform(330, 365))
            for k in range(rng.choice([1, 1, 2])):
                checked = _d(today, last_ago + 365 * k + rng.randint(-20, 20))
                if checked < person.date_of_birth + timedelta(days=18 * 365):
                    continue
                height = Decimal(str(round(rng.gauss(176 if person.sex == "male" else 163, 7), 1)))
                weight = Decimal(str(round(max(45.0, rng.gauss(92 if person.sex == "male" else 82, 17)), 1)))
                systolic = int(rng.gauss(128, 16))
                diastolic = min(systolic - 25, int(rng.gauss(80, 10)))
                smoking = rng.choices(["current", "ex", "never"], weights=[40, 25, 35])[0]
                alcohol = max(0, int(rng.expovariate(1 / 8))) if rng.random() < 0.9 else None
                hba1c = max(28, int(rng.gauss(41, 8)))
                body_mass = bmi(weight, height)
                offered = []
                if smoking == "current":
                    offered.append("smoking_cessation")
                if body_mass is not None and body_mass >= 30:
                    offered.append("weight_management")
                if systolic >= 140 or diastolic >= 90:
                    offered.append("blood_pressure")
                if hba1c >= 48:
                    offered.append("diabetes")
                if alcohol is not None and alcohol > 14:
                    offered.append("alcohol")
                partial = rng.random() < 0.15
                checks.append(HealthCheck(
                    person=person, checked_on=checked, height_cm=height, weight_kg=weight, bmi=body_mass,
                    systolic_bp=systolic, diastolic_bp=diastolic,
                    total_cholesterol=None if partial else Decimal(str(round(rng.gauss(5.2, 1.0), 1))),
                    hdl_cholesterol=None if partial else Decimal(str(round(max(0.6, rng.gauss(1.2, 0.3)), 1))),
                    hba1c=hba1c, smoking=smoking, alcohol_units_per_week=alcohol, interventions=offered))
        for name, code, prevalence in CONDITIONS:
            if rng.random() < prevalence * (1.5 if age > 55 else 0.8):
                conditions.append(LongTermCondition(person=person, condition=name, snomed_code=code,
                                                    recorded_on=_d(today, rng.randint(60, 3000))))
        if (person.diagnosis_group == "schizophrenia" and rng.random() < 0.9) or rng.random() < 0.35:
            medication.append(Medication(person=person, group="antipsychotic", name=rng.choice(ANTIPSYCHOTICS),
                                         started_on=_d(today, rng.randint(90, 4000))))
        if person.diagnosis_group == "bipolar" and rng.random() < 0.7:
            medication.append(Medication(person=person, group="mood_stabiliser", name=rng.choice(MOOD_STABILISERS),
                                         started_on=_d(today, rng.randint(90, 4000))))
        if rng.random() < 0.3:
            medication.append(Medication(person=person, group="antidepressant", name=rng.choice(ANTIDEPRESSANTS),
                                         started_on=_d(today, rng.randint(30, 2000))))
        if rng.random() < 0.08:
            medication.append(Medication(person=person, group="sedative", name=rng.choice(SEDATIVES),
                                         started_on=_d(today, rng.randint(30, 800))))
    HealthCheck.objects.bulk_create(checks, batch_size=1000)
    LongTermCondition.objects.bulk_create(conditions, batch_size=1000)
    Medication.objects.bulk_create(medication, batch_size=1000)
    return len(checks), len(conditions), len(medication)


def clear_supervision_records() -> None:
    """Delete the records of this step that protect episodes and people (sessions and their actions, safety
    events, health checks), so a test can delete episodes and people and load the demo again."""
    SupervisionSession.objects.all().delete()
    SafetyEvent.objects.all().delete()
    HealthCheck.objects.all().delete()


def supervision(rng: random.Random) -> str:
    today = timezone.localdate()
    cps = {u.username: u for u in User.objects.filter(role=Role.CARE_PARTNER, is_demo=True,
                                                      username__in=list(CARE_PARTNER_PRACTICES))}
    supervisors = list(User.objects.filter(role=Role.SUPERVISOR, is_demo=True).order_by("username"))
    practices = {o.ods_code: o for o in Organisation.objects.filter(kind=Organisation.Kind.PRACTICE) if o.ods_code}
    posts = _posts(today, cps, practices, rng)
    training = _training(today, cps, supervisors, rng)
    sessions, actions = _sessions(today, cps, rng)
    events = _safety(today, rng)
    checks, conditions, medication = _health(today, rng)
    open_count = Episode.objects.filter(phase__in=OPEN_PHASES).exclude(phase=Phase.INVITED).count()
    return (f"{posts} posts, {training} training records, {sessions} supervision sessions with {actions} actions, "
            f"{events} safety events, {checks} health checks, {conditions} long-term conditions, "
            f"{medication} medicines ({open_count} people in active care)")
