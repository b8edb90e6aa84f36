"""The leaders' dashboard and equity view: aggregates only, with small numbers suppressed.

A system leader never sees a person: every figure comes from the pre-computed area-month counts and is
published through whole-table disclosure control (see selectors and core.publication).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from partners.accounts.models import Role
from partners.audit.actor import Actor
from partners.audit.models import Action
from partners.audit.services import audit_record
from partners.common.decorators import role_required
from partners.common.types import AuthedRequest
from partners.dashboards import exports, presentation
from partners.dashboards.core import equity as eq
from partners.dashboards.forms import DashboardFilterForm
from partners.dashboards.selectors import (
    DashboardContext,
    area_tree,
    available_months,
    current_refresh,
    dashboard_context,
    default_period,
    leader_root,
    policy,
)

FILTER_FIELDS = ("ics", "pcn", "practice", "start", "end")


def _context(request: AuthedRequest) -> tuple[DashboardContext | None, DashboardFilterForm | None]:
    refresh = current_refresh()
    if refresh is None:
        return None, None
    tree = area_tree(refresh)
    root = leader_root(request.user, tree)
    bound = any(f in request.GET for f in FILTER_FIELDS)
    form = DashboardFilterForm(request.GET if bound else None, tree=tree, root=root,
                               months=available_months(refresh), default=default_period(refresh))
    if bound and form.is_valid():
        ctx = dashboard_context(request.user, area_key=form.area_key(), period=form.period())
    else:
        ctx = dashboard_context(request.user, area_key=None, period=None)
    return ctx, form


def _page_context(request: AuthedRequest, ctx: DashboardContext, form: DashboardFilterForm) -> dict[str, Any]:
    chain = ctx.tree.chain(ctx.area.key)
    chain = chain[chain.index(ctx.root):]
    query = request.GET.copy()
    for key in list(query):
        if key not in FILTER_FIELDS:
            query.pop(key)
    qs = query.urlencode()
    pol = policy()
    return {
        "ctx": ctx, "form": form, "area": ctx.area, "refresh": ctx.refresh, "query": f"?{qs}" if qs else "",
        "breadcrumbs": [(ctx.tree.areas[k], _area_link(ctx, k)) for k in chain],
        "period_first": presentation.month_name(ctx.period.months[0]),
        "period_last": presentation.month_name(ctx.period.months[-1]),
        "max_suppressed": pol.max_suppressed, "rounding_base": pol.rounding_base,
    }


def _area_link(ctx: DashboardContext, key: str) -> str:
    """A query string that filters to ``key`` (an area under the leader's own) with the same period."""
    params = {"start": ctx.period.months[0], "end": ctx.period.months[-1]}
    chain = ctx.tree.chain(key)
    for step in chain[chain.index(ctx.root) + 1:]:
        kind = ctx.tree.areas[step].kind
        if kind in ("ics", "pcn", "practice"):
            params[kind] = step
    return "?" + urlencode(params)


@role_required(Role.SYSTEM_LEADER)
def home(request: AuthedRequest) -> HttpResponse:
    ctx, form = _context(request)
    if ctx is None or form is None:
        return render(request, "dashboards/no_figures.html", status=200)
    context = _page_context(request, ctx, form)
    area_chart = presentation.by_area(ctx)
    drill = {}
    if area_chart is not None:
        drill = {child.label: _area_link(ctx, child.key) for child in ctx.level.children}
    context.update({
        "tiles": presentation.tiles(ctx),
        "charts": presentation.dashboard_charts(ctx),
        "area_chart": area_chart,
        "drill": drill,
    })
    return render(request, "dashboards/home.html", context)


@role_required(Role.SYSTEM_LEADER)
def equity(request: AuthedRequest) -> HttpResponse:
    ctx, form = _context(request)
    if ctx is None or form is None:
        return render(request, "dashboards/no_figures.html", status=200)
    context = _page_context(request, ctx, form)
    sections = presentation.equity_sections(ctx)
    flagged = [(s.label, r) for s in sections for r in eq.under_represented(s.rows)]
    context.update({"sections": sections, "flagged": flagged, "thresholds": presentation.thresholds()})
    return render(request, "dashboards/equity.html", context)


def _download(request: AuthedRequest, *, page: str, fmt: str) -> HttpResponse:
    ctx, _ = _context(request)
    if ctx is None:
        return render(request, "dashboards/no_figures.html", status=404)
    tables = presentation.all_tables(ctx, equity=page == "equity")
    audit_record(actor=Actor.from_request(request), action=Action.EXPORT, object_type=f"dashboard_{page}",
                 object_id=ctx.area.key,
                 detail={"format": fmt, "from": ctx.period.months[0], "to": ctx.period.months[-1],
                         "area": ctx.area.name, "refresh": ctx.refresh.pk})
    stem = f"partners-{page}-{ctx.area.ods_code or ctx.area.key}-{ctx.period.months[0]}-to-{ctx.period.months[-1]}"
    if fmt == "xlsx":
        response = HttpResponse(exports.to_xlsx(ctx, tables),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        response = HttpResponse(exports.to_csv(ctx, tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@role_required(Role.SYSTEM_LEADER)
def download(request: AuthedRequest, fmt: str) -> HttpResponse:
    return _download(request, page="dashboard", fmt=fmt)


@role_required(Role.SYSTEM_LEADER)
def equity_download(request: AuthedRequest, fmt: str) -> HttpResponse:
    return _download(request, page="equity", fmt=fmt)


def dashboard_url(name: str, query: str = "") -> str:
    return reverse(f"dashboards:{name}") + query
