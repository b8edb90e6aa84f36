"""Translated and easy-read questionnaires: licensed wording loaded from a file, self-completion links that open
in the person's language or say plainly that they cannot, and interpreter-assisted completion recorded.

All wording here is SYNTHETIC test text under "qaa" (ISO 639's code reserved for local use): never real
licensed wording."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from partners.cli import main
from partners.conftest import actor_for
from partners.measures import services
from partners.measures.models import InstrumentWording, SelfCompletionLink

SYNTHETIC_GAD7 = [f"SYNTHETIC TEST WORDING {n} (not a real translation)" for n in range(1, 8)]


def _translation_file(tmp_path: Path, **changes: Any) -> Path:
    entry = {"instrument": "gad7", "language": "qaa", "licence_reference": "SYNTHETIC-TEST-LICENCE",
             "items": SYNTHETIC_GAD7, "organisation": None, **changes}
    path = tmp_path / "wording.json"
    path.write_text(json.dumps(entry), encoding="utf-8")
    return path


def _cli(argv: list[str], capsys: Any, monkeypatch: Any) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["partners", *argv])
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_administrator_loads_licensed_wording_from_a_file_once(world: Any, tmp_path: Path, capsys: Any,
                                                                  monkeypatch: Any) -> None:
    path = _translation_file(tmp_path)
    for _ in range(2):  # loading the same file again changes nothing
        code, out, err = _cli(["measures", "load-translation", str(path), "--user", "admin"], capsys, monkeypatch)
        assert code == 0, err
    assert "Loaded gad7 wording (qaa, 7 items) for every organisation." in out
    wording = InstrumentWording.objects.get()
    assert wording.items == SYNTHETIC_GAD7 and wording.licence_reference == "SYNTHETIC-TEST-LICENCE"


@pytest.mark.parametrize("changes,message", [
    ({"items": SYNTHETIC_GAD7[:3]}, "entry 1: field items: gad7: wording for qaa has 3 item texts; expected 7"),
    ({"instrument": "nosuch"}, "entry 1: field instrument: 'nosuch' is not a questionnaire that can be collected"),
    ({"organisation": "ZZZ99"}, "entry 1: field organisation: no organisation has the ODS code 'ZZZ99'"),
    ({"language": "Polish!"}, "entry 1: field language: Language 'Polish!' is not a language tag"),
])
def test_a_bad_translation_file_is_refused_naming_the_entry_and_field(world: Any, tmp_path: Path, capsys: Any,
                                                                      monkeypatch: Any, changes: dict[str, Any],
                                                                      message: str) -> None:
    path = _translation_file(tmp_path, **changes)
    code, _out, err = _cli(["measures", "load-translation", str(path), "--user", "admin"], capsys, monkeypatch)
    assert code == 2 and message in err and "Traceback" not in err
    assert not InstrumentWording.objects.exists()


def test_only_an_administrator_loads_wording_and_a_missing_field_is_named(world: Any, tmp_path: Path, capsys: Any,
                                                                          monkeypatch: Any) -> None:
    path = _translation_file(tmp_path)
    code, _out, err = _cli(["measures", "load-translation", str(path), "--user", "cp1"], capsys, monkeypatch)
    assert code == 2 and "only an administrator can load licensed wording" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"instrument": "gad7", "items": []}))
    code, _out, err = _cli(["measures", "load-translation", str(bad), "--user", "admin"], capsys, monkeypatch)
    assert code == 2 and "bad.json: entry 1: field language, licence_reference is missing" in err


def _send(world: Any, notify_server: Any, language: str) -> str:
    person = world.people["p1"]
    person.phone, person.sms_opt_in = "07700 900123", True
    person.save()
    services.questionnaire_link_send(actor=actor_for(world.users["cp1"]), person_id=person.pk, instrument="gad7",
                                     channel="sms", language=language)
    found = re.search(r"/q/([A-Za-z0-9_-]+)/$", notify_server.received[-1]["personalisation"]["link"])
    assert found is not None
    return found.group(1)


def test_the_link_opens_in_the_persons_language_when_wording_is_loaded(world: Any, client: Any,
                                                                       notify_server: Any) -> None:
    services.instrument_wording_load(actor=actor_for(world.users["admin"]), instrument="gad7", language="qaa",
                                     organisation_id=None, items=SYNTHETIC_GAD7,
                                     licence_reference="SYNTHETIC-TEST-LICENCE")
    person = world.people["p1"]
    person.preferred_language = "qaa"
    person.save()
    token = _send(world, notify_server, "qaa")
    start = client.get(f"/q/{token}/").content.decode()
    assert "The questions are in qaa." in start and "These questions are in English" not in start
    question = client.get(f"/q/{token}/1/").content.decode()
    assert '<span lang="qaa">SYNTHETIC TEST WORDING 1 (not a real translation)</span>' in question


def test_the_link_says_plainly_when_the_persons_language_is_not_loaded(world: Any, client: Any,
                                                                       notify_server: Any) -> None:
    person = world.people["p1"]
    person.preferred_language = "pl"
    person.save()
    token = _send(world, notify_server, "en")
    start = client.get(f"/q/{token}/").content.decode()
    notice = start[start.index('data-testid="language-notice"'):][:600]
    assert "These questions are in English." in notice and "We do not have them in Polish yet." in notice
    assert "interpreter" in notice


def test_an_interpreter_assisted_self_completion_is_recorded_on_the_link(world: Any, client: Any,
                                                                         notify_server: Any) -> None:
    token = _send(world, notify_server, "en")
    assert client.post(f"/q/{token}/1/", {"action": "answer", "answer": "2"}).status_code == 302
    review = client.get(f"/q/{token}/review/").content.decode()
    assert "An interpreter helped me answer these questions" in review
    assert client.post(f"/q/{token}/review/", {"interpreter_assisted": "yes", "idempotency_key": "q1"}).status_code \
        == 302
    link = SelfCompletionLink.objects.get()
    assert link.interpreter_assisted and link.submitted_at is not None
    client.force_login(world.users["cp1"], backend="django.contrib.auth.backends.ModelBackend")
    detail = client.get(f"/people/{link.person_id}/questionnaires/{link.response_id}/").content.decode()
    how = detail[detail.index(">How<"):][:300]
    assert "Completed by the person (secure link), with an interpreter's help" in how, how


def test_easy_read_wording_is_offered_first_to_someone_with_an_easy_read_need(world: Any, login_as: Any) -> None:
    services.instrument_wording_load(actor=actor_for(world.users["admin"]), instrument="gad7",
                                     language="en-easyread", organisation_id=None,
                                     items=[f"SYNTHETIC EASY READ TEST {n}" for n in range(1, 8)],
                                     licence_reference="SYNTHETIC-TEST-LICENCE")
    person = world.people["p1"]
    person.phone, person.sms_opt_in = "07700 900123", True
    person.save()
    client = login_as(world.users["cp1"])
    page = client.get(f"/people/{person.pk}/questionnaires/send/").content.decode()
    assert re.search(r'<option value="en-easyread"(?! selected)[^>]*>Easy read \(English\)', page)
    person.communication_needs = ["easy_read"]
    person.save()
    page = client.get(f"/people/{person.pk}/questionnaires/send/").content.decode()
    assert re.search(r'<option value="en-easyread" selected>Easy read \(English\)', page)
