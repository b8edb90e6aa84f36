"""Trial services: set-up, practice recruitment and randomisation, announcements, participants, unblinding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from partners.audit.models import AuditEvent
from partners.common.models import OutboundMessage
from partners.conftest import make_person
from partners.registry.models import Consent
from partners.trial import services
from partners.trial.models import AllocationLog, Trial, TrialPractice
from partners.trial.tests.factories import actor, build_trial, practice_staff


def _trial(world, **kw):
    return services.trial_create(actor=actor(world.users["researcher"]), name=kw.pop("name", "T"), **kw)


def _recruited(world, trial, practice):
    researcher = actor(world.users["researcher"])
    today = timezone.localdate()
    (tp,) = services.practice_approach(actor=researcher, trial_id=trial.pk, practice_ids=[practice.pk],
                                       on=today - timedelta(days=10))
    return services.practice_recruit(actor=researcher, trial_practice_id=tp.pk, on=today - timedelta(days=5))


def _ready(world, trial, practice):
    """A recruited practice with one consented participant with a baseline, finished baseline recruitment."""
    tp = _recruited(world, trial, practice)
    staff = actor(practice_staff(practice))
    today = timezone.localdate()
    person = make_person(practice, nhs_number=None, given="Pat", family=f"Ready{tp.pk}")
    p = services.participant_screen(actor=staff, trial_id=trial.pk, person_id=person.pk, on=today, eligible=True)
    services.participant_consent(actor=staff, participant_id=p.pk, on=today, given=True, version="v2")
    services.participant_record_baseline(actor=staff, participant_id=p.pk, on=today)
    return services.practice_baseline_complete(actor=actor(world.users["researcher"]), trial_practice_id=tp.pk,
                                               on=today)


def test_a_trial_gets_a_random_seed_nobody_chose_and_the_set_up_is_audited(world):
    one, two = _trial(world, name="One"), _trial(world, name="Two")
    assert one.seed != two.seed and one.seed > 0
    assert one.outcomes == ["mansa"] and one.factors == ["region", "practice_size"] and not one.is_unblinded
    assert AuditEvent.objects.filter(object_type="trial", object_id=str(one.pk), action="create").exists()


def test_trial_set_up_names_every_problem(world):
    with pytest.raises(ValidationError) as err:
        _trial(world, name=" ", outcomes=["mansa", "nosuch"], factors=[], p=1.5)
    messages = err.value.message_dict
    assert messages["name"] == ["Enter the trial's name."]
    assert "'nosuch' is not a known instrument." in messages["outcomes"]
    assert "at least one factor" in messages["factors"][0]
    _trial(world, name="Taken")
    with pytest.raises(ValidationError, match="already exists"):
        _trial(world, name="taken")


@pytest.mark.parametrize("who", ["cp1", "practice_a", "leader", "admin"])
def test_only_researchers_set_up_practices_and_randomise(world, who):
    trial = _trial(world)
    tp = _ready(world, trial, world.practice_a)
    with pytest.raises(PermissionDenied):
        services.practice_allocate(actor=actor(world.users[who]), trial_practice_id=tp.pk)
    with pytest.raises(PermissionDenied):
        services.practice_approach(actor=actor(world.users[who]), trial_id=trial.pk,
                                   practice_ids=[world.practice_b.pk], on=timezone.localdate())
    assert not AllocationLog.objects.exists()


def test_a_practice_is_randomised_only_once_it_has_finished_baseline_recruitment(world):
    trial = _trial(world)
    tp = _recruited(world, trial, world.practice_a)
    researcher = actor(world.users["researcher"])
    with pytest.raises(ValidationError, match="has not finished baseline recruitment"):
        services.practice_allocate(actor=researcher, trial_practice_id=tp.pk)
    with pytest.raises(ValidationError, match="No participant at Practice A has completed a baseline"):
        services.practice_baseline_complete(actor=researcher, trial_practice_id=tp.pk, on=timezone.localdate())


def test_randomising_writes_the_log_audits_it_and_moves_the_trial_to_follow_up(world,
                                                                               django_capture_on_commit_callbacks):
    trial = _trial(world)
    tp = _ready(world, trial, world.practice_a)
    with django_capture_on_commit_callbacks(execute=True):
        log = services.practice_allocate(actor=actor(world.users["researcher"]), trial_practice_id=tp.pk)
    assert log.sequence == 0 and log.seed == trial.seed and log.arm in ("intervention", "control")
    assert log.levels == {"region": "North", "practice_size": "large"} and log.practice_code == "XT0001"
    event = AuditEvent.objects.get(object_type="trial_allocation", object_id=str(log.pk))
    assert event.detail["arm"] == log.arm and event.username == "researcher"
    assert Trial.objects.get(pk=trial.pk).status == Trial.Status.FOLLOW_UP
    # Notify is not configured here: the letter is recorded, not sent.
    message = OutboundMessage.objects.get(reference=f"trial-{trial.pk}-allocation-0")
    assert message.channel == "letter" and message.status == OutboundMessage.Status.RECORDED


def test_the_practice_is_told_its_allocation_by_email_through_notify(world, notify_server,
                                                                     django_capture_on_commit_callbacks):
    world.practice_a.email = "practice.a@example.nhs.uk"
    world.practice_a.save()
    trial = _trial(world, name="Emailed", registration="ISRCTN00000001")
    tp = _ready(world, trial, world.practice_a)
    with django_capture_on_commit_callbacks(execute=True):
        log = services.practice_allocate(actor=actor(world.users["researcher"]), trial_practice_id=tp.pk)
    (sent,) = notify_server.received
    assert sent["kind"] == "email" and sent["email_address"] == "practice.a@example.nhs.uk"
    labels = {"intervention": "Intervention", "control": "Control (usual care)"}
    assert sent["personalisation"]["arm"] == labels[log.arm]
    assert sent["personalisation"]["trial_name"] == "Emailed"
    assert sent["reference"] == f"trial-{trial.pk}-allocation-0"
    message = OutboundMessage.objects.get(reference=f"trial-{trial.pk}-allocation-0")
    assert message.status == OutboundMessage.Status.SENT and message.purpose == "trial_allocation"


def test_a_notify_failure_is_recorded_and_does_not_undo_the_allocation(world, notify_server,
                                                                      django_capture_on_commit_callbacks):
    trial = _trial(world)
    tp = _ready(world, trial, world.practice_b)
    notify_server.fail_next.append((500, "Internal server error"))
    with django_capture_on_commit_callbacks(execute=True):
        log = services.practice_allocate(actor=actor(world.users["researcher"]), trial_practice_id=tp.pk)
    assert AllocationLog.objects.filter(pk=log.pk).exists()
    message = OutboundMessage.objects.get(reference=f"trial-{trial.pk}-allocation-0")
    assert message.status == OutboundMessage.Status.FAILED and message.channel == "letter"
    assert "Practice B" in message.recipient


def test_practice_recruitment_needs_every_factor_level_and_exclusion_a_reason(world):
    trial = _trial(world)
    world.practice_b.region = ""
    world.practice_b.save()
    researcher = actor(world.users["researcher"])
    (tp,) = services.practice_approach(actor=researcher, trial_id=trial.pk, practice_ids=[world.practice_b.pk],
                                       on=timezone.localdate())
    with pytest.raises(ValidationError) as err:
        services.practice_recruit(actor=researcher, trial_practice_id=tp.pk, on=timezone.localdate())
    assert err.value.message_dict == {"level_region": ["Enter the practice's region."]}
    tp = services.practice_recruit(actor=researcher, trial_practice_id=tp.pk, on=timezone.localdate(),
                                   levels={"region": "West"})
    assert tp.levels == {"region": "West", "practice_size": "small"}
    with pytest.raises(ValidationError, match="Enter the reason"):
        services.practice_exclude(actor=researcher, trial_practice_id=tp.pk, reason=" ", on=timezone.localdate())
    tp = services.practice_exclude(actor=researcher, trial_practice_id=tp.pk, reason="Staff shortage",
                                   on=timezone.localdate())
    assert tp.status == TrialPractice.Status.WITHDRAWN and tp.reason == "Staff shortage"


def test_a_randomised_practice_cannot_be_withdrawn_and_recruitment_there_closes(world):
    tw = build_trial(world, n_practices=2, per_practice=1, followup=False)
    researcher = actor(world.users["researcher"])
    with pytest.raises(ValidationError, match="stays in the analysis"):
        services.practice_exclude(actor=researcher, trial_practice_id=tw.practices[0].pk, reason="Left",
                                  on=timezone.localdate())
    person = make_person(world.practice_a, nhs_number=None, given="Late", family="Comer")
    with pytest.raises(ValidationError, match="recruitment there is closed"):
        services.participant_screen(actor=actor(world.users["practice_a"]), trial_id=tw.trial.pk,
                                    person_id=person.pk, on=timezone.localdate(), eligible=True)
    p = tw.participants["XT0001"][0]
    with pytest.raises(ValidationError, match="would not be a baseline"):
        services.participant_record_baseline(actor=actor(world.users["practice_a"]), participant_id=p.pk,
                                             on=timezone.localdate())


def test_participants_are_recorded_by_their_own_practices_staff_only(world):
    trial = _trial(world)
    _recruited(world, trial, world.practice_a)
    person = world.people["p3"]  # practice A
    with pytest.raises(PermissionDenied):
        services.participant_screen(actor=actor(world.users["researcher"]), trial_id=trial.pk, person_id=person.pk,
                                    on=timezone.localdate(), eligible=True)
    with pytest.raises(Http404):
        services.participant_screen(actor=actor(practice_staff(world.practice_b)), trial_id=trial.pk,
                                    person_id=person.pk, on=timezone.localdate(), eligible=True)
    with pytest.raises(ValidationError, match="not eligible"):
        services.participant_screen(actor=actor(world.users["practice_a"]), trial_id=trial.pk, person_id=person.pk,
                                    on=timezone.localdate(), eligible=False)
    p = services.participant_screen(actor=actor(world.users["practice_a"]), trial_id=trial.pk, person_id=person.pk,
                                    on=timezone.localdate(), eligible=False, ineligible_reason="In another trial")
    assert p.diagnosis_group == "bipolar" and p.care_setting == "primary" and p.ineligible_reason
    with pytest.raises(ValidationError, match="Only an eligible person"):
        services.participant_consent(actor=actor(world.users["practice_a"]), participant_id=p.pk,
                                     on=timezone.localdate(), given=True, version="v1")


def test_research_consent_goes_to_the_registry_with_its_version_and_study(world):
    trial = _trial(world, name="Consent study", consent_study="PARTNERS-X")
    _recruited(world, trial, world.practice_a)
    staff = actor(world.users["practice_a"])
    today = timezone.localdate()
    p = services.participant_screen(actor=staff, trial_id=trial.pk, person_id=world.people["p3"].pk, on=today,
                                    eligible=True)
    with pytest.raises(ValidationError, match="version"):
        services.participant_consent(actor=staff, participant_id=p.pk, on=today, given=True)
    p = services.participant_consent(actor=staff, participant_id=p.pk, on=today, given=True, version="v3.0")
    consent = p.consent
    assert consent is not None and consent.pk is not None
    assert (consent.scope, consent.status, consent.version, consent.study) == ("research", "given", "v3.0",
                                                                               "PARTNERS-X")
    assert consent.person_id == world.people["p3"].pk and consent.recorded_by == world.users["practice_a"]


def test_withdrawing_consent_to_data_use_records_a_research_consent_withdrawal(world):
    tw = build_trial(world, n_practices=2, per_practice=1)
    p = tw.participants["XT0001"][0]
    staff = actor(world.users["practice_a"])
    with pytest.raises(ValidationError, match="is not one of"):
        services.participant_withdraw(actor=staff, participant_id=p.pk, on=timezone.localdate(), kind="bored")
    services.participant_withdraw(actor=staff, participant_id=p.pk, on=timezone.localdate(), kind="withdrew",
                                  reason="No longer wishes to take part", remove_data=True)
    p.refresh_from_db()
    assert p.withdrawal_kind == "withdrew" and p.withdrawn_on == timezone.localdate()
    latest = Consent.objects.filter(person=p.person, scope="research").order_by("-pk").first()
    assert latest is not None and latest.status == "withdrawn" and latest.study == tw.trial.consent_study


def test_only_an_administrator_unblinds_and_only_with_a_recorded_decision(world):
    tw = build_trial(world, n_practices=2, per_practice=1)
    for who in ("researcher", "practice_a"):
        with pytest.raises(PermissionDenied):
            services.trial_unblind(actor=actor(world.users[who]), trial_id=tw.trial.pk, decision="x" * 40)
    admin = actor(world.users["admin"])
    with pytest.raises(ValidationError, match="at least 20 characters"):
        services.trial_unblind(actor=admin, trial_id=tw.trial.pk, decision="Go")
    trial = services.trial_unblind(actor=admin, trial_id=tw.trial.pk,
                                   decision="Database locked; steering committee approved on 1 May.")
    assert trial.is_unblinded and trial.unblinded_by == world.users["admin"] and trial.status == "unblinded"
    with pytest.raises(ValidationError, match="was unblinded on"):
        services.trial_unblind(actor=admin, trial_id=tw.trial.pk, decision="Database locked again, approved.")
    assert AuditEvent.objects.filter(object_type="trial", action="update", username="admin").exists()
