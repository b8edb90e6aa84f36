"""Reports and pseudonymised extracts from the platform's records: blinded before unblinding, audited as exports."""

from __future__ import annotations

import csv
import statistics

import pyreadstat
import pytest
from django.core.exceptions import ValidationError

from partners.audit.models import AuditEvent
from partners.trial import services
from partners.trial.selectors import TrialData
from partners.trial.tests.factories import actor, build_trial


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _unblind(world, trial):
    services.trial_unblind(actor=actor(world.users["admin"]), trial_id=trial.pk,
                           decision="Database locked; the steering committee approved unblinding.")


def test_a_blinded_report_has_nothing_measured_after_randomisation(world, var_dir):
    tw = build_trial(world, n_practices=4, per_practice=3)
    run = services.trial_report_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk, pdf=False)
    assert run.blinded and str(run.directory).startswith(str(var_dir / "reports" / f"trial-{tw.trial.pk}"))
    assert set(run.files.values()) == {"report.html", "recruitment.csv", "completeness.csv", "balance.csv",
                                       "consort.svg", "allocation_log.csv"}
    html = (var_dir / run.directory / "report.html").read_text()
    assert "Blinded report" in html and "Table 2" not in html and "Follow-up:" not in html
    header = _csv(var_dir / run.directory / "allocation_log.csv")[0]
    assert "seed" not in header
    assert str(tw.trial.seed) not in (var_dir / run.directory / "allocation_log.csv").read_text()
    completeness = _csv(var_dir / run.directory / "completeness.csv")
    assert completeness[0] == ["Measure", "Intervention", "Control", "Overall"]
    assert completeness[3][0] == "Follow-up present" and completeness[3][3] == "12/12 (100.0%)"  # counts only


def test_an_unblinded_report_has_tables_1_to_3_from_the_platform_dataset(world, var_dir):
    tw = build_trial(world, n_practices=4, per_practice=3, outcomes=("mansa",))
    _unblind(world, tw.trial)
    run = services.trial_report_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk)
    assert not run.blinded
    assert {"table1.csv", "table2.csv", "table3.csv", "analysis.json", "report.pdf", "consort.svg",
            "report.html"} <= set(run.files.values())
    rows = TrialData(tw.trial).rows()
    n = {arm: sum(1 for r in rows if r["arm"] == arm) for arm in ("intervention", "control")}
    table1 = _csv(var_dir / run.directory / "table1.csv")
    assert f"Intervention (2 practices; n = {n['intervention']})" in table1[0][1]
    assert f"Control (2 practices; n = {n['control']})" in table1[0][2]
    table2 = _csv(var_dir / run.directory / "table2.csv")
    header, primary = table2[0], table2[1]
    assert primary[0] == "Primary analysis: mITT"
    for arm, label in (("intervention", "Intervention"), ("control", "Control")):
        follow = [float(r["followup_mansa"]) for r in rows if r["arm"] == arm]
        cell = primary[header.index(f"{label} (n = {n[arm]}): Follow-up")]
        assert cell.startswith(f"n = {len(follow)}; {statistics.mean(follow):.2f} ({statistics.stdev(follow):.2f})")
    html = (var_dir / run.directory / "report.html").read_text()
    assert "Table 2" in html and "Table 3" in html
    assert str(tw.trial.seed) in (var_dir / run.directory / "allocation_log.csv").read_text()


def test_report_production_is_audited_as_an_export_and_only_researchers_may(world, var_dir):
    from django.core.exceptions import PermissionDenied

    tw = build_trial(world, n_practices=2, per_practice=1)
    with pytest.raises(PermissionDenied):
        services.trial_report_produce(actor=actor(world.users["admin"]), trial_id=tw.trial.pk, pdf=False)
    run = services.trial_report_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk, pdf=False)
    event = AuditEvent.objects.get(action="export", object_type="trial_report")
    assert event.detail["run"] == run.pk and event.detail["blinded"] is True and event.username == "researcher"


def test_the_extract_is_pseudonymised_stata_readable_and_audited_per_participant(world, var_dir):
    tw = build_trial(world, n_practices=2, per_practice=2)
    _unblind(world, tw.trial)
    run = services.trial_extract_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk)
    folder = var_dir / run.directory
    assert set(run.files.values()) == {"trial_extract.csv", "trial_extract.dta", "trial_extract_dictionary.csv",
                                       "README.txt"}
    rows = _csv(folder / "trial_extract.csv")
    assert rows[0][:3] == ["participant_id", "practice_id", "arm"] and len(rows) == 5
    text = (folder / "trial_extract.csv").read_text()
    for p in [p for ps in tw.participants.values() for p in ps]:
        assert p.person.family_name not in text and p.person.given_name not in text
    assert all(r[0].startswith("P-") and len(r[0]) == 18 and r[1].startswith("C-") for r in rows[1:])
    # The extract's pseudonyms are the analysis dataset's.
    assert sorted(r[0] for r in rows[1:]) == sorted(r["participant_id"] for r in TrialData(tw.trial).rows())
    frame, meta = pyreadstat.read_dta(str(folder / "trial_extract.dta"))
    assert len(frame) == 4 and meta.variable_value_labels["arm"] == {1.0: "intervention", 0.0: "control"}
    dictionary = {r[0]: r for r in _csv(folder / "trial_extract_dictionary.csv")[1:]}
    assert "irreversible without the key" in dictionary["participant_id"][5]
    people = set(AuditEvent.objects.filter(action="export", object_type="trial_extract", person_id__isnull=False)
                 .values_list("person_id", flat=True))
    assert people == {p.person_id for ps in tw.participants.values() for p in ps}


def test_a_blinded_extract_has_only_what_was_measured_before_randomisation(world, var_dir):
    tw = build_trial(world, n_practices=2, per_practice=2)
    run = services.trial_extract_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk)
    header = _csv(var_dir / run.directory / "trial_extract.csv")[0]
    assert header == ["participant_id", "practice_id", "region", "practice_size", "diagnosis_group", "care_setting",
                      "age", "sex", "ethnic_group", "baseline_mansa"]
    assert "BLINDED" in (var_dir / run.directory / "README.txt").read_text()


def test_extract_pseudonyms_are_stable_with_the_key_and_different_with_another(world, var_dir, settings):
    tw = build_trial(world, n_practices=2, per_practice=2)
    researcher = actor(world.users["researcher"])

    def ids() -> list[str]:
        run = services.trial_extract_produce(actor=researcher, trial_id=tw.trial.pk)
        return sorted(r[0] for r in _csv(var_dir / run.directory / "trial_extract.csv")[1:])

    first, again = ids(), ids()
    assert first == again
    settings.PARTNERS = {**settings.PARTNERS, "PSEUDONYM_KEY": "another-key-of-sufficient-length"}
    other = ids()
    assert set(other).isdisjoint(first) and len(other) == len(first)
    settings.PARTNERS = {**settings.PARTNERS, "PSEUDONYM_KEY": ""}
    with pytest.raises(ValidationError, match="No pseudonymisation key"):
        ids()


def test_there_is_no_extract_before_anyone_is_randomised(world, var_dir):
    tw = build_trial(world, n_practices=2, per_practice=1, allocate=0)
    with pytest.raises(ValidationError, match="No participant with research consent has been randomised"):
        services.trial_extract_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk)
    run = services.trial_report_produce(actor=actor(world.users["researcher"]), trial_id=tw.trial.pk)
    assert "consort.svg" not in run.files.values() and "report.html" in run.files.values()
