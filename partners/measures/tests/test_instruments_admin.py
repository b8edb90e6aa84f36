"""Administrators enable instruments (seeing each licence note), load licensed wording, and see whether the
ICECAP-A tariff and the EQ-5D-5L crosswalk are installed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.conftest import actor_for
from partners.measures import services
from partners.measures.availability import DEFAULT_ENABLED, enabled_instruments, enabled_map, wording_for
from partners.measures.engine import get_instrument
from partners.measures.models import InstrumentSetting, InstrumentWording
from partners.measures.tests.conftest import must_match

pytestmark = pytest.mark.django_db


def test_free_instruments_are_on_by_default_and_those_needing_registration_are_off(world):
    on = enabled_map(world.practice_a.pk)
    assert on["mansa"] and on["phq9"] and on["qpr15"]
    assert not on["eq-5d-5l"] and not on["wemwbs"] and not on["icecap-a"]
    assert set(enabled_instruments(None)) == DEFAULT_ENABLED


def test_the_nearest_setting_wins(world):
    now = timezone.now()
    InstrumentSetting.objects.create(instrument="eq-5d-5l", enabled=True, licence_confirmed=True, changed_at=now)
    InstrumentSetting.objects.create(instrument="eq-5d-5l", organisation=world.pcn, enabled=False, changed_at=now)
    InstrumentSetting.objects.create(instrument="eq-5d-5l", organisation=world.practice_b, enabled=True,
                                     licence_confirmed=True, changed_at=now)
    assert enabled_map(world.trust.pk)["eq-5d-5l"]  # platform-wide
    assert not enabled_map(world.practice_a.pk)["eq-5d-5l"]  # its PCN said no
    assert enabled_map(world.practice_b.pk)["eq-5d-5l"]  # its own setting
    InstrumentSetting.objects.create(instrument="mansa", organisation=world.ics, enabled=False, changed_at=now)
    assert not enabled_map(world.trust.pk)["mansa"] and enabled_map(None)["mansa"]


def test_enabling_needs_the_licence_confirmed_and_is_audited(world):
    admin = actor_for(world.users["admin"])
    with pytest.raises(ValidationError) as caught:
        services.instrument_setting_save(actor=admin, instrument="eq-5d-5l", organisation_id=None, enabled=True,
                                         licence_confirmed=False)
    assert "registration with the EuroQol" in caught.value.message_dict["licence_confirmed"][0]
    setting = services.instrument_setting_save(actor=admin, instrument="eq-5d-5l", organisation_id=world.trust.pk,
                                               enabled=True, licence_confirmed=True)
    assert setting.licence_note == get_instrument("eq-5d-5l").licence
    assert enabled_map(world.trust.pk)["eq-5d-5l"]
    event = AuditEvent.objects.get(object_type="instrument_setting")
    assert event.username == "admin" and event.detail["licence_confirmed"] is True


def test_only_administrators_change_instruments(world):
    with pytest.raises(services.Http404):
        services.instrument_setting_save(actor=actor_for(world.users["cp1"]), instrument="mansa",
                                         organisation_id=None, enabled=False, licence_confirmed=False)


def test_the_instruments_page_shows_each_licence_and_the_value_set_status(world, login_as, tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERS_ICECAP_A_TARIFF", raising=False)
    client = login_as(world.users["admin"])
    html = client.get("/measures/instruments/").content.decode()
    for code in ("mansa", "eq-5d-5l", "icecap-a", "wemwbs"):
        assert get_instrument(code).licence.replace("'", "&#x27;") in html
    assert "ICECAP-A UK tariff (Flynn 2015)" in html and "Not configured" in html
    assert "EQ-5D-5L crosswalk to UK 3L values (van Hout 2012)" in html and "Not installed" in html
    assert login_as(world.users["cp1"]).get("/measures/instruments/").status_code == 404


def test_an_administrator_enables_an_instrument_on_its_page(world, login_as):
    client = login_as(world.users["admin"])
    page = client.get("/measures/instruments/wemwbs/").content.decode()
    assert "free to use, with registration" in page and 'data-testid="licence-note"' in page
    refused = client.post("/measures/instruments/wemwbs/", {"form": "setting", "setting-scope": "",
                                                           "setting-enabled": "on"})
    assert refused.status_code == 200 and "Confirm that the licence conditions" in refused.content.decode()
    done = client.post("/measures/instruments/wemwbs/", {"form": "setting", "setting-scope": "",
                                                        "setting-enabled": "on", "setting-licence_confirmed": "on"})
    assert done.status_code == 302 and enabled_map(None)["wemwbs"]


def test_an_administrator_loads_licensed_wording_checked_by_the_engine(world, login_as):
    client = login_as(world.users["admin"])
    too_few = client.post("/measures/instruments/gad7/", {
        "form": "wording", "wording-language": "pl", "wording-scope": str(world.trust.pk),
        "wording-licence_reference": "Pfizer: free to use", "wording-items": "one\ntwo"})
    assert "has 2 item texts; expected 7" in too_few.content.decode()
    texts = "\n".join(f"Tekst {n}" for n in range(1, 8))
    done = client.post("/measures/instruments/gad7/", {
        "form": "wording", "wording-language": "pl", "wording-scope": str(world.trust.pk),
        "wording-licence_reference": "Pfizer: free to use", "wording-items": texts})
    assert done.status_code == 302
    wording = InstrumentWording.objects.get()
    assert wording.items[0] == "Tekst 1" and wording.organisation == world.trust
    assert wording_for("gad7", "pl", world.users["cp1"].organisation_id) == wording
    assert wording_for("gad7", "pl", world.practice_a.pk) is None


def test_a_link_in_a_language_with_wording_shows_that_wording(world, reachable, cp1_actor, notify_server):

    from django.test import Client

    services.instrument_wording_load(actor=actor_for(world.users["admin"]), instrument="gad7", language="pl",
                                     organisation_id=None, items=[f"Pytanie {n}" for n in range(1, 8)],
                                     licence_reference="free to use")
    services.questionnaire_link_send(actor=cp1_actor, person_id=reachable.pk, instrument="gad7", channel="sms",
                                     language="pl")
    token = must_match(r"/q/([^/]+)/$", notify_server.received[0]["personalisation"]["link"]).group(1)
    page = Client().get(f"/q/{token}/2/").content.decode()
    assert '<span lang="pl">Pytanie 2</span>' in page
