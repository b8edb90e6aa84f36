"""The practice-level list extract for GP systems and the research extract's rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from partners.audit.models import AuditEvent
from partners.cli import main
from partners.interop.extracts import (
    PRACTICE_LIST_COLUMNS,
    ExtractRefused,
    practice_list,
)
from partners.registry.models import SecondaryCareEpisode


def test_practice_staff_download_their_practices_list_with_gap_status_and_care(world, login_as):
    SecondaryCareEpisode.objects.create(person=world.people["p3"], provider=world.trust, team_type="cmht",
                                        care_level="cpa", referral_date=date(2019, 1, 1))
    response = login_as(world.users["practice_a"]).get("/practice/extract.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == PRACTICE_LIST_COLUMNS
    by_name = {r["family_name"]: r for r in rows}
    assert set(by_name) == {"Lovelace", "Laine"}  # practice A only
    assert by_name["Lovelace"]["partners_phase"] == "active" and by_name["Lovelace"]["care_partner"] == "Cp1 Tester"
    assert by_name["Lovelace"]["gap_status"] == "primary_care_only"
    assert by_name["Laine"]["gap_status"] == "secondary_care" and by_name["Laine"]["partners_phase"] == ""
    exported = set(AuditEvent.objects.filter(action="export", object_type="practice_list_extract")
                   .values_list("person_id", flat=True))
    assert exported == {world.people["p1"].pk, world.people["p3"].pk}


@pytest.mark.parametrize("role", ["leader", "cp1", "researcher", "admin"])
def test_nobody_but_practice_staff_downloads_the_practice_list(world, login_as, role):
    assert login_as(world.users[role]).get("/practice/extract.csv").status_code == 404


def test_practice_staff_cannot_extract_another_practices_list(world):
    from partners.audit.actor import Actor

    with pytest.raises(ExtractRefused):
        practice_list(actor=Actor(user=world.users["practice_a"]), practice_ods="XT0002")


def test_the_practice_list_command_writes_the_csv_and_refuses_the_wrong_account(world, tmp_path, capsys):
    out = tmp_path / "list.csv"
    assert main(["extract", "practice-list", "--practice", "xt0001", "--user", "practice_a", "--out", str(out),
                 "--json"]) == 0
    assert "Lovelace" in out.read_text()
    assert main(["extract", "practice-list", "--practice", "XT0001", "--user", "leader", "--out", str(out)]) == 2
    assert "Only staff of practice XT0001" in capsys.readouterr().err
    assert main(["extract", "practice-list", "--practice", "XT0001", "--user", "nobody", "--out", str(out)]) == 2


def test_the_research_extract_command_is_the_trial_modules_extract_with_keyed_pseudonyms(world, tmp_path, capsys):
    """One research extract (shared with the trial module): `partners extract research TRIAL` runs it."""
    from partners.trial.tests.factories import build_trial

    tw = build_trial(world, n_practices=2, per_practice=2, name="Extract trial")
    out = tmp_path / "out"
    assert main(["extract", "research", "Extract trial", "--user", "researcher", "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["participants"] == 4 and result["blinded"] is True
    first = [r["participant_id"] for r in csv.DictReader((out / "trial_extract.csv").open())]
    person_ids = {str(p.person_id) for ps in tw.participants.values() for p in ps}
    assert len(first) == 4 and not (set(first) & person_ids)
    assert (out / "trial_extract.dta").exists() and (out / "trial_extract_dictionary.csv").exists()
    assert main(["extract", "research", str(tw.trial.pk), "--user", "researcher", "--out", str(out)]) == 0
    capsys.readouterr()
    assert [r["participant_id"] for r in csv.DictReader((out / "trial_extract.csv").open())] == first  # same key
    assert main(["extract", "research", "Extract trial", "--user", "leader", "--out", str(out)]) == 2
    assert "researcher" in capsys.readouterr().err.lower()
