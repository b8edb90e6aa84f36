"""`partners trial list`, `report-platform` and `unblind` on the platform's database."""

from __future__ import annotations

import json

from partners.cli import main
from partners.trial.models import ReportRun, Trial
from partners.trial.tests.factories import build_trial


def test_report_platform_writes_the_report_and_extract_and_prints_the_paths(world, tmp_path, capsys):
    tw = build_trial(world, n_practices=2, per_practice=2, name="CLI trial")
    out = tmp_path / "demo-trial"
    assert main(["trial", "report-platform", "CLI trial", "--out", str(out), "--as", "researcher", "--extract",
                 "--no-pdf", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["blinded"] is True and result["participants"] == 4
    assert result["files"]["recruitment"] == str(out / "recruitment.csv") and (out / "consort.svg").is_file()
    assert (out / "extract" / "trial_extract.dta").is_file()
    assert ReportRun.objects.filter(trial=tw.trial).count() == 2


def test_list_and_unblind(world, capsys):
    tw = build_trial(world, n_practices=2, per_practice=1, name="Listed")
    assert main(["trial", "list", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["trials"]
    assert (row["name"], row["randomised"], row["participants_with_baseline"]) == ("Listed", 2, 2)
    assert main(["trial", "unblind", str(tw.trial.pk), "--as", "researcher", "--decision", "x" * 30]) == 2
    assert "Only administrators can unblind a trial" in capsys.readouterr().err
    assert main(["trial", "unblind", str(tw.trial.pk), "--as", "admin", "--decision",
                 "Locked and approved by TSC"]) == 0
    assert Trial.objects.get(pk=tw.trial.pk).is_unblinded


def test_bad_input_names_the_problem(world, tmp_path, capsys):
    build_trial(world, n_practices=2, per_practice=1, name="Only")
    assert main(["trial", "report-platform", "Nosuch", "--out", str(tmp_path), "--as", "researcher"]) == 2
    assert "no trial 'Nosuch' (trials: " in capsys.readouterr().err
    assert main(["trial", "report-platform", "Only", "--out", str(tmp_path), "--as", "nobody"]) == 2
    assert "no active account has the username 'nobody'" in capsys.readouterr().err
    assert main(["trial", "report-platform", "Only", "--out", str(tmp_path), "--as", "cp1"]) == 2
    assert "Only researchers can produce trial reports" in capsys.readouterr().err
