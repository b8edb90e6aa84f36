"""The analysis dataset, CONSORT counts and completeness from the platform's records."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.care.models import Absence, CarePartnerPost, Contact, CoverArrangement, Episode, Phase
from partners.registry.models import Consent
from partners.trial import services
from partners.trial.models import AllocationLog, Participant
from partners.trial.reports.extract import pseudonym
from partners.trial.selectors import TrialData
from partners.trial.tests.factories import actor, build_trial, mansa_items, respond

COLUMNS = ["participant_id", "practice_id", "arm", "region", "practice_size", "diagnosis_group", "care_setting",
           "age", "sex", "ethnic_group", "baseline_mansa", "followup_mansa", "followup_in_window", "contacts_10min",
           "contacts_goals", "cp_availability"]


def test_the_dataset_has_the_columns_of_data_formats_section_4_one_row_per_randomised_participant(world):
    tw = build_trial(world, n_practices=4, per_practice=2, allocate=3)
    data = TrialData(tw.trial)
    rows = data.rows()
    assert data.columns() == COLUMNS
    assert len(rows) == 6  # the fourth practice is not randomised
    assert all(list(r) == COLUMNS for r in rows)
    ds = data.dataset()
    assert ds is not None and len(ds) == 6 and ds.measures == ["mansa"]
    arms = {r["practice_id"]: r["arm"] for r in rows}
    assert len(arms) == 3 and set(arms.values()) <= {"intervention", "control"}


def test_a_trial_with_periods_has_a_period_column_from_the_follow_up_date(world):
    tw = build_trial(world, n_practices=2, per_practice=1)
    boundary = tw.base + timedelta(days=10 + tw.trial.followup_days)  # practice 1 due then, practice 2 a day later
    tw.trial.periods = [{"label": "before", "from": None}, {"label": "after", "from": (boundary + timedelta(days=1))
                                                                                      .isoformat()}]
    tw.trial.save()
    data = TrialData(tw.trial)
    assert "period" in data.columns()
    by_practice = {r["region"] + r["practice_size"]: r["period"] for r in data.rows()}
    assert by_practice == {"Northlarge": "before", "Northsmall": "after"}


def test_values_come_from_the_questionnaires_contacts_and_posts(world):
    tw = build_trial(world, n_practices=2, per_practice=2)
    data = TrialData(tw.trial)
    logs = {log.practice_code: log for log in AllocationLog.objects.filter(trial=tw.trial)}
    # Put a Care Partner in post at the intervention practice for half its intervention period, with contacts.
    code = next(c for c, log in logs.items() if log.arm == "intervention")
    log = logs[code]
    start = timezone.localdate(log.allocated_at)
    p = tw.participants[code][0]
    cp = world.users["cp2"]
    CarePartnerPost.objects.create(care_partner=cp, practice=log.trial_practice.practice, starts_on=start,
                                   ends_on=start + timedelta(days=151))
    Absence.objects.create(care_partner=cp, starts_on=start + timedelta(days=100), ends_on=start + timedelta(days=109))
    CoverArrangement.objects.create(absent=cp, covering=world.users["cp1"], starts_on=start + timedelta(days=100),
                                    ends_on=start + timedelta(days=104))
    episode = Episode.objects.create(person=p.person, care_partner=cp, practice=log.trial_practice.practice,
                                     phase=Phase.ENDED, referred_on=start, started_on=start, ended_on=start + timedelta(
                                         days=300))
    for day, minutes, goals, reached in [(5, 30, True, True), (20, 8, True, True), (40, 15, False, True),
                                         (60, 45, True, False), (-3, 30, True, True)]:
        Contact.objects.create(episode=episode, person=p.person, care_partner=cp,
                               contact_on=start + timedelta(days=day), mode="telephone", minutes=minutes,
                               goals_discussed=goals, reached=reached)
    data = TrialData(tw.trial)
    key = str.encode("demo-pseudonym-key")
    rows = {r["participant_id"]: r for r in data.rows()}
    row = rows[pseudonym(f"trial{tw.trial.pk}-participant{p.pk}", key, "participant_id", "P-", 16)]
    assert row["arm"] == "intervention" and row["practice_id"] == pseudonym(code, key, "practice_id", "C-", 12)
    assert (row["baseline_mansa"], row["followup_mansa"]) == ("3.0", "4.0")  # from factories.build_trial
    born = p.person.date_of_birth  # conftest.make_person: a White British woman born 17 May 1970
    age = tw.base.year - born.year - ((tw.base.month, tw.base.day) < (born.month, born.day))
    assert (row["age"], row["sex"], row["ethnic_group"]) == (str(age), "female", "White")
    assert row["followup_in_window"] == "true"
    assert (row["contacts_10min"], row["contacts_goals"]) == ("2", "2")  # reached, in the intervention period
    # 152 days in post minus 10 days away, 5 of them covered by a colleague, over the 304-day intervention period
    # (supervision.fidelity's rule).
    assert float(row["cp_availability"]) == pytest.approx(147 / 304, abs=1e-4)
    assert {r["cp_availability"] for r in rows.values() if r["arm"] == "control"} == {""}


def test_a_follow_up_out_of_window_is_flagged_and_one_far_outside_is_not_the_trial_follow_up(world):
    tw = build_trial(world, n_practices=2, per_practice=1, followup=False)
    trial = tw.trial
    late, stray = tw.participants["XT0001"][0], tw.participants["XT0002"][0]
    due = {p.pk: tw.base + timedelta(days=10 + k + trial.followup_days) for k, p in enumerate((late, stray))}
    respond(late.person, "mansa", "end", due[late.pk] + timedelta(days=trial.followup_window_days + 5),
            mansa_items(6))
    respond(stray.person, "mansa", "end", due[stray.pk] + timedelta(
        days=trial.followup_window_days + trial.followup_grace_days + 1), mansa_items(6))
    rows = {(r["practice_size"]): r for r in TrialData(trial).rows()}
    assert (rows["large"]["followup_mansa"], rows["large"]["followup_in_window"]) == ("6.0", "false")
    assert (rows["small"]["followup_mansa"], rows["small"]["followup_in_window"]) == ("", "")


def test_no_row_for_anyone_without_research_consent(world):
    tw = build_trial(world, n_practices=2, per_practice=3)
    staff = actor(world.users["practice_a"])
    keep, gone, later = tw.participants["XT0001"]
    services.participant_withdraw(actor=staff, participant_id=gone.pk, on=timezone.localdate(), kind="withdrew",
                                  remove_data=True)
    # A research consent withdrawn directly in the registry (for every study) counts too.
    Consent.objects.create(person=later.person, scope="research", status="withdrawn", recorded_on=timezone.localdate())
    # A consent for another study's withdrawal does not.
    Consent.objects.create(person=keep.person, scope="research", status="withdrawn", recorded_on=timezone.localdate(),
                           study="Another study")
    data = TrialData(tw.trial)
    in_dataset = {r.participant.pk for r in data.dataset_records}
    assert keep.pk in in_dataset and gone.pk not in in_dataset and later.pk not in in_dataset
    assert len(data.rows()) == 4
    assert data.consort_records()["patients"]["excluded_before_randomisation"] == {
        "Withdrew consent to the use of their data after randomisation (data removed)": 2}


def test_people_who_declined_or_were_not_eligible_are_counted_but_never_in_the_dataset(world):
    tw = build_trial(world, n_practices=2, per_practice=1, allocate=0, followup=False)
    staff = actor(world.users["practice_a"])
    today = timezone.localdate()
    declined = services.participant_screen(actor=staff, trial_id=tw.trial.pk, person_id=world.people["p3"].pk,
                                           on=today, eligible=True)
    services.participant_consent(actor=staff, participant_id=declined.pk, on=today, given=False,
                                 reason="Not interested")
    ineligible = services.participant_screen(actor=staff, trial_id=tw.trial.pk, person_id=world.people["p1"].pk,
                                             on=today, eligible=False, ineligible_reason="In another trial")
    researcher = actor(world.users["researcher"])
    for tp in tw.practices:
        services.practice_baseline_complete(actor=researcher, trial_practice_id=tp.pk, on=today)
        services.practice_allocate(actor=researcher, trial_practice_id=tp.pk)
    data = TrialData(tw.trial)
    assert {r.participant.pk for r in data.dataset_records}.isdisjoint({declined.pk, ineligible.pk})
    assert len(data.rows()) == 2
    patients = data.consort_records()["patients"]
    assert (patients["screened"], patients["eligible"], patients["consented"], patients["baseline"]) == (4, 3, 2, 2)


def test_consort_counts_come_from_the_records_with_reasons_and_add_up(world):
    tw = build_trial(world, n_practices=5, per_practice=3, allocate=3)
    researcher = actor(world.users["researcher"])
    staff_a = actor(world.users["practice_a"])
    today = timezone.localdate()
    # Practice 4 withdraws before randomisation; practice 5 is waiting.
    services.practice_exclude(actor=researcher, trial_practice_id=tw.practices[3].pk, reason="Staff shortage",
                              on=today)
    services.practice_baseline_complete(actor=researcher, trial_practice_id=tw.practices[4].pk, on=today)
    # Follow-up losses in practice A, with reasons.
    died, lost, missing = tw.participants["XT0001"]
    Participant.objects.filter(pk__in=[died.pk]).update(withdrawn_on=today, withdrawal_kind="died")
    Participant.objects.filter(pk__in=[lost.pk]).update(withdrawn_on=today, withdrawal_kind="lost")
    services.participant_followup_missing(actor=staff_a, participant_id=missing.pk, reason="Could not be reached")
    from partners.measures.models import QuestionnaireResponse

    QuestionnaireResponse.objects.filter(person__in=[died.person, lost.person, missing.person], point="end").delete()
    data = TrialData(tw.trial)
    rec = data.consort_records()
    assert rec["practices"] == {"approached": 5, "excluded": {}, "recruited": 5}
    assert rec["randomisation"] == {"practices_excluded": {"Staff shortage": 1, "Awaiting randomisation (baseline "
                                                           "recruitment complete)": 1}, "participants_excluded": 6}
    assert rec["patients"]["baseline"] == 15 and rec["patients"]["baseline_practices"] == 5
    arm_a = AllocationLog.objects.get(trial_practice=tw.practices[0]).arm
    assert rec["follow_up"][arm_a]["lost"] == {"Died": 1, "Lost to follow-up": 1, "Could not be reached": 1}
    ds = data.dataset()
    assert ds is not None
    randomised = len(ds)
    excluded_before = sum(rec["patients"].get("excluded_before_randomisation", {}).values())
    assert rec["patients"]["baseline"] == excluded_before + rec["randomisation"]["participants_excluded"] + randomised
    completeness = {b["measure"]: b for b in data.completeness()}["mansa"]
    lost_total = sum(sum(v["lost"].values()) for v in rec["follow_up"].values())
    assert completeness["overall"]["followup"] == randomised - lost_total == 6


def test_the_dataset_and_counts_take_the_same_number_of_queries_whatever_the_size(world,
                                                                                django_assert_num_queries):
    small = build_trial(world, n_practices=2, per_practice=1, name="Small")
    big = build_trial(world, n_practices=6, per_practice=6, name="Big")
    for tw in (small, big):
        with django_assert_num_queries(8):
            data = TrialData(tw.trial)
            data.rows(), data.consort_records(), data.completeness(), data.practice_rows()
    assert len(TrialData(big.trial).rows()) == 36
