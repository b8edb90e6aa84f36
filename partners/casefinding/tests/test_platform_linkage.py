"""Linkage and the gap rule inside the platform: the same core as the CLI, results stored per register row,
clerical decisions reused, twins never merged, and no exclusion for language in service mode."""

from __future__ import annotations

import pytest
from django.utils import timezone

from partners.casefinding import services
from partners.casefinding.core.gaprule import OUTPUT_COLUMNS
from partners.casefinding.core.pipeline import run_casefind
from partners.casefinding.models import CaseFindingResult, ClericalDecision, ReviewPair, ScreeningFlag
from partners.casefinding.tests.platform_data import numbers
from partners.conftest import actor_for, make_person

pytestmark = pytest.mark.slow  # each run trains a splink model (a few seconds)


def _by_family(run, family: str) -> list[CaseFindingResult]:
    return list(CaseFindingResult.objects.filter(run=run, register_row__family_name=family)
                .select_related("register_row").order_by("register_row__row"))


def test_a_run_stores_one_result_per_register_row_exactly_as_the_command_line_computes(run_linkage, extract_files):
    run = run_linkage()
    stored = {r.register_row.row: r for r in CaseFindingResult.objects.filter(run=run).select_related("register_row")}
    cli = run_casefind(extract_files["register"], extract_files["secondary"], as_of=timezone.localdate())
    assert cli.output is not None and cli.links is not None
    expected = cli.output.select(["row", *OUTPUT_COLUMNS]).to_pylist()
    assert len(stored) == len(expected) == run.summary["register_rows"]
    for want in expected:
        got = stored[want["row"]]
        assert (got.nhs_number, got.practice_ods, got.status, got.match_method, got.latest_discharge_date,
                got.needs_review, got.care_needs_past_2y) == (
            want["nhs_number"] or "", want["practice_ods"], want["status"], want["match_method"],
            want["latest_discharge_date"], want["needs_review"], want["care_needs_past_2y"]), want["row"]
        assert got.match_probability == pytest.approx(want["match_probability"])
    assert ReviewPair.objects.filter(run=run).count() == cli.links.review.num_rows


def test_twins_sharing_surname_date_of_birth_and_postcode_are_never_merged(run_linkage):
    run = run_linkage(threshold=0.51)
    ellis, harriet = _by_family(run, "Featherstonehaugh")
    assert ellis.register_row.given_name == "Ellis" and ellis.status == "primary_care_only"
    assert ellis.match_method == "none"
    assert harriet.status == "secondary_care"


def test_a_clerical_decision_is_recorded_and_applied_to_the_same_pair_on_the_next_run(run_linkage, imported):
    first = run_linkage(threshold=0.99)
    pairs = list(ReviewPair.objects.filter(run=first, guard="").select_related("register_row").order_by("pk")[:2])
    accepted, rejected = pairs
    services.review_decide(actor=imported["admin"], pair_id=accepted.pk, accept=True)
    services.review_decide(actor=imported["admin"], pair_id=rejected.pk, accept=False, note="different people")
    decision = ClericalDecision.objects.get(register_key=accepted.register_key)
    assert decision.decided_by == imported["admin"].user and decision.decided_at is not None

    second = run_linkage(threshold=0.99)
    assert second.decisions_applied >= 2
    queued = set(ReviewPair.objects.filter(run=second).values_list("register_key", "secondary_key"))
    assert (accepted.register_key, accepted.secondary_key) not in queued
    assert (rejected.register_key, rejected.secondary_key) not in queued
    linked = CaseFindingResult.objects.get(run=second, register_row__row=accepted.register_row.row)
    assert linked.match_method in ("probabilistic", "nhs_number")


def test_the_eligibility_screen_does_not_exclude_anyone_for_language(run_linkage, world):
    """Issue 10: people needing an interpreter or preferring another language stay eligible in service mode."""
    make_person(world.practice_a, nhs_number=numbers()["lang"], given="Zofia", family="Wisniewska",
                preferred_language="pl", interpreter_needed=True, interpreter_language="pl")
    service = run_linkage(mode="service")
    (zofia,) = _by_family(service, "Wisniewska")
    assert zofia.register_row.person is not None
    assert zofia.status == "primary_care_only"
    assert zofia.eligible is True and zofia.exclusion_reasons == []

    trial = run_linkage(mode="trial")
    (zofia,) = _by_family(trial, "Wisniewska")
    assert zofia.eligible is False and zofia.exclusion_reasons == ["needs_translation"]


def test_trial_exclusions_are_recorded_reasons_and_never_apply_in_service_mode(run_linkage, imported, world):
    service = run_linkage(mode="service")
    (priya,) = _by_family(service, "Ravensworth")
    services.screening_flag_set(actor=actor_for(world.users["practice_a"]), result_id=priya.pk,
                                flag=ScreeningFlag.Flag.GP_JUDGED, present=True, note="recent bereavement")
    trial = run_linkage(mode="trial")
    (priya_trial,) = _by_family(trial, "Ravensworth")
    assert priya_trial.exclusion_reasons == ["gp_judged_not_in_best_interests"]
    again = run_linkage(mode="service")
    (priya_service,) = _by_family(again, "Ravensworth")
    assert priya_service.eligible and priya_service.exclusion_reasons == []
    in_trial = CaseFindingResult.objects.filter(run=trial).count()
    assert in_trial == CaseFindingResult.objects.filter(run=again).count()  # nobody dropped, only reasons
