"""The researchers' trial screens: access, concealment before unblinding, randomising, outputs, query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.trial import services
from partners.trial.models import AllocationLog, ReportRun, Trial, TrialPractice
from partners.trial.tests.factories import actor, build_trial, respond

SCORE = [7] * 5 + [6] * 7 + [True, True, False, False]  # MANSA 6.4166...: 6.42 / 6.4 if it ever showed


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _pages(trial: Trial) -> list[str]:
    tp = trial.practices.order_by("pk")[0]
    return ["/trials/", f"/trials/{trial.pk}/", f"/trials/{trial.pk}/allocations/",
            f"/trials/{trial.pk}/allocations/0/", f"/trials/{trial.pk}/balance/",
            f"/trials/{trial.pk}/practices/{tp.pk}/"]


@pytest.mark.parametrize("who", ["cp1", "sup1", "practice_a", "leader"])
def test_the_trial_screens_are_not_there_for_other_roles(world, login_as, who):
    tw = build_trial(world, n_practices=2, per_practice=1)
    client = login_as(world.users[who])
    for url in [*_pages(tw.trial), f"/trials/{tw.trial.pk}/unblind/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/trials/{tw.trial.pk}/produce/report/").status_code == 404


def test_researcher_screens_never_show_outcomes_or_the_seed_before_unblinding(world, login_as, var_dir):
    tw = build_trial(world, n_practices=4, per_practice=3, followup=False, seed=918273645)
    for k, tp in enumerate(tw.practices):
        due = tw.base + timedelta(days=10 + k + tw.trial.followup_days)
        for p in tw.participants[tp.code]:
            respond(p.person, "mansa", "end", due, SCORE)
    client = login_as(world.users["researcher"])
    client.post(f"/trials/{tw.trial.pk}/produce/report/")
    for url in _pages(tw.trial):
        text = client.get(url).content.decode()
        assert not re.search(r"6\.4\d?\b", text), url
        assert "918273645" not in text, url
    detail = client.get(f"/trials/{tw.trial.pk}/").content.decode()
    assert "Follow-up present" in detail and "12/12 (100.0%)" in detail  # counts of data present are shown
    assert "Blinded: outcomes by arm are hidden" in detail
    # Unblinded by an administrator: the seed shows, and the report has the outcomes by arm.
    services.trial_unblind(actor=actor(world.users["admin"]), trial_id=tw.trial.pk,
                           decision="Database locked; the steering committee approved unblinding.")
    detail = client.get(f"/trials/{tw.trial.pk}/").content.decode()
    assert "918273645" in detail and "Unblinded" in detail
    client.post(f"/trials/{tw.trial.pk}/produce/report/")
    run = ReportRun.objects.filter(trial=tw.trial, blinded=False).get()
    assert "6.42" in (var_dir / run.directory / "table2.csv").read_text()


def test_randomising_from_the_confirm_page_logs_the_allocation_once(world, login_as):
    tw = build_trial(world, n_practices=3, per_practice=1, allocate=2, followup=False)
    tp = tw.practices[2]
    services.practice_baseline_complete(actor=actor(world.users["researcher"]), trial_practice_id=tp.pk,
                                        on=timezone.localdate())
    client = login_as(world.users["researcher"])
    detail = client.get(f"/trials/{tw.trial.pk}/").content.decode()
    assert "Ready to randomise" in detail and f"/practices/{tp.pk}/randomise/" in detail
    confirm = client.get(f"/trials/{tw.trial.pk}/practices/{tp.pk}/randomise/").content.decode()
    assert "South" in confirm and "large" in confirm and "Randomise" in confirm
    match = re.search(r'name="idempotency_key" value="(\w+)"', confirm)
    assert match is not None
    key = match.group(1)
    first = client.post(f"/trials/{tw.trial.pk}/practices/{tp.pk}/randomise/", {"idempotency_key": key})
    again = client.post(f"/trials/{tw.trial.pk}/practices/{tp.pk}/randomise/", {"idempotency_key": key})
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/trials/{tw.trial.pk}/allocations/2/"
    log = AllocationLog.objects.get(trial_practice=tp)
    assert AllocationLog.objects.filter(trial=tw.trial).count() == 3
    result = client.get(first["Location"]).content.decode()
    assert log.arm_label in result and "researcher" in result
    page = client.get(f"/trials/{tw.trial.pk}/allocations/").content.decode()
    assert "Verified: re-running minimisation from the stored seed reproduces all 3 allocations." in page
    assert page.count('class="nhsuk-tag nhsuk-tag--') >= 3


def test_a_practice_that_has_not_finished_baseline_recruitment_is_not_randomised(world, login_as):
    tw = build_trial(world, n_practices=3, per_practice=1, allocate=2, followup=False)
    client = login_as(world.users["researcher"])
    response = client.post(f"/trials/{tw.trial.pk}/practices/{tw.practices[2].pk}/randomise/")
    assert response.status_code == 200
    assert "has not finished baseline recruitment" in response.content.decode()
    assert not AllocationLog.objects.filter(trial_practice=tw.practices[2]).exists()


def test_setting_up_a_trial_and_recording_practices_through_the_forms(world, login_as):
    client = login_as(world.users["researcher"])
    response = client.post("/trials/new/", {"name": "", "primary_outcome": "mansa", "factors": ["region"],
                                            "p": "0.8", "followup_days": "304", "followup_window_days": "30"})
    assert "Enter trial name" in response.content.decode()
    response = client.post("/trials/new/", {"name": "Form trial", "primary_outcome": "mansa",
                                            "secondary_outcomes": ["swemwbs", "mansa"], "factors": ["region",
                                                                                                  "practice_size"],
                                            "p": "0.8", "followup_days": "304", "followup_window_days": "30"})
    trial = Trial.objects.get(name="Form trial")
    assert response["Location"] == f"/trials/{trial.pk}/" and trial.outcomes == ["mansa", "swemwbs"]
    page = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "No practices yet." in page and "The CONSORT diagram appears once a practice has been randomised" in page
    assert client.get(f"/trials/{trial.pk}/balance/").status_code == 200
    response = client.post(f"/trials/{trial.pk}/practices/add/", {"practices": [world.practice_a.pk,
                                                                                world.practice_b.pk],
                                                                  "on": timezone.localdate().isoformat()})
    assert response.status_code == 302 and trial.practices.count() == 2
    tp_a, tp_b = trial.practices.order_by("practice__name")
    response = client.post(f"/trials/{trial.pk}/practices/{tp_a.pk}/", {
        "action": "recruit", "recruit-on": timezone.localdate().isoformat(), "recruit-level_region": "North",
        "recruit-level_practice_size": ""})
    assert "Enter practice size (minimisation factor)" in response.content.decode()
    client.post(f"/trials/{trial.pk}/practices/{tp_a.pk}/", {
        "action": "recruit", "recruit-on": timezone.localdate().isoformat(), "recruit-level_region": "North",
        "recruit-level_practice_size": "large"})
    response = client.post(f"/trials/{trial.pk}/practices/{tp_b.pk}/", {
        "action": "exclude", "exclude-reason": "other", "exclude-other_reason": "",
        "exclude-on": timezone.localdate().isoformat()})
    assert "Enter the reason" in response.content.decode()
    client.post(f"/trials/{trial.pk}/practices/{tp_b.pk}/", {
        "action": "exclude", "exclude-reason": "other", "exclude-other_reason": "<script>alert(1)</script>",
        "exclude-on": timezone.localdate().isoformat()})
    page = client.get(f"/trials/{trial.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    statuses = dict(trial.practices.values_list("practice__ods_code", "status"))
    assert statuses == {"XT0001": TrialPractice.Status.RECRUITED, "XT0002": TrialPractice.Status.EXCLUDED}
    response = client.post(f"/trials/{trial.pk}/practices/{tp_a.pk}/", {
        "action": "baseline", "baseline-on": timezone.localdate().isoformat()})
    assert "No participant at Practice A has completed a baseline assessment yet." in response.content.decode()


def test_reports_are_produced_and_offered_for_download_audited(world, login_as, var_dir):
    tw = build_trial(world, n_practices=2, per_practice=2)
    client = login_as(world.users["researcher"])
    response = client.post(f"/trials/{tw.trial.pk}/produce/report/")
    run = ReportRun.objects.get(trial=tw.trial)
    assert response["Location"] == f"/trials/{tw.trial.pk}/#run-{run.pk}"
    detail = client.get(f"/trials/{tw.trial.pk}/").content.decode()
    assert f"/trials/{tw.trial.pk}/outputs/{run.pk}/recruitment.csv" in detail
    download = client.get(f"/trials/{tw.trial.pk}/outputs/{run.pk}/recruitment.csv")
    assert download.status_code == 200 and download["Content-Type"] == "text/csv"
    assert 'attachment; filename="recruitment.csv"' in download["Content-Disposition"]
    assert b"Screened" in b"".join(download.streaming_content)
    assert AuditEvent.objects.filter(action="export", object_type="trial_report_file", object_id=str(run.pk),
                                     detail__file="recruitment.csv").exists()
    for bad in ("../../settings.py", "table2.csv", "nosuch.csv"):
        assert client.get(f"/trials/{tw.trial.pk}/outputs/{run.pk}/{bad}").status_code == 404
    other = build_trial(world, n_practices=2, per_practice=1, name="Other")
    assert client.get(f"/trials/{other.trial.pk}/outputs/{run.pk}/recruitment.csv").status_code == 404


def test_an_administrator_records_the_decision_to_unblind(world, login_as):
    tw = build_trial(world, n_practices=2, per_practice=1)
    assert login_as(world.users["researcher"]).get(f"/trials/{tw.trial.pk}/unblind/").status_code == 404
    client = login_as(world.users["admin"])
    assert f"/trials/{tw.trial.pk}/unblind/" in client.get("/trials/unblinding/").content.decode()
    response = client.post(f"/trials/{tw.trial.pk}/unblind/", {"decision": "Too short"})
    assert "at least 20 characters" in response.content.decode()
    response = client.post(f"/trials/{tw.trial.pk}/unblind/",
                           {"decision": "Database locked 1 May; steering committee minutes 7 approve."})
    assert response.status_code == 302 and Trial.objects.get(pk=tw.trial.pk).is_unblinded


def test_the_trial_page_takes_the_same_number_of_queries_whatever_the_trial_size(world, login_as,
                                                                                django_assert_max_num_queries):
    small = build_trial(world, n_practices=2, per_practice=1, name="Small")
    big = build_trial(world, n_practices=6, per_practice=5, name="Big")
    client = login_as(world.users["researcher"])
    counts = []
    for tw in (small, big):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/trials/{tw.trial.pk}/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(16):
        client.get(f"/trials/{big.trial.pk}/")
