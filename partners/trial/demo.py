"""Demo step: a finished cluster randomised trial in the demo ICS, and a second trial still recruiting.

"PARTNERS Shire evaluation" (synthetic, seeded) is built the way the platform records a trial: the ten demo
practices approached, two not recruited (with reasons), eight recruited; patients screened (some not eligible,
with reasons), research consent with its form version (``registry.Consent``), baseline MANSA, SWEMWBS and QPR-15
as ``measures.QuestionnaireResponse`` rows at point ``baseline`` scored by the measures engine; each practice
randomised by minimisation on region and practice size through ``services.practice_allocate`` with the trial's
seed as it finished baseline recruitment (the allocations dated then); Care Partners in post at the intervention
practices (one with a long gap), episodes and contacts for intervention participants; follow-up questionnaires
(point ``end``) about 10 months after randomisation, some out of window, some incomplete, some missing with
withdrawals (withdrew, lost, moved, died), one withdrawal of consent to data use; a few safety events; and the
decision to unblind recorded by admin1. "PARTNERS Shire extension" has three practices that finished baseline
recruitment and are waiting to be randomised, so researcher1 can try it.

Independence from the other demo steps: trial participants are people with no episode and no trial place when
this step runs; the intervention participants' episodes belong to two trial Care Partner accounts that are not
demo accounts (steps that build care for the demo Care Partners' caseloads leave them alone) and their follow-up
responses are attached to those episodes (steps that add questionnaires to episodes without any skip them).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.care.models import Absence, CarePartnerPost, Contact, ContactMode, EndReason, Episode, Phase
from partners.measures.engine import score
from partners.measures.models import CollectionMode, ItemResponse, QuestionnaireResponse
from partners.organisations.models import Organisation
from partners.registry.models import Consent, Person
from partners.safety.models import SafetyEvent
from partners.trial import services
from partners.trial.models import Participant, Trial, TrialPractice, WithdrawalKind

TRIAL_NAME = "PARTNERS Shire evaluation"
EXTENSION_NAME = "PARTNERS Shire extension"
CONSENT_VERSION = "Consent form v2.1 (2023-05-01)"
OUTCOMES = ["mansa", "swemwbs", "qpr15"]
NOT_RECRUITED = {"X91003": "Declined: no capacity for research this year",
                 "X91008": "No response after three reminders"}
INELIGIBLE = ["Under secondary care for dementia", "Significant substance or alcohol problems",
              "Already in another psychosis trial", "GP judged it not in their best interests",
              "Unable to give informed consent"]
NOT_CONSENTED = ["Not interested", "Did not want to complete questionnaires", "Could not be contacted"]
TRIAL_CARE_PARTNERS = [("trialcp.north", "Dana", "Hale"), ("trialcp.south", "Omar", "Reid")]


def _actor(username: str) -> Actor:
    return Actor.system(User.objects.get(username=username), via="demo")


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10, 30)))


def _clip(value: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, round(value)))


def _responses(rng: random.Random, code: str, quality: float, incomplete: bool = False) -> list[Any]:
    """Item responses for a person whose quality of life (MANSA scale, 1-7) is ``quality``."""
    z = (quality - 4.3) / 0.85
    if code == "mansa":
        values: list[Any] = [_clip(quality + rng.gauss(0, 0.7), 1, 7) for _ in range(12)]
        values += [rng.random() < 0.7, rng.random() < 0.6, rng.random() < 0.05, rng.random() < 0.08]
        if incomplete:
            for k in rng.sample(range(12), 5):
                values[k] = None
        return values
    if code == "swemwbs":
        return [_clip(3 + 0.8 * z + rng.gauss(0, 0.6), 1, 5) for _ in range(7)]
    return [_clip(2.4 + 0.7 * z + rng.gauss(0, 0.7), 0, 4) for _ in range(15)]


def _questionnaires(rng: random.Random, person: Person, point: str, on: date, quality: float,
                    episode: Episode | None = None, incomplete: bool = False,
                    codes: list[str] | None = None) -> list[tuple[QuestionnaireResponse, list[Any]]]:
    out = []
    for code in codes or OUTCOMES:
        values = _responses(rng, code, quality, incomplete=incomplete and code == "mansa")
        result = score(code, values)
        out.append((QuestionnaireResponse(
            person=person, episode=episode, instrument=code, instrument_version=result.version, point=point,
            status=QuestionnaireResponse.Status.COMPLETED, mode=CollectionMode.STAFF, completed_on=on,
            score=result.score, scores=result.scores, missing=result.missing, prorated=result.prorated,
            value_set=result.value_set or "", scoring_rule=result.rule, no_score_reason=result.no_score_reason or "",
            flags=list(result.flags)), values))
    return out


def _save_questionnaires(planned: list[tuple[QuestionnaireResponse, list[Any]]]) -> int:
    QuestionnaireResponse.objects.bulk_create([r for r, _ in planned], batch_size=500)
    if planned and planned[0][0].pk is None:
        raise RuntimeError("bulk_create did not return primary keys")
    items = [ItemResponse(response=r, position=k + 1, value=v) for r, values in planned for k, v in enumerate(values)]
    ItemResponse.objects.bulk_create(items, batch_size=2000)
    return len(planned)


def _pool(rng: random.Random, practice: Organisation, taken: set[int], screening_from: date) -> list[Person]:
    """People at the practice who were adults when screening began, with no episode and no trial place."""
    adults = screening_from - timedelta(days=int(18.5 * 365.25))
    people = [p for p in Person.objects.filter(practice=practice, date_of_birth__lte=adults,
                                               date_of_death__isnull=True).order_by("pk") if p.pk not in taken]
    rng.shuffle(people)
    return people


def _trial_care_partners() -> list[User]:
    team_org = Organisation.objects.filter(kind=Organisation.Kind.TRUST).order_by("pk").first()
    users = []
    for username, first, last in TRIAL_CARE_PARTNERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": Role.CARE_PARTNER, "first_name": first, "last_name": last,
                                         "organisation": team_org, "is_demo": False, "is_active": False,
                                         "job_title": "Care Partner (trial, left post)"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        users.append(user)
    return users


def trials(rng: random.Random) -> str:
    today = timezone.localdate()
    researcher, admin = _actor("researcher1"), _actor("admin1")
    ics = Organisation.objects.filter(kind=Organisation.Kind.ICS).order_by("pk").first()
    practices = list(Organisation.objects.filter(kind=Organisation.Kind.PRACTICE, ods_code__startswith="X91")
                     .order_by("ods_code"))
    start = today - timedelta(days=900)
    trial = services.trial_create(
        actor=researcher, name=TRIAL_NAME, registration="DEMO-ISRCTN-0001", consent_study=TRIAL_NAME,
        description="Synthetic demonstration trial of the PARTNERS model, built as PARTNERS2 was.",
        outcomes=OUTCOMES, factors=["region", "practice_size"], p=0.8, seed=20240102, followup_days=304,
        followup_window_days=30,
        periods=[{"label": "before_disruption", "from": None},
                 {"label": "during_disruption", "from": (today - timedelta(days=450)).isoformat()}],
        design={"delta": 0.45, "sd": 0.9, "alpha": 0.05, "power": 0.8, "icc": 0.05, "mean_cluster_size": 12},
        organisation_id=ics.pk if ics else None)
    tps = services.practice_approach(actor=researcher, trial_id=trial.pk, practice_ids=[p.pk for p in practices],
                                     on=start)
    taken = set(Episode.objects.values_list("person_id", flat=True)) | set(
        Participant.objects.values_list("person_id", flat=True))
    recruited: list[TrialPractice] = []
    for k, tp in enumerate(tps):
        if tp.practice.ods_code in NOT_RECRUITED:
            services.practice_exclude(actor=researcher, trial_practice_id=tp.pk,
                                      reason=NOT_RECRUITED[tp.practice.ods_code], on=start + timedelta(days=21))
        else:
            recruited.append(services.practice_recruit(actor=researcher, trial_practice_id=tp.pk,
                                                       on=start + timedelta(days=10 + 3 * k)))
    # Participants: screening, eligibility, consent, baseline; practices finish baseline recruitment in turn.
    rng.shuffle(recruited)
    quality: dict[int, float] = {}
    practice_effect = {tp.pk: rng.gauss(0, 0.18) for tp in recruited}
    consents, planned = [], []
    participants: list[Participant] = []
    finish: dict[int, date] = {}
    for k, tp in enumerate(recruited):
        finish[tp.pk] = start + timedelta(days=90 + 18 * k)
        size = max(6, min(36, int(rng.gammavariate(6.0, 4.0))))
        for person in _pool(rng, tp.practice, taken, start)[:size]:
            taken.add(person.pk)
            screened = finish[tp.pk] - timedelta(days=rng.randint(20, 70))
            eligible = rng.random() > 0.12
            p = Participant(trial=trial, trial_practice=tp, person=person, screened_on=screened, eligible=eligible,
                            ineligible_reason="" if eligible else rng.choice(INELIGIBLE),
                            diagnosis_group=person.diagnosis_group, care_setting=person.usual_care_setting)
            participants.append(p)
            if not eligible:
                continue
            consented = screened + timedelta(days=rng.randint(0, 7))
            if rng.random() < 0.18:
                consents.append((p, Consent(person=person, scope=Consent.Scope.RESEARCH,
                                            status=Consent.Status.DECLINED, recorded_on=consented, study=TRIAL_NAME)))
                p.not_consented_reason = rng.choice(NOT_CONSENTED)
                continue
            consents.append((p, Consent(person=person, scope=Consent.Scope.RESEARCH, status=Consent.Status.GIVEN,
                                        recorded_on=consented, version=CONSENT_VERSION, study=TRIAL_NAME)))
            if rng.random() < 0.05:
                continue  # consented but never assessed
            p.baseline_on = min(finish[tp.pk] - timedelta(days=1), consented + timedelta(days=rng.randint(0, 10)))
            quality[person.pk] = min(6.6, max(1.6, rng.gauss(4.3, 0.8) + practice_effect[tp.pk]))
            planned += _questionnaires(rng, person, QuestionnaireResponse.Point.BASELINE, p.baseline_on,
                                       quality[person.pk])
    Consent.objects.bulk_create([c for _, c in consents], batch_size=500)
    for p, c in consents:
        p.consent = c
    Participant.objects.bulk_create(participants, batch_size=500)
    # One participant withdraws before the practice is randomised.
    early = next(p for p in participants if p.baseline_on is not None)
    assert early.baseline_on is not None
    Participant.objects.filter(pk=early.pk).update(withdrawn_on=early.baseline_on + timedelta(days=3),
                                                   withdrawal_kind=WithdrawalKind.WITHDREW,
                                                   withdrawal_reason="Changed their mind before randomisation")
    # Randomisation by minimisation, practice by practice as each finishes baseline recruitment.
    allocations = {}
    for tp in sorted(recruited, key=lambda t: finish[t.pk]):
        services.practice_baseline_complete(actor=researcher, trial_practice_id=tp.pk, on=finish[tp.pk])
        log = services.practice_allocate(actor=researcher, trial_practice_id=tp.pk,
                                         at=_at(finish[tp.pk] + timedelta(days=2)))
        allocations[tp.pk] = log
    # The intervention: Care Partners in post (one practice with a long gap), episodes and contacts.
    cps = _trial_care_partners()
    intervention = [tp for tp in recruited if allocations[tp.pk].arm == "intervention"]
    posts, absences, episodes, contacts = [], [], [], []
    for k, tp in enumerate(intervention):
        cp = cps[k % len(cps)]
        allocated = timezone.localdate(allocations[tp.pk].allocated_at)
        if k == 0:  # a Care Partner left after four months and was replaced five months later
            posts += [CarePartnerPost(care_partner=cp, practice=tp.practice, starts_on=allocated,
                                      ends_on=allocated + timedelta(days=120)),
                      CarePartnerPost(care_partner=cps[1 - k % 2], practice=tp.practice,
                                      starts_on=allocated + timedelta(days=270),
                                      ends_on=allocated + timedelta(days=330))]
        else:
            posts.append(CarePartnerPost(care_partner=cp, practice=tp.practice, starts_on=allocated,
                                         ends_on=allocated + timedelta(days=330)))
    absences.append(Absence(care_partner=cps[0], starts_on=today - timedelta(days=640),
                            ends_on=today - timedelta(days=610), reason="Sick leave"))
    CarePartnerPost.objects.bulk_create(posts)
    Absence.objects.bulk_create(absences)
    randomised = [p for p in participants if p.baseline_on is not None and p.pk != early.pk]
    effect = 0.25
    fu_planned = []
    withdrawals: list[tuple[Participant, date, str, str]] = []
    events = []
    for p in randomised:
        log = allocations[p.trial_practice_id]
        allocated = timezone.localdate(log.allocated_at)
        due = allocated + timedelta(days=304)
        arm_effect = effect if log.arm == "intervention" else 0.0
        episode = None
        if log.arm == "intervention":
            cp = cps[intervention.index(p.trial_practice) % len(cps)]
            began = allocated + timedelta(days=rng.randint(5, 30))
            episode = Episode(person=p.person, care_partner=cp, practice=p.trial_practice.practice,
                              phase=Phase.ENDED, referred_on=allocated + timedelta(days=2), started_on=began,
                              planned_end_on=began + timedelta(days=365), transition_from=began + timedelta(days=304),
                              ended_on=began + timedelta(days=320), end_reason=EndReason.COMPLETED,
                              last_contact_on=began + timedelta(days=300))
            episodes.append(episode)
            engaged = rng.random()
            n = 0 if engaged < 0.1 else rng.randint(2, 5) if engaged < 0.3 else rng.randint(6, 16)
            arm_effect += 0.02 * n - 0.1
            for slot in range(n):
                when = began + timedelta(days=int((slot + rng.random()) * 280 / max(n, 1)))
                contacts.append((episode, Contact(
                    person=p.person, care_partner=cp, contact_on=when,
                    mode=rng.choices([ContactMode.FACE_TO_FACE, ContactMode.TELEPHONE, ContactMode.VIDEO,
                                      ContactMode.TEXT], weights=[5, 3, 1, 1])[0],
                    minutes=rng.choice([5, 8, 15, 20, 30, 45, 60]), goals_discussed=rng.random() < 0.5,
                    notes="Synthetic trial contact.")))
        roll = rng.random()
        if roll < 0.04:
            withdrawals.append((p, allocated + timedelta(days=rng.randint(60, 250)), WithdrawalKind.WITHDREW,
                                "No longer wished to take part"))
            continue
        if roll < 0.06:
            withdrawals.append((p, allocated + timedelta(days=rng.randint(60, 250)), WithdrawalKind.DIED, ""))
            continue
        if roll < 0.09:
            withdrawals.append((p, due, WithdrawalKind.LOST, "No reply to three follow-up calls"))
            continue
        if roll < 0.11:
            withdrawals.append((p, allocated + timedelta(days=rng.randint(100, 250)), WithdrawalKind.MOVED,
                                "Registered with a practice outside the area"))
            continue
        if roll < 0.14:
            p.followup_missing_reason = "Could not be contacted in the follow-up window"
            continue
        late = rng.random() < 0.12
        when = due + timedelta(days=rng.randint(35, 75) if late else rng.randint(-25, 25))
        base = quality[p.person_id]
        follow = min(6.8, max(1.3, 4.3 + 0.55 * (base - 4.3) + arm_effect + practice_effect[p.trial_practice_id]
                              + rng.gauss(0, 0.65)))
        fu_planned.append((p, when, follow, rng.random() < 0.03))
        if rng.random() < 0.08:
            kind = rng.choice(["admission", "crisis", "sae"])
            onset = allocated + timedelta(days=rng.randint(20, 280))
            events.append(SafetyEvent(person=p.person, kind=kind, onset_on=onset,
                                      ended_on=onset + timedelta(days=rng.randint(3, 40)) if kind != "sae" else None,
                                      description="Synthetic safety event.", hospitalisation=kind == "admission",
                                      outcome=SafetyEvent.Outcome.RESOLVED))
    Episode.objects.bulk_create(episodes, batch_size=500)
    for episode, contact in contacts:
        contact.episode = episode
    Contact.objects.bulk_create([c for _, c in contacts], batch_size=1000)
    SafetyEvent.objects.bulk_create(events)
    episode_of = {e.person_id: e for e in episodes}
    for p, when, follow, incomplete in fu_planned:
        planned += _questionnaires(rng, p.person, QuestionnaireResponse.Point.END, when, follow,
                                   episode=episode_of.get(p.person_id), incomplete=incomplete)
    n_responses = _save_questionnaires(planned)
    Participant.objects.bulk_update([p for p in randomised if p.followup_missing_reason],
                                    ["followup_missing_reason"])
    by_kind: dict[str, int] = defaultdict(int)
    for p, on, kind, reason in withdrawals:
        p.withdrawn_on, p.withdrawal_kind, p.withdrawal_reason = on, kind, reason
        by_kind[kind] += 1
    Participant.objects.bulk_update([p for p, _, _, _ in withdrawals],
                                    ["withdrawn_on", "withdrawal_kind", "withdrawal_reason"])
    # One participant withdraws consent to the use of their data: they leave every dataset and extract.
    leaver = next(p for p in randomised if p.withdrawn_on is None and p.pk not in {w[0].pk for w in withdrawals})
    leaver_on = timezone.localdate(allocations[leaver.trial_practice_id].allocated_at) + timedelta(days=150)
    Participant.objects.filter(pk=leaver.pk).update(withdrawn_on=leaver_on, withdrawal_kind=WithdrawalKind.WITHDREW,
                                                    withdrawal_reason="Withdrew consent to the use of their data")
    Consent.objects.create(person_id=leaver.person_id, scope=Consent.Scope.RESEARCH, status=Consent.Status.WITHDRAWN,
                           recorded_on=leaver_on, study=TRIAL_NAME, notes="Withdrew consent to the use of their data.")
    services.trial_unblind(actor=admin, trial_id=trial.pk, decision=(
        f"Database locked on {(today - timedelta(days=200)):%d %B %Y}; the Trial Steering Committee approved "
        "unblinding for the final analysis (synthetic demo minutes TSC-07)."))
    extension = _extension(rng, researcher, practices, taken, today)
    arms: dict[str, int] = defaultdict(int)
    for log in allocations.values():
        arms[log.arm] += 1
    return (f"{TRIAL_NAME}: {len(tps)} practices approached, {len(recruited)} randomised "
            f"({arms['intervention']} intervention, {arms['control']} control), {len(participants)} screened, "
            f"{len(randomised)} randomised, {n_responses} questionnaires, {len(contacts)} contacts; "
            f"{extension} practices of {EXTENSION_NAME} awaiting randomisation")


def _extension(rng: random.Random, researcher: Actor, practices: list[Organisation], taken: set[int],
               today: date) -> int:
    """A second trial, recruiting: three practices finished baseline recruitment and await randomisation."""
    trial = services.trial_create(actor=researcher, name=EXTENSION_NAME, consent_study=EXTENSION_NAME,
                                  registration="DEMO-ISRCTN-0002", outcomes=["mansa"],
                                  factors=["region", "practice_size"], seed=rng.randrange(2**40))
    chosen = [p for p in practices if p.ods_code in ("X91002", "X91005", "X91009", "X91010")]
    start = today - timedelta(days=60)
    tps = services.practice_approach(actor=researcher, trial_id=trial.pk, practice_ids=[p.pk for p in chosen],
                                     on=start)
    ready = 0
    planned = []
    for k, tp in enumerate(tps):
        if k == 3:
            services.practice_exclude(actor=researcher, trial_practice_id=tp.pk, reason="Practice merger under way",
                                      on=start + timedelta(days=14))
            continue
        services.practice_recruit(actor=researcher, trial_practice_id=tp.pk, on=start + timedelta(days=7))
        for person in _pool(rng, tp.practice, taken, start)[:4]:
            taken.add(person.pk)
            screened = start + timedelta(days=rng.randint(10, 30))
            consent = Consent.objects.create(person=person, scope=Consent.Scope.RESEARCH, status=Consent.Status.GIVEN,
                                             recorded_on=screened, version="v1.0 (2026-01-10)", study=EXTENSION_NAME)
            Participant.objects.create(trial=trial, trial_practice=tp, person=person, screened_on=screened,
                                       eligible=True, consent=consent, baseline_on=screened + timedelta(days=2),
                                       diagnosis_group=person.diagnosis_group, care_setting=person.usual_care_setting)
            planned += _questionnaires(rng, person, QuestionnaireResponse.Point.BASELINE,
                                       screened + timedelta(days=2), rng.gauss(4.3, 0.8), codes=["mansa"])
        services.practice_baseline_complete(actor=researcher, trial_practice_id=tp.pk, on=today - timedelta(days=5))
        ready += 1
    _save_questionnaires(planned)
    return ready


def demo_trial() -> Trial | None:
    return Trial.objects.filter(name=TRIAL_NAME).first()


def clear_trial_records() -> None:
    """Remove what this step made, for tests that rebuild the demo people. The allocation log is append-only, so
    it is emptied as its table's owner (TRUNCATE on PostgreSQL, where the trigger refuses DELETE)."""
    from django.db import connection

    from partners.demo.models import DemoStep
    from partners.trial.models import ReportRun

    people = list(Participant.objects.values_list("person_id", flat=True))
    care_partners = User.objects.filter(username__in=[u for u, _, _ in TRIAL_CARE_PARTNERS])
    ReportRun.objects.all().delete()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks on the table
            cursor.execute("TRUNCATE trial_allocationlog")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            cursor.execute("DELETE FROM trial_allocationlog")
    Participant.objects.all().delete()
    TrialPractice.objects.all().delete()
    Trial.objects.all().delete()
    QuestionnaireResponse.objects.filter(person_id__in=people).delete()
    SafetyEvent.objects.filter(person_id__in=people).delete()
    Contact.objects.filter(care_partner__in=care_partners).delete()
    Episode.objects.filter(care_partner__in=care_partners).delete()
    CarePartnerPost.objects.filter(care_partner__in=care_partners).delete()
    Absence.objects.filter(care_partner__in=care_partners).delete()
    DemoStep.objects.filter(name="trials").delete()
