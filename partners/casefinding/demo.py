"""Demo step: synthetic case-finding extracts for the demo ICS, imported, linked and worked a little, so the
worklists, the review queue and outreach statuses have something to show.

The register is the demo's people (the platform's SMI registers) plus a generated population of people
the platform does not know yet (the people case finding is for), spread over the demo practices; the
secondary care extract is the demo people's secondary care history plus the generated population's,
with the corruption of real extracts (missing and mistyped NHS numbers, name typos, nicknames).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from partners.accounts.models import Role, User
from partners.audit.actor import Actor
from partners.care.models import OPEN_PHASES
from partners.casefinding import services, synth
from partners.casefinding.core.gaprule import GAP_STATUSES
from partners.casefinding.models import CaseFindingResult, OutreachCase, ReviewPair
from partners.organisations.models import Organisation
from partners.registry.models import Person, SecondaryCareEpisode

REGISTER_COLUMNS = ("nhs_number", "family_name", "given_name", "date_of_birth", "sex", "postcode", "practice_ods",
                    "snomed_code", "diagnosis_group", "in_remission", "last_mh_care_date", "ethnicity", "lsoa")
SECONDARY_COLUMNS = ("nhs_number", "family_name", "given_name", "date_of_birth", "postcode", "provider_ods",
                     "team_type", "care_level", "referral_date", "discharge_date")
GENERATED = 1000


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in columns})
    return out.getvalue().encode()


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:]


def extracts(rng: random.Random) -> tuple[bytes, bytes]:
    today = timezone.localdate()
    practices = list(Organisation.objects.filter(kind=Organisation.Kind.PRACTICE).order_by("ods_code")
                     .values_list("ods_code", flat=True))
    register: list[dict[str, object]] = []
    secondary: list[dict[str, object]] = []
    people = list(Person.objects.select_related("practice").order_by("pk"))
    for p in people:
        register.append({
            "nhs_number": p.nhs_number or "", "family_name": p.family_name, "given_name": p.given_name,
            "date_of_birth": p.date_of_birth.isoformat(), "sex": p.sex, "postcode": p.postcode,
            "practice_ods": p.practice.ods_code, "snomed_code": p.snomed_code, "diagnosis_group": p.diagnosis_group,
            "in_remission": "true" if rng.random() < 0.04 else "false",
            "last_mh_care_date": (today - timedelta(days=rng.randint(5, 900))).isoformat(),
            "ethnicity": p.ethnicity, "lsoa": p.lsoa})
    by_person = {p.pk: p for p in people}
    for ep in SecondaryCareEpisode.objects.select_related("provider").order_by("pk"):
        p = by_person[ep.person_id]
        missing = rng.random() < 0.15
        secondary.append({
            "nhs_number": "" if missing else (p.nhs_number or ""),
            "family_name": _typo(rng, p.family_name) if missing and rng.random() < 0.3 else p.family_name,
            "given_name": p.given_name, "date_of_birth": p.date_of_birth.isoformat(), "postcode": p.postcode,
            "provider_ods": ep.provider.ods_code, "team_type": ep.team_type, "care_level": ep.care_level,
            "referral_date": ep.referral_date.isoformat(),
            "discharge_date": ep.discharge_date.isoformat() if ep.discharge_date else ""})
    population = synth.generate(GENERATED, seed=rng.randrange(1, 10**6), as_of=today,
                                rates=synth.CorruptionRates(register_duplicates=0.0))
    known = {p.nhs_number for p in people if p.nhs_number}
    for row in population.register.to_pylist():
        if row["nhs_number"] and row["nhs_number"].replace(" ", "") in known:
            continue
        row["practice_ods"] = practices[rng.randrange(len(practices))]
        register.append(row)
    secondary.extend(population.secondary.to_pylist())
    return _csv(REGISTER_COLUMNS, register), _csv(SECONDARY_COLUMNS, secondary)


def casefinding(rng: random.Random) -> str:
    admin = User.objects.filter(username="admin1").first() or User.objects.filter(role=Role.ADMINISTRATOR).first()
    practice_user = User.objects.filter(username="practice1").first()
    if admin is None:
        return "no administrator: skipped"
    lead = Actor.system(admin, via="demo")
    register, secondary = extracts(rng)
    reg = services.extract_import(actor=lead, kind="register", filename="demo-smi-register.csv", data=register).batch
    sec = services.extract_import(actor=lead, kind="secondary", filename="demo-secondary-care.csv",
                                  data=secondary).batch
    run = services.linkage_run(actor=lead, register_batch_id=reg.pk, secondary_batch_id=sec.pk,
                               as_of=timezone.localdate(), threshold=0.9)
    # One clerical decision already made (the rest of the queue waits).
    for pair in ReviewPair.objects.filter(run=run).order_by("-match_probability")[:1]:
        services.review_decide(actor=lead, pair_id=pair.pk, accept=pair.guard == "",
                               note="Demo: checked with the practice")
    # Outreach at practice1's practice: some invited, some past the opt-out window and further on.
    outreach = 0
    if practice_user is not None:
        staff = Actor.system(practice_user, via="demo")
        eligible = list(CaseFindingResult.objects.filter(run=run, practice_id=practice_user.organisation_id,
                                                         status__in=GAP_STATUSES, eligible=True)
                        .exclude(register_row__person__episodes__phase__in=OPEN_PHASES)
                        .order_by("register_row__row")[:12])
        for i, result in enumerate(eligible):
            services.outreach_invite(actor=staff, result_id=result.pk, channel="letter")
            outreach += 1
            if i < 4:
                continue
            # Back-date the invitation so the window has closed, then carry on.
            past = timezone.localdate() - timedelta(days=services.opt_out_days() + 5)
            OutreachCase.objects.filter(person_key=result.register_row.person_key).update(
                invited_on=past, opt_out_closes_on=past + timedelta(days=services.opt_out_days()))
            try:
                if i < 7:
                    services.outreach_appointment(actor=staff, result_id=result.pk, channel="telephone",
                                                  appointment_at=timezone.now() + timedelta(days=7 + i),
                                                  place="The surgery")
                elif i < 9:
                    services.outreach_telephone(actor=staff, result_id=result.pk, result="no_answer")
                elif i == 9:
                    services.outreach_opt_out(actor=staff, result_id=result.pk, notes="Demo: rang to opt out")
                elif i == 10:
                    services.outreach_outcome(actor=staff, result_id=result.pk, outcome="declined")
                else:
                    services.outreach_outcome(actor=staff, result_id=result.pk, outcome="accepted")
            except ValidationError:
                continue
    summary = run.summary
    return (f"{summary['register_rows']} register rows, {summary['in_gap']} in the gap, "
            f"{summary['review_queue']['pairs']} pairs to review, {outreach} invited")
