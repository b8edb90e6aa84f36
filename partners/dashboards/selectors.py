"""Reads for the leaders' dashboard: aggregates only, protected level by level (see core.publication).

A leader sees the area they lead (``User.organisation``: an ICS, a PCN, or a trust's ICS; England when
they have none) and everything under it. The view for one area is built from the chain of levels from
the leader's root down to that area, each protected with the statuses the level above gave it, so the
same figure is shown the same way whatever the filter. Levels are cached per refresh.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.http import Http404

from partners.common.disclosure import Policy
from partners.dashboards.core import measures as M
from partners.dashboards.core.publication import Area, Level, build_level
from partners.dashboards.models import FigureRefresh, MonthlyFigures, RegisterSnapshot
from partners.dashboards.services import add_months, month_label, month_start

ENGLAND = "E"
CACHE_SECONDS = 6 * 60 * 60
KIND_LABELS = {"england": "England", "ics": "ICS", "pcn": "PCN", "practice": "Practice"}


def policy() -> Policy:
    return Policy(int(settings.PARTNERS["SUPPRESSION_MAX"]), int(settings.PARTNERS["ROUNDING_BASE"]))


@dataclass
class AreaInfo:
    key: str
    pk: int | None
    name: str
    kind: str
    ods_code: str
    parent: str | None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind.upper())

    @property
    def kind_noun(self) -> str:
        """As in 'by practice', 'by PCN'."""
        return "practice" if self.kind == "practice" else self.kind_label


@dataclass
class AreaTree:
    areas: dict[str, AreaInfo]
    children: dict[str, list[str]] = field(default_factory=dict)

    def chain(self, key: str) -> list[str]:
        """England ... key."""
        out = [key]
        while (parent := self.areas[out[-1]].parent) is not None:
            out.append(parent)
        return list(reversed(out))

    def descendants(self, key: str, kind: str) -> list[AreaInfo]:
        found: list[AreaInfo] = []
        stack = list(self.children.get(key, []))
        while stack:
            k = stack.pop()
            if self.areas[k].kind == kind:
                found.append(self.areas[k])
            stack.extend(self.children.get(k, []))
        return sorted(found, key=lambda a: a.name)


def current_refresh() -> FigureRefresh | None:
    """The latest finished refresh made under the current definitions (``M.FIGURES_VERSION``), if any."""
    return (FigureRefresh.objects.filter(finished_at__isnull=False, summary__figures_version=M.FIGURES_VERSION)
            .order_by("-finished_at", "-pk").first())


def area_tree(refresh: FigureRefresh) -> AreaTree:
    """The areas that have figures (practices with anyone on them, and the areas above them)."""
    cache_key = f"dash:tree:{refresh.cache_token}"
    tree = cache.get(cache_key)
    if tree is not None:
        return tree
    from partners.organisations.models import Organisation

    org_ids = set(RegisterSnapshot.objects.filter(refresh=refresh, org__isnull=False).values_list("org_id", flat=True))
    areas = {ENGLAND: AreaInfo(ENGLAND, None, "England", "england", "", None)}
    for pk, name, kind, ods, parent_id in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "name", "kind", "ods_code", "parent_id"):
        areas[str(pk)] = AreaInfo(str(pk), pk, name, kind, ods or "", str(parent_id) if parent_id else None)
    for info in areas.values():
        if info.key != ENGLAND and (info.parent is None or info.parent not in areas):
            info.parent = ENGLAND
    tree = AreaTree(areas)
    for info in areas.values():
        if info.parent is not None:
            tree.children.setdefault(info.parent, []).append(info.key)
    for kids in tree.children.values():
        kids.sort(key=lambda k: areas[k].name)
    cache.set(cache_key, tree, CACHE_SECONDS)
    return tree


def leader_root(user: object, tree: AreaTree) -> str:
    """The area a system leader leads: their ICS or PCN (a trust's ICS); England when they have none."""
    org = getattr(user, "organisation", None)
    while org is not None:
        if str(org.pk) in tree.areas and org.kind in ("ics", "pcn", "practice"):
            return str(org.pk)
        if org.kind == "trust" and org.parent_id:
            org = org.parent
            continue
        break
    return ENGLAND


def within(tree: AreaTree, root: str, key: str) -> bool:
    return key in tree.areas and root in tree.chain(key)


@dataclass
class Period:
    first: date
    last: date

    @property
    def months(self) -> list[str]:
        out, m = [], self.first
        while m <= self.last:
            out.append(month_label(m))
            m = add_months(m, 1)
        return out


def available_months(refresh: FigureRefresh) -> list[date]:
    return [add_months(refresh.first_month, i) for i in range(refresh.months)]


def default_period(refresh: FigureRefresh) -> Period:
    months = available_months(refresh)
    return Period(months[max(0, len(months) - 12)], months[-1])


def _load_areas(refresh: FigureRefresh, tree: AreaTree, keys: list[str], months: list[str]) -> dict[str, Area]:
    pks = [int(k) for k in keys if k != ENGLAND]
    wanted = [date.fromisoformat(f"{m}-01") for m in months]
    monthly: dict[str, dict[str, dict[str, float]]] = {k: {} for k in keys}
    rows = MonthlyFigures.objects.filter(refresh=refresh, month__in=wanted)
    rows = rows.filter(org_id__in=pks) if ENGLAND not in keys else (
        rows.filter(org_id__in=pks) | rows.filter(org__isnull=True))
    for org_id, month, values in rows.values_list("org_id", "month", "values"):
        monthly[str(org_id) if org_id else ENGLAND][month_label(month)] = values
    snaps = RegisterSnapshot.objects.filter(refresh=refresh)
    snaps = snaps.filter(org_id__in=pks) if ENGLAND not in keys else (
        snaps.filter(org_id__in=pks) | snaps.filter(org__isnull=True))
    snapshot = {str(org_id) if org_id else ENGLAND: values for org_id, values in snaps.values_list("org_id", "values")}
    return {k: Area(k, tree.areas[k].name, tree.areas[k].kind, monthly[k], snapshot.get(k, {})) for k in keys}


def level_for(refresh: FigureRefresh, tree: AreaTree, root: str, key: str, period: Period) -> Level:
    """The protected level whose area is ``key`` (its children beneath it), built down from ``root``."""
    chain = tree.chain(key)
    chain = chain[chain.index(root):]
    pol = policy()
    current = month_label(month_start(refresh.as_of))
    months = period.months
    wanted = months if current in months else [*months, current]
    fixed = None
    level: Level | None = None
    for depth, area_key in enumerate(chain):
        signature = hashlib.sha256("/".join(chain[:depth + 1]).encode()).hexdigest()[:16]
        cache_key = (f"dash:level:{refresh.cache_token}:{pol.max_suppressed}:{pol.rounding_base}:{root}:{signature}:"
                     f"{months[0]}:{months[-1]}")
        level = cache.get(cache_key)
        if level is None:
            children = tree.children.get(area_key, [])
            areas = _load_areas(refresh, tree, [area_key, *children], wanted)
            level = build_level(areas[area_key], [areas[c] for c in children], months, current, pol, fixed=fixed)
            cache.set(cache_key, level, CACHE_SECONDS)
        if depth + 1 < len(chain):
            fixed = level.fixed_for(chain[depth + 1])
    assert level is not None
    return level


@dataclass
class DashboardContext:
    refresh: FigureRefresh
    tree: AreaTree
    root: str
    area: AreaInfo
    period: Period
    level: Level


def dashboard_context(user: object, *, area_key: str | None, period: Period | None) -> DashboardContext | None:
    """Everything a leader's view needs, or ``None`` when no figures have been computed yet."""
    refresh = current_refresh()
    if refresh is None:
        return None
    tree = area_tree(refresh)
    root = leader_root(user, tree)
    key = area_key or root
    if not within(tree, root, key):
        raise Http404("No such area.")
    period = period or default_period(refresh)
    level = level_for(refresh, tree, root, key, period)
    return DashboardContext(refresh=refresh, tree=tree, root=root, area=tree.areas[key], period=period, level=level)


def instruments_with_data(level: Level) -> list[str]:
    return [i for i in level.instruments if level.period(level.area.key, M.OUTCOME_N + i) not in (0, None)]
