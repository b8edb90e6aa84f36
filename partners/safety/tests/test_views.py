"""Safety and physical-health screens: the recording forms, the practice's due and overdue lists, and the
person page's sections."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from partners.conftest import make_person
from partners.safety.models import HealthCheck, LongTermCondition, Medication, SafetyEvent


def text(response) -> str:
    return response.content.decode()


def test_a_care_partner_records_a_crisis_episode_through_the_form(world, login_as):
    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    form = text(client.get(f"/people/{person.pk}/safety-events/new/"))
    assert "Seriousness criteria" in form and 'name="idempotency_key"' in form
    response = client.post(f"/people/{person.pk}/safety-events/new/", {
        "kind": "crisis", "onset_on": (timezone.localdate() - timedelta(days=2)).isoformat(), "outcome": "ongoing",
        "description": "Crisis team visiting daily."})
    assert response.status_code == 302 and response["Location"] == f"/people/{person.pk}/"
    page = text(client.get(response["Location"]))
    assert "Crisis or home treatment episode" in page and "Not yet reviewed" in page and "Untreated" in page


def test_the_safety_form_shows_the_rules_in_the_error_summary(world, login_as):
    response = login_as(world.users["cp1"]).post(f"/people/{world.people['p1'].pk}/safety-events/new/", {
        "kind": "sae", "onset_on": timezone.localdate().isoformat(), "outcome": "ongoing"})
    page = text(response)
    assert "There is a problem" in page and "Select at least one seriousness criterion" in page
    assert "Select how related the event is to PARTNERS care." in page
    assert SafetyEvent.objects.count() == 0


def test_practice_staff_record_a_health_check_and_see_the_bmi_on_the_person_page(world, login_as):
    person = world.people["p3"]
    client = login_as(world.users["practice_a"])
    response = client.post(f"/people/{person.pk}/health-checks/new/", {
        "checked_on": timezone.localdate().isoformat(), "height_cm": "171.5", "weight_kg": "81.2",
        "systolic_bp": "132", "diastolic_bp": "84", "total_cholesterol": "5.1", "hba1c": "40",
        "smoking": "current", "alcohol_units_per_week": "6", "interventions": ["smoking_cessation"]})
    assert response.status_code == 302
    page = text(client.get(f"/people/{person.pk}/"))
    assert "27.6 kg/m&sup2;" in page and "132/84 mmHg" in page and "Stop smoking support" in page
    assert "Up to date" in page


def test_a_health_check_with_an_implausible_reading_is_not_saved(world, login_as):
    response = login_as(world.users["practice_a"]).post(f"/people/{world.people['p3'].pk}/health-checks/new/", {
        "checked_on": timezone.localdate().isoformat(), "weight_kg": "900", "smoking": "never"})
    assert "Weight 900 is outside 20 to 400." in text(response)
    assert HealthCheck.objects.count() == 0


def test_the_practice_sees_its_own_overdue_and_due_lists(world, login_as):
    today = timezone.localdate()
    due = make_person(world.practice_a, nhs_number=None, given="Due", family="Soon")
    HealthCheck.objects.create(person=due, checked_on=today - timedelta(days=350))
    fresh = make_person(world.practice_a, nhs_number=None, given="Just", family="Checked")
    HealthCheck.objects.create(person=fresh, checked_on=today - timedelta(days=30))
    late = make_person(world.practice_a, nhs_number=None, given="Long", family="Overdue")
    HealthCheck.objects.create(person=late, checked_on=today - timedelta(days=500))
    elsewhere = make_person(world.practice_b, nhs_number=None, given="Other", family="Practice")
    client = login_as(world.users["practice_a"])
    overdue = text(client.get("/health-checks/"))
    # Never checked (Ada Lovelace, Cleo Laine) first, then the longest overdue.
    assert overdue.index("Ada Lovelace") < overdue.index("Long Overdue")
    assert "Due Soon" not in overdue and "Just Checked" not in overdue and elsewhere.given_name not in overdue
    assert "<strong>3</strong> overdue" in overdue and "<strong>1</strong> due" in overdue
    due_list = text(client.get("/health-checks/?list=due"))
    assert "Due Soon" in due_list and "Long Overdue" not in due_list
    assert login_as(world.users["cp1"]).get("/health-checks/").status_code == 404


def test_long_term_conditions_and_current_medication_groups_are_on_the_person_page(world, login_as):
    person = world.people["p1"]
    client = login_as(world.users["cp1"])
    assert client.post(f"/people/{person.pk}/conditions/new/", {"condition": "Type 2 diabetes",
                                                                "snomed_code": "44054006"}).status_code == 302
    assert client.post(f"/people/{person.pk}/medications/new/", {"group": "antipsychotic",
                                                                 "name": "Aripiprazole"}).status_code == 302
    Medication.objects.create(person=person, group="sedative", name="Zopiclone",
                              stopped_on=timezone.localdate() - timedelta(days=10))
    page = text(client.get(f"/people/{person.pk}/"))
    assert "Type 2 diabetes" in page and "Antipsychotics: Aripiprazole" in page and "Zopiclone" not in page
    assert LongTermCondition.objects.get().snomed_code == "44054006"


def test_a_supervisor_marks_an_event_reviewed_from_the_person_page(world, login_as):
    event = SafetyEvent.objects.create(person=world.people["p1"], episode=world.episodes["p1"], kind="admission",
                                       onset_on=timezone.localdate())
    client = login_as(world.users["sup1"])
    person_url = f"/people/{world.people['p1'].pk}/"
    assert "Mark as reviewed" in text(client.get(person_url))
    response = client.post(f"/supervision/safety-events/{event.pk}/review/", {"next": person_url})
    assert response.status_code == 302 and response["Location"] == person_url
    assert "Reviewed by Sup1 Tester" in text(client.get(person_url))
    assert "Mark as reviewed" not in text(login_as(world.users["cp1"]).get(person_url))


def test_a_supervisor_reads_the_sections_but_has_no_health_check_form(world, login_as):
    client = login_as(world.users["sup1"])
    page = text(client.get(f"/people/{world.people['p1'].pk}/"))
    assert "Physical health" in page and "Record a health check" not in page and "Record a safety event" in page
    assert client.get(f"/people/{world.people['p1'].pk}/health-checks/new/").status_code == 404
