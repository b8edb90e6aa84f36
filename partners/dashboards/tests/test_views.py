"""The leaders' dashboard and equity pages: aggregates only, filters, downloads, query counts."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from partners.audit.models import AuditEvent
from partners.common.disclosure import SUPPRESSED
from partners.dashboards import presentation
from partners.dashboards.selectors import dashboard_context

DASHBOARD = "/dashboard/"


def test_the_dashboard_explains_when_no_figures_have_been_computed(world, login_as):
    response = login_as(world.users["leader"]).get(DASHBOARD)
    assert response.status_code == 200
    assert b"partners dashboard refresh" in response.content


def test_figures_stored_under_older_definitions_are_never_read_and_the_dashboard_says_so(busy, login_as):
    from partners.dashboards.core import measures as M
    from partners.dashboards.models import FigureRefresh

    client = login_as(busy.users["leader"])
    assert b"Dashboard: Test ICS" in client.get(DASHBOARD).content
    # A deployment that adds a dimension leaves last night's figures without it: they would not add up.
    refresh = FigureRefresh.objects.get()
    refresh.summary = {**refresh.summary, "figures_version": M.FIGURES_VERSION - 1}
    refresh.save(update_fields=["summary"])
    for url in (DASHBOARD, "/dashboard/equity/"):
        response = client.get(url)
        assert response.status_code == 200
        assert b"partners dashboard refresh" in response.content


@pytest.mark.parametrize("role", ["cp1", "sup1", "practice_a", "researcher", "admin"])
def test_only_system_leaders_open_the_dashboard(busy, login_as, role):
    client = login_as(busy.users[role])
    for url in (DASHBOARD, "/dashboard/equity/", "/dashboard/download.csv", "/dashboard/equity/download.xlsx"):
        assert client.get(url).status_code == 404


def test_a_leader_sees_tiles_charts_with_table_views_and_the_areas_below_theirs(busy, login_as):
    response = login_as(busy.users["leader"]).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard: Test ICS" in html
    for code in presentation.TILES:
        assert f'data-testid="tile-{code}"' in html
    assert html.count('class="nhsuk-tabs"') >= 8  # each chart has a Chart and a Table tab
    assert html.count('<svg class="partners-chart"') >= 9 and 'role="img"' in html
    assert "Test PCN" in html and "By PCN" in html
    assert "Ada" not in html and "Lovelace" not in html and "943 476 5919" not in html


def test_the_figures_shown_are_the_published_ones(busy):
    ctx = dashboard_context(busy.users["leader"], area_key=None, period=None)
    assert ctx is not None
    level = ctx.level
    shown = level.period(ctx.area.key, "on_register")
    assert shown == 245  # 240 + 4 people of the shared world + 1 rounded: 244 -> 245
    for value in level.published.values():
        assert value == SUPPRESSED or value % 5 == 0


def test_filtering_to_a_practice_shows_that_practices_figures(busy, login_as):
    client = login_as(busy.users["leader"])
    pcn, practice = busy.pcn.pk, busy.practice_b.pk
    response = client.get(DASHBOARD, {"pcn": pcn, "practice": practice})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dashboard: Practice B" in html
    ctx = dashboard_context(busy.users["leader"], area_key=str(practice), period=None)
    assert ctx is not None
    assert ctx.level.period(str(practice), "on_register") == 120  # 122 -> 120


def test_a_practice_outside_the_chosen_pcn_or_a_reversed_period_is_an_error_in_the_form(busy, login_as):
    from partners.organisations.models import Organisation

    other_pcn = Organisation.objects.create(kind="pcn", name="Other PCN", ods_code="UT002", parent=busy.ics)
    client = login_as(busy.users["leader"])
    response = client.get(DASHBOARD, {"pcn": other_pcn.pk, "practice": busy.practice_a.pk})
    assert response.status_code == 200
    assert b"There is a problem" in response.content
    months = re.findall(r'<option value="(\d{4}-\d{2})"', response.content.decode())
    response = client.get(DASHBOARD, {"start": months[-1], "end": months[0]})
    assert b"Enter a &#x27;To&#x27; month that is the same as or after the &#x27;From&#x27; month" in response.content


def test_an_area_outside_the_leaders_own_is_not_found(busy, login_as):
    from partners.dashboards.selectors import dashboard_context
    from partners.organisations.models import Organisation

    other_ics = Organisation.objects.create(kind="ics", name="Elsewhere ICS", ods_code="QX9")
    elsewhere = Organisation.objects.create(kind="practice", name="Elsewhere", ods_code="XX0009", parent=other_ics)
    from partners.conftest import make_person
    from partners.dashboards.services import figures_refresh

    make_person(elsewhere, nhs_number=None, given="Far", family="Away")
    figures_refresh()
    from django.http import Http404

    with pytest.raises(Http404):
        dashboard_context(busy.users["leader"], area_key=str(elsewhere.pk), period=None)
    response = login_as(busy.users["leader"]).get(DASHBOARD, {"practice": elsewhere.pk})
    assert b"There is a problem" in response.content  # not one of the choices offered


def test_the_csv_download_holds_the_pages_published_figures_and_is_audited(busy, login_as):
    client = login_as(busy.users["leader"])
    response = client.get("/dashboard/download.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows and set(rows[0]) == {"area", "area_code", "area_type", "from_month", "to_month", "table", "row",
                                     "column", "value"}
    summary = {r["row"]: r["value"] for r in rows if r["table"].startswith("Summary") and r["column"] == "Value"}
    assert summary["People on SMI registers"] == "245"
    for row in rows:
        value = row["value"]
        assert value in ("", SUPPRESSED) or re.fullmatch(r"-?\d+(\.\d+)?", value) or row["column"] == "When"
    text = response.content.decode("utf-8-sig")
    assert "Family1" not in text and "Lovelace" not in text
    assert AuditEvent.objects.filter(action="export", object_type="dashboard_dashboard",
                                     username="leader").exists()


def test_the_xlsx_download_has_a_sheet_per_table_and_the_disclosure_rules(busy, login_as):
    response = login_as(busy.users["leader"]).get("/dashboard/equity/download.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "About these figures"
    about = " ".join(str(c.value) for row in book["About these figures"].iter_rows() for c in row if c.value)
    assert "shown as *" in about
    assert len(book.sheetnames) == 7  # the notes and six breakdowns (language and access needs included)


def test_the_equity_page_tags_the_under_represented_group_at_once(busy, login_as):
    response = login_as(busy.users["leader"]).get("/dashboard/equity/")
    html = response.content.decode()
    callout = html[html.index('data-testid="under-represented"'):][:2000]
    assert "Black, Asian, mixed and other ethnic groups" in callout
    row = html[html.index('data-testid="equity-row-black-asian-mixed-and-other-ethnic-groups"'):][:3000]
    assert "Under-represented" in row


def test_the_dashboard_takes_a_constant_number_of_queries_however_many_people(
        world, login_as, django_assert_max_num_queries):
    from django.core.cache import cache

    from partners.dashboards.services import figures_refresh
    from partners.dashboards.tests.conftest import populate

    client = login_as(world.users["leader"])
    populate(world, per_practice=20)
    figures_refresh()
    cache.clear()
    with django_assert_max_num_queries(16) as small:
        assert client.get(DASHBOARD, {"practice": world.practice_a.pk}).status_code == 200
    populate(world, per_practice=200, seed=2)
    figures_refresh()
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(DASHBOARD, {"practice": world.practice_a.pk}).status_code == 200
