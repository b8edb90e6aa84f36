"""Bad input to the person record gets a clear error, through the form and through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.registry.models import Person

GOOD = {
    "nhs_number": "999 000 0026", "given_name": "Erin", "family_name": "Hughes", "date_of_birth": "1980-02-29",
    "sex": "female", "ethnicity": "M", "postcode": "zz1 1aa", "practice_ods": "XT0001",
    "diagnosis_group": "schizophrenia", "usual_care_setting": "primary", "preferred_contact_method": "telephone",
    "preferred_language": "en",
}
BAD = [
    ("nhs_number", "943 476 5918", "fails the Modulus 11 check"),
    ("nhs_number", "12345", "has 5 digits"),
    ("date_of_birth", (timezone.localdate() + timedelta(days=1)).isoformat(), "is in the future"),
    ("practice_ods", "ZZ9999", "No GP practice has the ODS code 'ZZ9999'"),
    ("postcode", "123 456", "is not a UK postcode"),
]


def test_a_practice_member_adds_a_person_through_the_form(world, login_as):
    response = login_as(world.users["practice_a"]).post("/people/new/", GOOD)
    assert response.status_code == 302
    person = Person.objects.get(nhs_number="9990000026")
    assert person.postcode == "ZZ1 1AA" and person.practice == world.practice_a


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_bad_input_through_the_form_is_named_in_the_error_summary_and_nothing_is_saved(world, login_as, field,
                                                                                       value, message):
    before = Person.objects.count()
    response = login_as(world.users["practice_a"]).post("/people/new/", {**GOOD, field: value})
    text = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in text
    assert message.replace("'", "&#x27;") in text
    assert Person.objects.count() == before


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_bad_input_through_the_api_is_a_422_naming_the_field_and_nothing_is_saved(world, api_client, field, value,
                                                                                  message):
    before = Person.objects.count()
    response = api_client(world.users["admin"]).post("/api/v1/service-users", {**GOOD, field: value},
                                                     content_type="application/json")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(field in d["loc"] and message in d["msg"] for d in detail), detail
    assert Person.objects.count() == before


def test_a_date_of_birth_that_is_not_a_date_is_refused_by_the_api(world, api_client):
    response = api_client(world.users["admin"]).post("/api/v1/service-users", {**GOOD, "date_of_birth": "31/02/1980"},
                                                     content_type="application/json")
    assert response.status_code == 422
    assert "date_of_birth" in str(response.json()["detail"])


def test_a_second_person_with_the_same_nhs_number_is_refused(world, api_client):
    client = api_client(world.users["admin"])
    assert client.post("/api/v1/service-users", GOOD, content_type="application/json").status_code == 201
    response = client.post("/api/v1/service-users", GOOD, content_type="application/json")
    assert response.status_code == 422
    assert "already recorded" in str(response.json()["detail"])


def test_practice_staff_cannot_add_people_to_another_practice(world, login_as):
    response = login_as(world.users["practice_a"]).post("/people/new/", {**GOOD, "practice_ods": "XT0002"})
    assert "cannot add people registered at this practice" in response.content.decode()
    assert not Person.objects.filter(nhs_number="9990000026").exists()


def test_changing_details_is_saved_and_audited(world, login_as):
    from partners.audit.models import Action, AuditEvent

    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    form = {**GOOD, "nhs_number": "943 476 5919", "practice_ods": "XT0001", "phone": "07700 900123"}
    response = client.post(f"/people/{person.pk}/edit/", form)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "07700 900123"
    event = AuditEvent.objects.filter(person_id=person.pk, action=Action.UPDATE).get()
    assert "phone" in event.detail["fields"]


def test_the_api_stores_the_nhs_number_normalised(world, api_client):
    response = api_client(world.users["admin"]).post("/api/v1/service-users", GOOD, content_type="application/json")
    assert response.json()["nhs_number"] == "9990000026"


@pytest.mark.parametrize("field", ["interpreter_needed", "sms_opt_in", "date_of_birth"])
def test_an_explicit_null_for_a_field_that_must_have_a_value_is_a_422_not_a_crash(world, api_client, field):
    """Found by schemathesis: PATCH {"interpreter_needed": null} reached the database as NULL (500)."""
    person = world.people["p1"]
    response = api_client(world.users["cp1"]).patch(f"/api/v1/service-users/{person.pk}", {field: None},
                                                    content_type="application/json")
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]


def test_an_explicit_null_for_a_text_field_blanks_it(world, api_client):
    person = world.people["p1"]
    person.phone = "07700 900123"
    person.save()
    response = api_client(world.users["cp1"]).patch(f"/api/v1/service-users/{person.pk}", {"phone": None},
                                                    content_type="application/json")
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.phone == ""
