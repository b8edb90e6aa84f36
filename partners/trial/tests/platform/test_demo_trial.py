"""The demo step: a finished trial built through the services, and a second one ready to randomise."""

from __future__ import annotations

from partners.demo.loader import load_demo
from partners.trial.demo import EXTENSION_NAME, TRIAL_NAME
from partners.trial.models import AllocationLog, Trial
from partners.trial.selectors import TrialData, allocation_verify


def test_the_demo_trial_is_built_through_the_services_and_its_consort_adds_up(db):
    load_demo(seed=7)
    trial = Trial.objects.get(name=TRIAL_NAME)
    assert trial.is_unblinded and trial.seed == 20240102
    logs = AllocationLog.objects.filter(trial=trial)
    assert logs.count() == 8 and {log.allocated_by_username for log in logs} == {"researcher1"}
    assert allocation_verify(trial=trial)["reproduced"]
    data = TrialData(trial)
    rec = data.consort_records()
    assert rec["practices"]["approached"] == 10 and sum(rec["practices"]["excluded"].values()) == 2
    randomised = len(data.rows())
    assert randomised >= 60
    before = sum(rec["patients"]["excluded_before_randomisation"].values())
    assert rec["patients"]["baseline"] == before + randomised
    followed = sum(1 for r in data.rows() if r["followup_mansa"])
    lost = sum(sum(v["lost"].values()) for v in rec["follow_up"].values())
    assert followed + lost == randomised
    assert {r["arm"] for r in data.rows()} == {"intervention", "control"}
    assert min(int(r["age"]) for r in data.rows()) >= 18  # adults when screened
    assert any(r["followup_in_window"] == "false" for r in data.rows())
    assert any(float(r["cp_availability"]) < 0.7 for r in data.rows() if r["cp_availability"])
    extension = Trial.objects.get(name=EXTENSION_NAME)
    assert sum(1 for r in TrialData(extension).practice_rows() if r["can_randomise"]) == 3
    # A second load adds nothing.
    load_demo(seed=7)
    assert Trial.objects.count() == 2
