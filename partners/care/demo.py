"""Demo step: a year of care for the demo Care Partners' caseloads (synthetic, seeded, bulk-created).

Runs after the core ``episodes`` step. For every demo episode that has started: its phase history and
rhythm, a shared understanding, goals in people's own words across life areas with 0-10 ratings that
mostly improve a little, contacts every 2-4 weeks (face to face, telephone, text, some video; a few
attempts that did not reach the person), referrals to the local directory with outcomes. Plus the
directory itself, each Care Partner's posts at their practices (one practice with a long gap), an
absence covered by a colleague, an uncovered absence, and one handover at the person's request.
Everything is invented; no person, service or telephone number is real.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.care import rhythm
from partners.care.models import (
    Absence,
    CarePartnerPost,
    Contact,
    ContactMode,
    CoverArrangement,
    Episode,
    Goal,
    GoalEvent,
    GoalRating,
    Handover,
    Phase,
    PhaseChange,
    Referral,
    RhythmChange,
    Service,
    SharedUnderstanding,
)
from partners.organisations.models import Organisation

GOALS: dict[str, list[str]] = {
    "physical_health": ["Walk to the park and back without stopping", "Cut down to ten cigarettes a day",
                        "Eat a proper breakfast most days", "Get my blood tests done at the surgery",
                        "Be in bed by midnight on weeknights"],
    "mental_health": ["Feel less panicky on the bus", "Know what to do when the voices get loud",
                      "Have more good days than bad ones", "Keep a mood diary for a month"],
    "social": ["Go to the Tuesday coffee morning", "Meet a friend once a week", "Join the walking group"],
    "housing": ["Get the damp in my flat sorted", "Move somewhere with a bit of garden",
                "Keep on top of the washing up"],
    "money": ["Sort out my benefits so I stop worrying", "Pay off the catalogue", "Open a bank account of my own"],
    "work": ["Volunteer two mornings a week", "Get back to work part time", "Do the food hygiene course"],
    "education": ["Finish the English course at college", "Learn to use a computer to look for jobs"],
    "relationships": ["See my daughter more often", "Ring my brother on Sundays", "Get on better with my mum"],
    "leisure": ["Go fishing again this summer", "Go to the allotment twice a week", "Start drawing again",
                "Go to a football match with my nephew"],
}
SITUATIONS = [
    "Lives alone in a council flat since a divorce; sees a sister most weekends.",
    "Lives with a parent who is getting frailer; worries about what happens next.",
    "Moved here two years ago; does not know many people yet.",
    "Discharged from the community team last year; has felt a bit lost since.",
    "Shares a house with a friend; money has been tight since losing a job.",
]
STRENGTHS = ["Kind and funny; good with animals.", "Determined once a plan is made.", "A keen cook and gardener.",
             "Knows the local area well; good at fixing things.", "Loyal to friends; loves music."]
MATTERS = ["Family, especially the grandchildren.", "Keeping the flat and staying independent.",
           "Getting out of the house more.", "Feeling useful again.", "Not going back into hospital."]
NOTES = [
    "Caught up on the week. {goal} came up; small steps agreed.",
    "Talked about sleep and routine. Mood a bit lower; agreed to ring on Friday.",
    "Went well. Pleased with progress on {goal}.",
    "Brief check-in. All fine; next meeting confirmed.",
    "Walked to the café together. Talked about {goal} and what gets in the way.",
    "Harder week: worries about money. Looked at options together.",
]
SERVICES = [
    ("North Community Mental Health Team", Service.Kind.SECONDARY_MH, "01632 960100", "North"),
    ("Coast Community Mental Health Team", Service.Kind.SECONDARY_MH, "01632 960101", "Coast"),
    ("Crisis and Home Treatment Team", Service.Kind.CRISIS, "0300 555 0199", "Synthetic Shire"),
    ("Synthetic Shire Adult Social Care", Service.Kind.SOCIAL_CARE, "01632 960200", "Synthetic Shire"),
    ("Shire Mind", Service.Kind.VCSO, "01632 960300", "Synthetic Shire"),
    ("Citizens Advice Synthetic Shire", Service.Kind.VCSO, "01632 960301", "Synthetic Shire"),
    ("Riverside Social Prescribing Link Workers", Service.Kind.SOCIAL_PRESCRIBING, "01632 960400", "North"),
    ("Harbour Community Connectors", Service.Kind.COMMUNITY_CONNECTOR, "01632 960401", "Coast"),
    ("Moorland Peer Support Network", Service.Kind.PEER_SUPPORT, "01632 960500", "Rural"),
    ("Shire Talking Therapies", Service.Kind.PSYCHOLOGICAL, "01632 960600", "Synthetic Shire"),
]
REFERRAL_REASONS = {
    Service.Kind.SOCIAL_CARE: "Help at home assessment",
    Service.Kind.VCSO: "Benefits advice and a peer group",
    Service.Kind.SOCIAL_PRESCRIBING: "Wants to meet people and get active",
    Service.Kind.COMMUNITY_CONNECTOR: "Local groups near home",
    Service.Kind.PEER_SUPPORT: "Would like to talk to someone with lived experience",
    Service.Kind.PSYCHOLOGICAL: "Anxiety on public transport",
    Service.Kind.GP: "Physical health check and medication review",
    Service.Kind.SECONDARY_MH: "Advice on medication side effects",
}
MODE_WEIGHTS = {ContactMode.FACE_TO_FACE: 45, ContactMode.TELEPHONE: 35, ContactMode.TEXT: 12, ContactMode.VIDEO: 8}


def _services(rng: random.Random) -> list[Service]:
    existing = {s.name for s in Service.objects.all()}
    new = [Service(name=name, kind=kind, phone=phone, area=area,
                   email=f"referrals@{name.lower().replace(' ', '-')[:30]}.example.org",
                   description="Synthetic demo service.")
           for name, kind, phone, area in SERVICES if name not in existing]
    for practice in Organisation.objects.filter(kind=Organisation.Kind.PRACTICE).order_by("ods_code"):
        if practice.name not in existing:
            new.append(Service(name=practice.name, kind=Service.Kind.GP, organisation=practice,
                               phone=practice.phone, area=practice.region,
                               description="GP practice: physical health checks, medication reviews."))
    Service.objects.bulk_create(new)
    return list(Service.objects.filter(is_active=True).order_by("pk"))


def _posts_and_cover(today: date, care_partners: dict[str, User], supervisor_of: dict[str, User | None]) -> str:
    """Posts, absences and cover, unless another demo step (supervision) has already recorded them."""
    from partners.demo.steps.core import CARE_PARTNER_PRACTICES

    practices = {o.ods_code: o for o in Organisation.objects.filter(kind=Organisation.Kind.PRACTICE)}
    has_post = set(CarePartnerPost.objects.values_list("care_partner_id", flat=True))
    posts = []
    for username, codes in CARE_PARTNER_PRACTICES.items():
        cp = care_partners.get(username)
        if cp is None or cp.pk in has_post:
            continue
        for code in codes:
            start = today - timedelta(days=430)
            if code == "X91010":  # a practice that waited five months for its Care Partner
                start = today - timedelta(days=215)
            posts.append(CarePartnerPost(care_partner=cp, practice=practices[code], starts_on=start))
    CarePartnerPost.objects.bulk_create(posts)
    if Absence.objects.filter(care_partner__in=care_partners.values()).exists():
        return f"{len(posts)} posts (absences and cover already recorded)"
    cp1, cp3, cp4 = (care_partners.get(u) for u in ("carepartner1", "carepartner3", "carepartner4"))
    if cp3 and cp4:
        start, end = today - timedelta(days=130), today - timedelta(days=110)
        Absence.objects.create(care_partner=cp3, starts_on=start, ends_on=end, reason="Annual leave",
                               recorded_by=supervisor_of["carepartner3"])
        CoverArrangement.objects.create(absent=cp3, covering=cp4, starts_on=start, ends_on=end,
                                        reason="Annual leave", assigned_by=supervisor_of["carepartner3"])
    if cp1:
        Absence.objects.create(care_partner=cp1, starts_on=today - timedelta(days=60),
                               ends_on=today - timedelta(days=54), reason="Sickness",
                               recorded_by=supervisor_of["carepartner1"])
    return f"{len(posts)} posts, 2 absences, 1 cover period"


def _contact_dates(rng: random.Random, start: date, last: date, step_down_on: date | None) -> list[date]:
    """Every 2-4 weeks from the start, ending exactly on the last contact."""
    days = [start]
    while True:
        gap = rng.randint(25, 35) if step_down_on and days[-1] >= step_down_on else rng.randint(12, 24)
        nxt = days[-1] + timedelta(days=gap)
        if nxt >= last:
            break
        days.append(nxt)
    if last > days[-1]:
        days.append(last)
    return days


def history(rng: random.Random) -> str:
    today = timezone.localdate()
    directory = _services(rng)
    by_kind: dict[str, list[Service]] = {}
    for service in directory:
        by_kind.setdefault(service.kind, []).append(service)
    care_partners = {u.username: u for u in User.objects.filter(role=Role.CARE_PARTNER, is_demo=True)}
    supervisor_of = {u.username: u.supervisor for u in care_partners.values()}
    posts_summary = _posts_and_cover(today, care_partners, supervisor_of)
    covers = [c for c in CoverArrangement.objects.filter(absent__in=care_partners.values(), ends_on__isnull=False)]

    episodes = list(Episode.objects.filter(care_partner__is_demo=True, started_on__isnull=False)
                    .select_related("person", "care_partner").order_by("pk"))
    cp1 = care_partners.get("carepartner1")
    handover_episode = next((e for e in episodes if cp1 and e.care_partner_id == cp1.pk and e.phase == Phase.ACTIVE
                             and e.started_on and e.started_on <= today - timedelta(days=150)), None)
    handover_on = (handover_episode.started_on + timedelta(days=70)
                   if handover_episode and handover_episode.started_on else None)
    previous_cp = care_partners.get("carepartner2")

    phase_changes: list[PhaseChange] = []
    rhythm_changes: list[RhythmChange] = []
    understandings: list[SharedUnderstanding] = []
    goal_plans: list[tuple[Goal, list[tuple[date, int, str]], list[tuple[date, str, str]]]] = []
    contacts: list[tuple[Contact, list[int]]] = []
    referrals: list[Referral] = []

    for episode in episodes:
        person, cp, start = episode.person, episode.care_partner, episode.started_on
        assert cp is not None and start is not None
        end = episode.ended_on or today
        last = episode.last_contact_on or start
        if last < start:
            last = start
        if last > end:
            last = end
        phase_changes.append(PhaseChange(episode=episode, changed_on=episode.referred_on, from_phase="",
                                         to_phase=Phase.INVITED, reason="Referred by the practice"))
        phase_changes.append(PhaseChange(episode=episode, changed_on=start, from_phase=Phase.INVITED,
                                         to_phase=Phase.ENGAGING, reason="The person accepted"))
        rhythm_changes.append(RhythmChange(episode=episode, changed_on=start, direction=RhythmChange.Direction.START,
                                           to_interval_days=14, agreed_with="Starting rhythm",
                                           reason="Fortnightly contact to start."))
        step_down_on = None
        if episode.phase == Phase.STEPPED_DOWN or (episode.phase == Phase.TRANSITION and rng.random() < 0.5):
            step_down_on = min(start + timedelta(days=rng.randint(90, 200)), last)
        contact_days = _contact_dates(rng, start, last, step_down_on)
        # Goals: agreed at the second or third contact, once a shared understanding is in place.
        goal_day = contact_days[min(len(contact_days) - 1, rng.randint(1, 2))] if len(contact_days) > 1 else None
        episode_goals: list[Goal] = []
        if len(contact_days) > 1:
            understandings.append(SharedUnderstanding(episode=episode, situation=rng.choice(SITUATIONS),
                                                      strengths=rng.choice(STRENGTHS), what_matters=rng.choice(MATTERS),
                                                      updated_by=cp))
        if goal_day is not None:
            areas = rng.sample(list(GOALS), k=rng.choice([1, 2, 2, 3]))
            for area in areas:
                goal = Goal(episode=episode, person=person, life_area=area, words=rng.choice(GOALS[area]),
                            steps="Small steps, agreed together.", who_helps=rng.choice(["", "Sister", "Care Partner",
                                                                                          "Link worker"]),
                            agreed_on=goal_day, created_by=cp)
                rating = rng.randint(1, 4)
                ratings: list[tuple[date, int, str]] = [(goal_day, rating, GoalRating.Kind.AGREEMENT)]
                events: list[tuple[date, str, str]] = [(goal_day, GoalEvent.Kind.AGREED,
                                                        f"Rated {rating}/10 at agreement")]
                review = goal_day + timedelta(days=rng.randint(42, 63))
                while review <= last:
                    rating = max(0, min(10, rating + rng.choice([-1, 0, 1, 1, 1, 2, 2])))
                    ratings.append((review, rating, GoalRating.Kind.REVIEW))
                    if rating >= 8 and rng.random() < 0.6:
                        goal.status, goal.status_changed_on = Goal.Status.ACHIEVED, review
                        events.append((review, GoalEvent.Kind.ACHIEVED, f"Rated {rating}/10"))
                        break
                    if rng.random() < 0.05:
                        goal.status, goal.status_changed_on = Goal.Status.DROPPED, review
                        events.append((review, GoalEvent.Kind.DROPPED, "No longer a priority"))
                        break
                    events.append((review, GoalEvent.Kind.REVIEWED, f"Rated {rating}/10"))
                    review += timedelta(days=rng.randint(42, 63))
                goal.review_on = review if goal.status == Goal.Status.ACTIVE else None
                goal_plans.append((goal, ratings, events))
                episode_goals.append(goal)
            phase_changes.append(PhaseChange(episode=episode, changed_on=goal_day, from_phase=Phase.ENGAGING,
                                             to_phase=Phase.ACTIVE, reason="First goal agreed"))
        if step_down_on:
            rhythm_changes.append(RhythmChange(
                episode=episode, changed_on=step_down_on, direction=RhythmChange.Direction.STEP_DOWN,
                from_interval_days=14, to_interval_days=28, agreed_with="The person and their Care Partner",
                reason="Things are more settled; monthly contact agreed."))
            phase_changes.append(PhaseChange(episode=episode, changed_on=step_down_on, from_phase=Phase.ACTIVE,
                                             to_phase=Phase.STEPPED_DOWN, reason="Monthly contact agreed"))
        if episode.phase == Phase.TRANSITION and episode.transition_from:
            phase_changes.append(PhaseChange(episode=episode, changed_on=min(episode.transition_from, today),
                                             from_phase=Phase.STEPPED_DOWN if step_down_on else Phase.ACTIVE,
                                             to_phase=Phase.TRANSITION, reason="Planned transition"))
        if episode.phase == Phase.ENDED and episode.ended_on:
            phase_changes.append(PhaseChange(episode=episode, changed_on=episode.ended_on, from_phase=Phase.ACTIVE,
                                             to_phase=Phase.ENDED, reason=episode.get_end_reason_display()))
        mode = ContactMode.FACE_TO_FACE
        for i, day in enumerate(contact_days):
            mode = ContactMode.FACE_TO_FACE if i == 0 else rng.choices(list(MODE_WEIGHTS),
                                                                       weights=list(MODE_WEIGHTS.values()))[0]
            reached = i == 0 or i == len(contact_days) - 1 or rng.random() > 0.07
            minutes = {ContactMode.FACE_TO_FACE: rng.randint(25, 75), ContactMode.TELEPHONE: rng.randint(8, 40),
                       ContactMode.TEXT: rng.randint(2, 6), ContactMode.VIDEO: rng.randint(15, 45)}[mode]
            discussed = [g for g in episode_goals if g.agreed_on <= day and rng.random() < 0.7] if reached else []
            by = cp
            if episode is handover_episode and handover_on and day < handover_on and previous_cp:
                by = previous_cp
            for cover in covers:
                if cp.pk == cover.absent_id and cover.ends_on and cover.starts_on <= day <= cover.ends_on:
                    by = cover.covering
            nxt = contact_days[i + 1] if i + 1 < len(contact_days) else episode.next_contact_on
            contact = Contact(
                episode=episode, person=person, care_partner=by, contact_on=day, mode=mode,
                place=rng.choice(["home", "practice", "community"]) if mode == ContactMode.FACE_TO_FACE else "",
                minutes=minutes if reached else rng.randint(0, 2), reached=reached, goals_discussed=bool(discussed),
                notes=("First meeting: talked about what PARTNERS offers and what matters to them." if i == 0 else
                       rng.choice(NOTES).format(goal=discussed[0].words.lower() if discussed else "the week"))
                if reached else "No answer; left a message.",
                liaison_actions=("Rang the practice about a medication review." if rng.random() < 0.08 else ""),
                next_contact_on=nxt)
            contacts.append((contact, [id(g) for g in discussed]))
        episode.last_contact_on = last
        episode.last_contact_mode = mode
        if rng.random() < 0.45:
            for _ in range(rng.choice([1, 1, 2])):
                kind = rng.choice([Service.Kind.VCSO, Service.Kind.SOCIAL_PRESCRIBING, Service.Kind.GP,
                                   Service.Kind.PEER_SUPPORT, Service.Kind.PSYCHOLOGICAL, Service.Kind.SOCIAL_CARE,
                                   Service.Kind.COMMUNITY_CONNECTOR])
                if not by_kind.get(kind):
                    continue
                service = rng.choice(by_kind[kind])
                on = start + timedelta(days=rng.randint(14, max(15, (last - start).days)))
                on = min(on, today)
                status = rng.choices(list(Referral.Status.values), weights=[2, 5, 1, 1, 3, 1])[0]
                referrals.append(Referral(
                    episode=episode, person=person, service=service, referred_on=on, reason=REFERRAL_REASONS[kind],
                    status=status, outcome={"accepted": "Started attending", "completed": "Finished; found it useful",
                                            "declined": "Not eligible", "no_response": "Chased twice",
                                            "withdrawn": "Changed their mind"}.get(status, ""),
                    outcome_on=None if status == "sent" else min(today, on + timedelta(days=rng.randint(7, 40))),
                    created_by=cp))
    if handover_episode and handover_episode.care_partner and handover_on and previous_cp:
        Handover.objects.create(episode=handover_episode, from_care_partner=previous_cp,
                                to_care_partner=handover_episode.care_partner, reason=Handover.Reason.PERSON_CHOICE,
                                note="Asked for a Care Partner she had not met through the community team.",
                                handed_over_on=handover_on, recorded_by=supervisor_of.get("carepartner1"))

    Episode.objects.bulk_update(episodes, ["last_contact_on", "last_contact_mode"], batch_size=500)
    PhaseChange.objects.bulk_create(phase_changes, batch_size=1000)
    RhythmChange.objects.bulk_create(rhythm_changes, batch_size=1000)
    SharedUnderstanding.objects.bulk_create(understandings, batch_size=500)
    goals = [g for g, _r, _e in goal_plans]
    Goal.objects.bulk_create(goals, batch_size=500)
    GoalRating.objects.bulk_create([GoalRating(goal=g, rated_on=d, rating=r, kind=k, recorded_by=g.created_by)
                                    for g, ratings, _e in goal_plans for d, r, k in ratings], batch_size=1000)
    GoalEvent.objects.bulk_create([GoalEvent(goal=g, on=d, kind=k, note=n, recorded_by=g.created_by)
                                   for g, _r, events in goal_plans for d, k, n in events], batch_size=1000)
    goal_by_identity = {id(g): g.pk for g in goals}
    Contact.objects.bulk_create([c for c, _ in contacts], batch_size=1000)
    through: Any = Contact.goals.through
    through.objects.bulk_create([through(contact_id=c.pk, goal_id=goal_by_identity[gid])
                                 for c, gids in contacts for gid in gids], batch_size=2000)
    Referral.objects.bulk_create(referrals, batch_size=500)
    stepped = sum(1 for r in rhythm_changes if r.direction == RhythmChange.Direction.STEP_DOWN)
    return (f"{len(directory)} services, {posts_summary}, {len(contacts)} contacts, {len(goals)} goals, "
            f"{len(referrals)} referrals, {stepped} stepped down, 1 handover by choice "
            f"({rhythm.EPISODE_MONTHS}-month episodes)")


def clear_care_records() -> None:
    """Delete every care record that protects an episode (contacts, goals, referrals, handovers), so a test
    can delete episodes and people and load the demo again."""
    Contact.objects.all().delete()
    Referral.objects.all().delete()
    Handover.objects.all().delete()
    Goal.objects.update(replaced_by=None)
    Goal.objects.all().delete()
