from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from partners.audit.models import Action, AuditEvent, SecurityAlert
from partners.audit.services import break_glass_start
from partners.conftest import actor_for
from partners.registry.scope import visible_people


def rows_for(person, action=None):
    events = AuditEvent.objects.filter(person_id=person.pk)
    return events.filter(action=action) if action else events


@pytest.mark.parametrize(
    ("role", "url", "action"),
    [
        ("cp1", "/people/{id}/", Action.VIEW),
        ("sup1", "/people/{id}/", Action.VIEW),
        ("practice_a", "/people/{id}/", Action.VIEW),
        ("cp1", "/people/{id}/edit/", Action.VIEW),
        ("cp1", "/people/{id}/access/", Action.VIEW),
        ("cp1", "/caseload/", Action.LIST),
        ("practice_a", "/practice/", Action.LIST),
        ("cp1", "/people/?q=Lovelace", Action.LIST),
    ],
)
def test_every_web_read_of_a_persons_record_leaves_an_audit_row(world, login_as, role, url, action):
    person = world.people["p1"]
    before = rows_for(person, action).count()
    response = login_as(world.users[role]).get(url.format(id=person.pk))
    assert response.status_code == 200
    event = rows_for(person, action).order_by("-id").first()
    assert rows_for(person, action).count() == before + 1
    assert event.username == world.users[role].username
    assert event.role == world.users[role].role
    assert event.via == "web"
    assert event.ip_address == "127.0.0.1"
    assert event.path.startswith(url.format(id=person.pk).split("?")[0])


@pytest.mark.parametrize("url", ["/api/v1/service-users/{id}", "/api/v1/service-users"])
def test_every_api_read_of_a_persons_record_leaves_an_audit_row(world, api_client, url):
    person = world.people["p1"]
    before = rows_for(person).count()
    response = api_client(world.users["cp1"]).get(url.format(id=person.pk))
    assert response.status_code == 200
    assert rows_for(person).count() == before + 1
    assert rows_for(person).order_by("-id").first().via == "api"


def test_an_out_of_scope_read_leaves_no_trace_of_the_person(world, login_as):
    person = world.people["p2"]
    login_as(world.users["cp1"]).get(f"/people/{person.pk}/")
    assert not rows_for(person).exists()


def test_the_who_has_viewed_report_lists_each_viewer(world, login_as):
    person = world.people["p1"]
    login_as(world.users["sup1"]).get(f"/people/{person.pk}/")
    response = login_as(world.users["cp1"]).get(f"/people/{person.pk}/access/")
    text = response.content.decode()
    assert "sup1" in text and "cp1" in text
    assert "Viewed a record" in text


def test_the_application_refuses_to_change_or_delete_audit_rows(world):
    break_glass_start(actor=actor_for(world.users["admin"]), person_id=world.people["p4"].pk,
                      reason="Safeguarding concern reported by the police tonight")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(username="someone-else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgresql  # the database-level guard is PostgreSQL's
@pytest.mark.parametrize("statement", ["UPDATE audit_auditevent SET username = 'x'", "DELETE FROM audit_auditevent"])
def test_postgresql_itself_refuses_updates_and_deletes_of_audit_rows(world, statement):
    break_glass_start(actor=actor_for(world.users["admin"]), person_id=world.people["p4"].pk,
                      reason="Safeguarding concern reported by the police tonight")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.filter(username="admin").exists()


def test_break_glass_needs_a_reason(world):
    with pytest.raises(ValueError, match="reason"):
        break_glass_start(actor=actor_for(world.users["admin"]), person_id=world.people["p4"].pk, reason="  ")


def test_break_glass_is_for_administrators_only(world):
    with pytest.raises(PermissionError):
        break_glass_start(actor=actor_for(world.users["cp1"]), person_id=world.people["p4"].pk,
                          reason="I would like to look at this record please")


def test_break_glass_opens_the_record_records_the_reason_and_raises_an_alert(world, login_as):
    admin, person = world.users["admin"], world.people["p4"]
    client = login_as(admin)
    assert client.get(f"/people/{person.pk}/").status_code == 404
    response = client.post("/audit/break-glass/", {"nhs_number": "", "reason": "x"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    person.nhs_number = "9990000026"
    person.save()
    response = client.post("/audit/break-glass/", {"nhs_number": "999 000 0026",
                                                    "reason": "Police welfare check, person missing overnight"})
    assert response.status_code == 302
    assert client.get(f"/people/{person.pk}/").status_code == 200
    event = rows_for(person, Action.BREAK_GLASS).get()
    assert event.detail["reason"] == "Police welfare check, person missing overnight"
    alert = SecurityAlert.objects.get(kind=SecurityAlert.Kind.BREAK_GLASS)
    assert alert.person_id == person.pk and alert.acknowledged_at is None
    assert person in visible_people(admin)


def test_break_glass_access_expires(world, settings):
    from django.utils import timezone

    from partners.audit.models import BreakGlassAccess

    admin, person = world.users["admin"], world.people["p4"]
    grant = break_glass_start(actor=actor_for(admin), person_id=person.pk,
                              reason="Police welfare check, person missing overnight")
    assert person in visible_people(admin)
    BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert person not in visible_people(admin)
