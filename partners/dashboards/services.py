"""The nightly refresh of the dashboard's figures (``partners dashboard refresh``) and the IMD lookup load.

Why pre-computed: at England scale (600,000 people on registers, tens of thousands of episodes and
hundreds of thousands of contacts) the gap status of every person at every month end, and the fidelity
of every episode at every month end, cannot be worked out while a leader waits. The refresh counts
everything once per area and month - per practice from the records, then summed up the hierarchy
(practice -> PCN -> ICS -> England) - and stores one row per area and month (``MonthlyFigures``) and one
register snapshot per area (``RegisterSnapshot``). The dashboard then reads a few dozen rows per view.
No stored row names or identifies a person. See docs/decisions/0004-dashboard-figures-and-disclosure.md.
"""

from __future__ import annotations

import csv
import io
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

import numpy as np
from django.db import transaction
from django.utils import timezone
from scipy import sparse

from partners.dashboards.core import gap as gapcore
from partners.dashboards.core import measures as M
from partners.dashboards.models import FigureRefresh, ImdLookup, MonthlyFigures, RegisterSnapshot
from partners.dashboards.sources import load_register

DEFAULT_MONTHS = 24
SUM_KEYS = {M.GOAL_PROGRESS_SUM}


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_label(day: date) -> str:
    return f"{day:%Y-%m}"


@dataclass
class Window:
    """The months counted: ``months`` first days, ``ends`` the day stocks are counted (the last is ``as_of``)."""

    as_of: date
    months: list[date]
    ends: list[date] = field(default_factory=list)

    @classmethod
    def ending(cls, as_of: date, count: int) -> Window:
        first = add_months(month_start(as_of), -(count - 1))
        months = [add_months(first, i) for i in range(count)]
        ends = [add_months(m, 1) - timedelta(days=1) for m in months]
        ends[-1] = as_of
        return cls(as_of=as_of, months=months, ends=ends)

    @property
    def first_number(self) -> int:
        return self.months[0].year * 12 + self.months[0].month - 1

    def index(self, day: date | None) -> int:
        """The month index of ``day`` in the window, or -1 when outside it (or after ``as_of``)."""
        if day is None or day > self.as_of:
            return -1
        i = day.year * 12 + day.month - 1 - self.first_number
        return i if 0 <= i < len(self.months) else -1


class Counts:
    """Per practice and month, a 2-D array for every key (added on first use)."""

    def __init__(self, practices: int, months: int) -> None:
        self.shape = (practices, months)
        self.arrays: dict[str, np.ndarray] = {}

    def array(self, key: str) -> np.ndarray:
        if key not in self.arrays:
            self.arrays[key] = np.zeros(self.shape)
        return self.arrays[key]

    def add(self, key: str, practice: Iterable[int] | np.ndarray, month: Iterable[int] | np.ndarray,
            weights: Iterable[float] | np.ndarray | None = None) -> None:
        p = np.asarray(practice, dtype=np.int64)
        m = np.asarray(month, dtype=np.int64)
        w = None if weights is None else np.asarray(weights, dtype=float)
        keep = (p >= 0) & (m >= 0)
        if not keep.any():
            self.array(key)
            return
        flat = p[keep] * self.shape[1] + m[keep]
        total = np.bincount(flat, weights=None if w is None else w[keep], minlength=self.shape[0] * self.shape[1])
        self.array(key)[:] += total.reshape(self.shape)

    def set_column(self, key: str, month: int, values: np.ndarray) -> None:
        self.array(key)[:, month] += values


def _per_practice(practice: np.ndarray, n_practices: int, mask: np.ndarray | None = None) -> np.ndarray:
    p = practice if mask is None else practice[mask]
    p = p[p >= 0]
    return np.bincount(p, minlength=n_practices).astype(float)


def figures_refresh(*, as_of: date | None = None, months: int = DEFAULT_MONTHS,
                    stream: TextIO | None = None) -> FigureRefresh:
    """Recount every figure for the ``months`` months ending at ``as_of`` (today) and make it current."""
    if months < 1 or months > 120:
        raise ValueError(f"months must be between 1 and 120, not {months}")
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    started_at = timezone.now()
    window = Window.ending(as_of, months)

    def say(message: str) -> None:
        if stream is not None:
            stream.write(f"  {message} ({time.perf_counter() - started:.1f}s)\n")
            stream.flush()

    from partners.organisations.models import Organisation

    orgs = list(Organisation.objects.order_by("pk").values_list("pk", "kind", "parent_id"))
    practice_ids = [pk for pk, kind, _ in orgs if kind == Organisation.Kind.PRACTICE]
    practice_index = {pk: i for i, pk in enumerate(practice_ids)}
    n_p, n_m = len(practice_ids), len(window.months)
    counts = Counts(n_p, n_m)
    snapshot = Counts(n_p, 1)

    # -- the register and the gap -------------------------------------------------------------------
    register = load_register(window.ends)
    say(f"register: {len(register.person_ids):,} people")
    person_practice = np.array([practice_index.get(int(p), -1) for p in register.practice_ids], dtype=np.int64)
    person_row = {int(pk): i for i, pk in enumerate(register.person_ids)}
    for j in range(n_m):
        status = register.statuses[:, j]
        on = status >= 0
        counts.set_column("on_register", j, _per_practice(person_practice, n_p, on))
        for code_index, code in enumerate(gapcore.STATUS_CODES):
            counts.set_column(f"gap_{code}", j, _per_practice(person_practice, n_p, status == code_index))
        in_gap = np.isin(status, [gapcore.LIMITED_SECONDARY, gapcore.DISCHARGED, gapcore.PRIMARY_CARE_ONLY])
        counts.set_column("in_gap", j, _per_practice(person_practice, n_p, in_gap))
    now_status = register.statuses[:, -1] if n_m else np.array([], dtype=np.int8)
    now_on = now_status >= 0
    now_gap = np.isin(now_status, [gapcore.LIMITED_SECONDARY, gapcore.DISCHARGED, gapcore.PRIMARY_CARE_ONLY])
    person_dims = {"ethnicity": register.ethnicity, "sex": register.sex, "age_band": register.age_band,
                   "imd_decile": register.imd_decile, "language_need": register.language_need,
                   "access_need": register.access_need}
    for dim, _, cats in M.DIMENSIONS:
        cat_index = {c: i for i, c in enumerate(cats)}
        codes = np.array([cat_index[c] for c in person_dims[dim]], dtype=np.int64)
        for part, mask in ((M.REG, now_on), (M.GAPREG, now_gap)):
            for i, cat in enumerate(cats):
                snapshot.set_column(M.key(part, dim, cat), 0, _per_practice(person_practice, n_p, mask & (codes == i)))

    # -- episodes of care ---------------------------------------------------------------------------
    from partners.care.models import Contact, Episode, Goal, GoalRating

    ep_rows = list(Episode.objects.order_by().values_list("pk", "person_id", "practice_id", "referred_on",
                                                          "started_on", "ended_on"))
    say(f"episodes: {len(ep_rows):,}")
    episode_index = {row[0]: i for i, row in enumerate(ep_rows)}
    ep_practice = np.array([practice_index.get(r[2], -1) for r in ep_rows], dtype=np.int64)
    never = gapcore.NEVER
    ep_referred = np.array([r[3].toordinal() for r in ep_rows], dtype=np.int64)
    ep_started = np.array([r[4].toordinal() if r[4] else never for r in ep_rows], dtype=np.int64)
    ep_ended = np.array([r[5].toordinal() if r[5] else never for r in ep_rows], dtype=np.int64)
    counts.add("invited", ep_practice, [window.index(r[3]) for r in ep_rows])
    counts.add("engaged", ep_practice, [window.index(r[4]) for r in ep_rows])
    counts.add("ended", ep_practice, [window.index(r[5]) for r in ep_rows])
    for j, end in enumerate(window.ends):
        d = end.toordinal()
        open_at = ep_ended > d
        waiting = (ep_referred <= d) & (ep_started > d) & open_at
        counts.set_column("waiting", j, _per_practice(ep_practice, n_p, waiting))
        counts.set_column("active", j, _per_practice(ep_practice, n_p, (ep_started <= d) & open_at))
    # equity: each episode takes its person's categories
    ep_person_row = np.array([person_row.get(r[1], -1) for r in ep_rows], dtype=np.int64)
    for dim, _, cats in M.DIMENSIONS:
        cat_index = {c: i for i, c in enumerate(cats)}
        values = person_dims[dim]
        codes = np.array([cat_index[values[i]] if i >= 0 else cat_index[cats[-1]] for i in ep_person_row],
                         dtype=np.int64)
        for j, first in enumerate(window.months):
            s = first.toordinal()
            month_end = window.ends[j].toordinal()
            still_open = ep_ended >= s
            masks = {
                M.EQ_OPEN_START: (ep_referred < s) & still_open,
                M.EQ_REFERRED: (ep_referred >= s) & (ep_referred <= month_end),
                M.EQ_ENGAGED_START: (ep_started < s) & still_open,
                M.EQ_STARTED: (ep_started >= s) & (ep_started <= month_end),
            }
            for part, mask in masks.items():
                for i, cat in enumerate(cats):
                    counts.set_column(M.key(part, dim, cat), j, _per_practice(ep_practice, n_p, mask & (codes == i)))

    # -- contacts, and fidelity at each month end ----------------------------------------------------
    contact_rows = Contact.objects.order_by().values_list("episode_id", "person_id", "contact_on", "mode", "minutes",
                                                          "reached", "goals_discussed")
    c_ep: list[int] = []
    c_day: list[int] = []
    c_month: list[int] = []
    c_mode: list[str] = []
    c_minutes: list[int] = []
    c_reached: list[bool] = []
    c_goals: list[bool] = []
    first_contact: dict[int, int] = {}
    for episode_id, person_id, day, mode, minutes, reached, goals in contact_rows.iterator(chunk_size=20000):
        c_ep.append(episode_index.get(episode_id, -1))
        c_day.append(day.toordinal())
        c_month.append(window.index(day))
        c_mode.append(mode)
        c_minutes.append(minutes)
        c_reached.append(bool(reached))
        c_goals.append(bool(goals))
        if reached:
            first_contact[person_id] = min(first_contact.get(person_id, never), day.toordinal())
    say(f"contacts: {len(c_ep):,}")
    cep = np.array(c_ep, dtype=np.int64)
    cday = np.array(c_day, dtype=np.int64)
    cmonth = np.array(c_month, dtype=np.int64)
    creached = np.array(c_reached, dtype=bool)
    c10 = creached & (np.array(c_minutes, dtype=np.int64) >= 10)
    # A session (the trial's first compliance definition) is face to face, by telephone or by video: not a text.
    csession = c10 & np.isin(np.array(c_mode, dtype=object), ["face_to_face", "telephone", "video"])
    cgoals = creached & np.array(c_goals, dtype=bool)
    cpractice = np.where(cep >= 0, ep_practice[np.maximum(cep, 0)] if len(ep_practice) else -1, -1)
    modes = np.array(c_mode, dtype=object)
    counts.add("contacts", cpractice, cmonth)
    for mode in ("face_to_face", "telephone", "video", "text"):
        mask = modes == mode
        counts.add(f"contacts_{mode}", cpractice[mask], cmonth[mask])
    counts.add("contacts_reached", cpractice[creached], cmonth[creached])
    counts.add("contacts_10min", cpractice[c10], cmonth[c10])
    counts.add("contacts_goals", cpractice[cgoals], cmonth[cgoals])

    rating_rows = list(GoalRating.objects.order_by("goal_id", "rated_on", "pk").values_list(
        "goal_id", "goal__episode_id", "rated_on", "rating", "kind"))
    goal_dates = list(Goal.objects.order_by().values_list("episode_id", "agreed_on"))
    g_ep = np.array([episode_index.get(e, -1) for e, _ in goal_dates], dtype=np.int64)
    g_day = np.array([d.toordinal() for _, d in goal_dates], dtype=np.int64)
    n_ep = len(ep_rows)
    for j, end in enumerate(window.ends):
        d = end.toordinal()
        active = (ep_started <= d) & (ep_ended > d)
        by_d = cday <= d
        reached_n = np.bincount(cep[by_d & creached & (cep >= 0)], minlength=n_ep)
        sessions_n = np.bincount(cep[by_d & csession & (cep >= 0)], minlength=n_ep)
        goals_n = np.bincount(cep[by_d & cgoals & (cep >= 0)], minlength=n_ep)
        agreed_n = np.bincount(g_ep[(g_day <= d) & (g_ep >= 0)], minlength=n_ep)
        counts.set_column("fid_with_contact", j, _per_practice(ep_practice, n_p, active & (reached_n >= 1)))
        counts.set_column("fid_goals_assessed", j, _per_practice(ep_practice, n_p, active & (agreed_n >= 1)))
        counts.set_column("fid_compliant_contacts", j, _per_practice(ep_practice, n_p, active & (sessions_n >= 6)))
        counts.set_column("fid_compliant_goals", j, _per_practice(ep_practice, n_p, active & (goals_n >= 4)))

    # -- goals and goal-based outcome ratings ---------------------------------------------------------
    counts.add("goals_agreed", [ep_practice[episode_index[e]] if e in episode_index else -1 for e, _ in goal_dates],
               [window.index(d) for _, d in goal_dates])
    first_agreement: dict[int, tuple[date, int]] = {}
    last_review: dict[int, tuple[date, int]] = {}
    goal_episode: dict[int, int] = {}
    for goal_id, episode_id, rated_on, rating, kind in rating_rows:
        goal_episode[goal_id] = episode_id
        if kind == "agreement" and goal_id not in first_agreement:
            first_agreement[goal_id] = (rated_on, rating)
        elif kind == "review":
            last_review[goal_id] = (rated_on, rating)
    per_episode: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for goal_id, (reviewed_on, rating) in last_review.items():
        agreed = first_agreement.get(goal_id)
        if agreed is not None and reviewed_on >= agreed[0]:
            per_episode[goal_episode[goal_id]].append((reviewed_on, rating - agreed[1]))
    gp_practice, gp_month, gp_change = [], [], []
    for episode_id, changes in per_episode.items():
        if episode_id not in episode_index:
            continue
        gp_practice.append(ep_practice[episode_index[episode_id]])
        gp_month.append(window.index(max(d for d, _ in changes)))
        gp_change.append(sum(c for _, c in changes) / len(changes))
    counts.add("goal_progress_n", gp_practice, gp_month)
    counts.add(M.GOAL_PROGRESS_SUM, gp_practice, gp_month, gp_change)

    # -- questionnaires: completions, and change from baseline to the latest follow-up ---------------
    from partners.measures.models import QuestionnaireResponse
    from partners.registry.models import Person

    person_practice_id = dict(Person.objects.order_by().values_list("pk", "practice_id").iterator(chunk_size=50000))
    qr_rows = QuestionnaireResponse.objects.filter(status="completed", completed_on__isnull=False).order_by(
        "completed_on", "pk").values_list("person_id", "episode_id", "instrument", "point", "completed_on", "score")
    q_practice, q_month = [], []
    baseline: dict[tuple[int, int | None, str], tuple[date, float]] = {}
    followup: dict[tuple[int, int | None, str], tuple[date, float]] = {}
    for person_id, episode_id, instrument, point, completed_on, score in qr_rows.iterator(chunk_size=20000):
        practice = (ep_practice[episode_index[episode_id]] if episode_id in episode_index
                    else practice_index.get(person_practice_id.get(person_id, -1), -1))
        q_practice.append(practice)
        q_month.append(window.index(completed_on))
        if score is None or completed_on is None:
            continue
        group: tuple[int, int | None, str] = (person_id, episode_id, instrument)
        if point == "baseline":
            baseline.setdefault(group, (completed_on, score))
        elif point in ("review", "end"):
            followup[group] = (completed_on, score)
    counts.add("questionnaires", q_practice, q_month)
    for group, (done_on, last_score) in followup.items():
        base = baseline.get(group)
        if base is None or done_on < base[0]:
            continue
        g_person, g_episode, g_instrument = group
        practice = (ep_practice[episode_index[g_episode]] if g_episode in episode_index
                    else practice_index.get(person_practice_id.get(g_person, -1), -1))
        counts.add(M.OUTCOME_N + g_instrument, [practice], [window.index(done_on)])
        counts.add(M.OUTCOME_SUM + g_instrument, [practice], [window.index(done_on)], [last_score - base[1]])

    # -- safety events and physical health checks ---------------------------------------------------
    from partners.safety.models import HealthCheck, SafetyEvent

    s_practice, s_month, s_kind, s_treated = [], [], [], []
    for person_id, kind, onset in SafetyEvent.objects.order_by().values_list("person_id", "kind", "onset_on"):
        s_practice.append(practice_index.get(person_practice_id.get(person_id, -1), -1))
        s_month.append(window.index(onset))
        s_kind.append(kind)
        s_treated.append(first_contact.get(person_id, never) < onset.toordinal())
    sp, sm = np.array(s_practice, dtype=np.int64), np.array(s_month, dtype=np.int64)
    skind = np.array(s_kind, dtype=object)
    counts.add("safety_events", sp, sm)
    for kind in ("admission", "crisis", "sae"):
        mask = skind == kind
        counts.add(f"safety_{kind}", sp[mask], sm[mask])
    treated = np.array(s_treated, dtype=bool)
    counts.add("safety_treated", sp[treated], sm[treated])
    hc = list(HealthCheck.objects.order_by().values_list("person_id", "checked_on"))
    counts.add("health_checks", [practice_index.get(person_practice_id.get(p, -1), -1) for p, _ in hc],
               [window.index(d) for _, d in hc])

    # -- Care Partner availability per practice -----------------------------------------------------
    _availability(counts, window, practice_index)
    say("counted")

    refresh = _store(counts, snapshot, window, orgs, practice_ids, started_at, started, months, say)
    return refresh


def _availability(counts: Counts, window: Window, practice_index: dict[int, int]) -> None:
    """Practice-days with a Care Partner in post, and practice-days in the programme (practices with a post).

    As the supervision fidelity core counts it (``partners.supervision.fidelity``): a day counts when a Care
    Partner with a post at the practice is at work (not absent), or is absent and a cover arrangement for them
    is running with a covering colleague who is not absent that day.
    """
    from partners.care.models import Absence, CarePartnerPost, CoverArrangement

    first = window.months[0].toordinal()
    last = window.as_of.toordinal()
    n_days = last - first + 1

    def span(start: date, end: date | None) -> tuple[int, int] | None:
        lo, hi = max(start.toordinal(), first), min(end.toordinal() if end else last, last)
        return (lo - first, hi - first) if hi >= lo else None

    absent: dict[int, np.ndarray] = {}
    for cp, start, end in Absence.objects.order_by().values_list("care_partner_id", "starts_on", "ends_on"):
        days = span(start, end)
        if days:
            absent.setdefault(cp, np.zeros(n_days, dtype=bool))[days[0]:days[1] + 1] = True
    covered: dict[int, np.ndarray] = {}
    for absent_id, covering_id, start, end in CoverArrangement.objects.order_by().values_list(
            "absent_id", "covering_id", "starts_on", "ends_on"):
        days = span(start, end)
        if days:
            running = np.zeros(n_days, dtype=bool)
            running[days[0]:days[1] + 1] = True
            if covering_id in absent:
                running &= ~absent[covering_id]
            covered[absent_id] = covered.get(absent_id, np.zeros(n_days, dtype=bool)) | running
    available: dict[int, np.ndarray] = {}
    for cp, practice_id, start, end in CarePartnerPost.objects.order_by().values_list(
            "care_partner_id", "practice_id", "starts_on", "ends_on"):
        p = practice_index.get(practice_id)
        days = span(start, end)
        if p is None or days is None:
            continue
        in_post = np.zeros(n_days, dtype=bool)
        in_post[days[0]:days[1] + 1] = True
        away = absent.get(cp, np.zeros(n_days, dtype=bool))
        served = in_post & (~away | covered.get(cp, np.zeros(n_days, dtype=bool)))
        available[p] = available.get(p, np.zeros(n_days, dtype=bool)) | served
    month_of_day = np.array([window.index(date.fromordinal(first + i)) for i in range(n_days)], dtype=np.int64)
    practices = np.array(sorted(available), dtype=np.int64)
    if len(practices):
        grid = np.stack([available[int(p)] for p in practices])  # (practices, days)
        rows, days_at = np.nonzero(grid)
        counts.add(M.CP_DAYS_AVAILABLE, practices[rows], month_of_day[days_at])
        counts.add(M.CP_DAYS, np.repeat(practices, n_days), np.tile(month_of_day, len(practices)))
    counts.array(M.CP_DAYS)
    counts.array(M.CP_DAYS_AVAILABLE)


@transaction.atomic
def _store(counts: Counts, snapshot: Counts, window: Window, orgs: Sequence[tuple[int, str, int | None]],
           practice_ids: list[int], started_at: datetime, started: float, months: int,
           say: Callable[[str], None]) -> FigureRefresh:
    """Sum practices up the hierarchy and store one row per area and month, replacing older refreshes."""
    parent = {pk: parent_id for pk, _, parent_id in orgs}
    practice_index = {pk: i for i, pk in enumerate(practice_ids)}
    areas: list[int | None] = []
    rows: list[int] = []
    cols: list[int] = []
    area_row: dict[int | None, int] = {}
    for p_pk, p in practice_index.items():
        seen: set[int] = set()
        chain: list[int | None] = [p_pk]
        up = parent.get(p_pk)
        while up is not None and up not in seen:
            seen.add(up)
            chain.append(up)
            up = parent.get(up)
        chain.append(None)  # England
        for area in chain:
            if area not in area_row:
                area_row[area] = len(areas)
                areas.append(area)
            rows.append(area_row[area])
            cols.append(p)
    if None not in area_row:
        area_row[None] = len(areas)
        areas.append(None)
    membership = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(areas), len(practice_ids)))
    keys = sorted(counts.arrays)
    refresh = FigureRefresh.objects.create(as_of=window.as_of, first_month=window.months[0], months=months,
                                           started_at=started_at)
    n_m = len(window.months)
    per_row: list[dict[str, float]] = [{} for _ in range(len(areas) * n_m)]
    for key in keys:
        rolled = membership @ counts.arrays[key] if len(practice_ids) else np.zeros((len(areas), n_m))
        is_sum = key in SUM_KEYS or key.startswith(M.OUTCOME_SUM)
        for a, m in zip(*np.nonzero(rolled), strict=True):
            value = float(rolled[a, m])
            per_row[a * n_m + m][key] = round(value, 6) if is_sum else round(value)
    batch = [MonthlyFigures(refresh=refresh, org_id=areas[i // n_m], month=window.months[i % n_m], values=values)
             for i, values in enumerate(per_row)]
    MonthlyFigures.objects.bulk_create(batch, batch_size=2000)
    snap_rows: list[dict[str, int]] = [{} for _ in areas]
    for key, array in snapshot.arrays.items():
        rolled = membership @ array if len(practice_ids) else np.zeros((len(areas), 1))
        for a in np.nonzero(rolled[:, 0])[0]:
            snap_rows[a][key] = round(float(rolled[a, 0]))
    RegisterSnapshot.objects.bulk_create(
        [RegisterSnapshot(refresh=refresh, org_id=areas[i], values=v) for i, v in enumerate(snap_rows)],
        batch_size=2000)
    FigureRefresh.objects.exclude(pk=refresh.pk).delete()
    refresh.finished_at = timezone.now()
    refresh.seconds = round(time.perf_counter() - started, 2)
    refresh.summary = {"areas": len(areas), "rows": len(batch), "keys": len(keys),
                       "practices": len(practice_ids), "figures_version": M.FIGURES_VERSION}
    refresh.save(update_fields=["finished_at", "seconds", "summary"])
    say(f"stored {len(batch):,} area-months for {len(areas):,} areas")
    return refresh


# --------------------------------------------------------------------------------------------------
# The IMD lookup


class LookupError_(ValueError):
    """A bad row in an IMD lookup file: the message names the file, row, column and value."""


def imd_lookup_load(*, path: Path | None = None, text: str | None = None, source: str = "",
                    replace: bool = False) -> dict[str, int]:
    """Load ``lsoa_code,imd_decile`` rows (all or nothing); re-loading the same file changes nothing.

    ``replace`` removes LSOAs that the file does not list. Returns counts: added, changed, unchanged, removed.
    """
    name = source or (str(path) if path else "<input>")
    if text is None:
        if path is None:
            raise LookupError_("give a file to load")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise LookupError_(f"{name}: no such file") from None
        except UnicodeDecodeError as exc:
            raise LookupError_(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise LookupError_(f"{name}: the file is empty") from None
    columns = [h.strip().lower() for h in header]
    missing = [c for c in ("lsoa_code", "imd_decile") if c not in columns]
    if missing:
        raise LookupError_(f"{name}: row 1: missing column(s) {', '.join(missing)} (found: {', '.join(columns)})")
    code_at, decile_at = columns.index("lsoa_code"), columns.index("imd_decile")
    rows: dict[str, int] = {}
    errors: list[str] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        code = row[code_at].strip().upper() if code_at < len(row) else ""
        raw = row[decile_at].strip() if decile_at < len(row) else ""
        if not code or len(code) != 9 or not code[0].isalpha() or not code[1:].isdigit():
            errors.append(f"{name}: row {number}, column lsoa_code: {code!r} is not an LSOA code (e.g. E01000001)")
            continue
        try:
            decile = int(raw)
        except ValueError:
            errors.append(f"{name}: row {number}, column imd_decile: {raw!r} is not a whole number from 1 to 10")
            continue
        if not 1 <= decile <= 10:
            errors.append(f"{name}: row {number}, column imd_decile: {raw!r} is not a whole number from 1 to 10")
            continue
        if code in rows and rows[code] != decile:
            errors.append(f"{name}: row {number}, column lsoa_code: {code!r} appears twice with different deciles")
            continue
        rows[code] = decile
    if errors:
        shown = errors[:20]
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise LookupError_("; ".join(shown) + more)
    if not rows:
        raise LookupError_(f"{name}: no rows to load")
    return _store_lookup(rows, source=name, replace=replace)


@transaction.atomic
def _store_lookup(rows: dict[str, int], *, source: str, replace: bool) -> dict[str, int]:
    existing = dict(ImdLookup.objects.values_list("lsoa_code", "imd_decile"))
    now = timezone.now()
    added = [ImdLookup(lsoa_code=c, imd_decile=d, source=source[:200], loaded_at=now)
             for c, d in rows.items() if c not in existing]
    changed = [ImdLookup(lsoa_code=c, imd_decile=d, source=source[:200], loaded_at=now)
               for c, d in rows.items() if c in existing and existing[c] != d]
    ImdLookup.objects.bulk_create(added, batch_size=5000)
    ImdLookup.objects.bulk_update(changed, ["imd_decile", "source", "loaded_at"], batch_size=5000)
    removed = 0
    if replace:
        gone = [c for c in existing if c not in rows]
        removed = len(gone)
        for start in range(0, len(gone), 5000):
            ImdLookup.objects.filter(lsoa_code__in=gone[start:start + 5000]).delete()
    return {"added": len(added), "changed": len(changed), "unchanged": len(rows) - len(added) - len(changed),
            "removed": removed}
