"""Chart geometry (pure) and thresholds from the engine's published figures."""

from __future__ import annotations

from datetime import date

import pytest

from partners.measures.charts import format_number, line_chart, thresholds_for
from partners.measures.engine import get_instrument


def test_values_map_into_the_plot_area_with_higher_values_higher():
    chart = line_chart([("MANSA", [(date(2026, 1, 1), 3.0), (date(2026, 7, 1), 5.5)])], y_range=(1, 7))
    first, last = chart.series[0].points
    assert (first.x, last.x) == (chart.left, chart.right)
    assert chart.top <= last.y < first.y <= chart.bottom
    assert first.y == pytest.approx(chart.bottom - (chart.bottom - chart.top) * (3 - 1) / 6)
    assert [t.label for t in chart.y_ticks] == ["1", "2", "3", "4", "5", "6", "7"]
    assert chart.series[0].path.startswith("M56.0,")


def test_month_ticks_are_labelled_and_at_most_about_six():
    chart = line_chart([("x", [(date(2024, 1, 10), 1.0), (date(2026, 6, 1), 2.0)])])
    assert 3 <= len(chart.x_ticks) <= 7 and chart.x_ticks[0].label == "Feb 2024"


def test_a_single_score_still_draws():
    chart = line_chart([("x", [(date(2026, 3, 3), 20.0)])], y_range=(0, 27))
    point = chart.series[0].points[0]
    assert chart.left < point.x < chart.right and point.label == "3 Mar 2026: 20"


def test_a_change_band_is_clipped_to_a_fixed_range():
    chart = line_chart([("PHQ-9", [(date(2026, 1, 1), 25.0), (date(2026, 4, 1), 12.0)])], y_range=(0, 27),
                       band=(25.0, 6.0, "reliable change"), lines=[(10, "caseness")])
    assert chart.band is not None and chart.band.y_top == pytest.approx(chart.top)
    assert chart.lines[0].y == pytest.approx(chart.bottom - (chart.bottom - chart.top) * 10 / 27)
    assert [t.label for t in chart.y_ticks][-1] == "25"


def test_an_empty_chart_is_refused():
    with pytest.raises(ValueError):
        line_chart([("x", [])])


def test_series_differ_by_marker_and_dash_not_only_colour():
    chart = line_chart([(f"goal {n}", [(date(2026, 1, 1), 1.0)]) for n in range(3)], y_range=(0, 10))
    styles = {(s.colour, s.dash, s.marker) for s in chart.series}
    assert len({m for _, _, m in styles}) == 3 and len({d for _, d, _ in styles}) == 3


def test_phq9_draws_its_caseness_line_and_reliable_change_band():
    t = thresholds_for(get_instrument("phq9"))
    assert t.lines[0][0] == 10 and t.change == 6
    assert any("Talking Therapies" in s for s in t.sources)


def test_swemwbs_uses_the_stricter_published_change_and_wemwbs_the_derived_one():
    assert thresholds_for(get_instrument("swemwbs")).change == 2.87
    wemwbs = thresholds_for(get_instrument("wemwbs"))
    assert wemwbs.change == pytest.approx(8.6) and "2.77 x" in wemwbs.change_label


def test_mansa_has_no_individual_band_and_says_why():
    t = thresholds_for(get_instrument("mansa"))
    assert t.change is None and t.lines == ()
    assert "no published reliable-change threshold for individuals" in t.notes[0]


def test_an_instrument_without_thresholds_says_so():
    assert thresholds_for(get_instrument("qpr15")).notes == ("No published threshold is recorded for this measure.",)


def test_numbers_are_shown_without_trailing_zeros():
    assert (format_number(4.0), format_number(4.5), format_number(0.1234, 3)) == ("4", "4.5", "0.123")


def test_the_svg_has_a_title_a_description_and_a_marker_with_a_label_for_every_point():
    chart = line_chart([("MANSA", [(date(2026, 1, 1), 3.0), (date(2026, 4, 1), 4.0), (date(2026, 7, 1), 5.5)])],
                       y_range=(1, 7), band=(3.0, 0.5, "band"), lines=[(4.0, "line")])
    svg = chart.svg("chart-mansa", "MANSA over time", "3 scores")
    assert svg.startswith('<svg class="measures-chart" viewBox="0 0 640 260"') and svg.endswith("</svg>")
    assert 'role="img" aria-labelledby="chart-mansa-title chart-mansa-desc"' in svg
    assert '<title id="chart-mansa-title">MANSA over time</title>' in svg and ">3 scores</desc>" in svg
    assert svg.count("<title>MANSA, ") == 3 and "<title>MANSA, 1 Jul 2026: 5.5</title>" in svg
    assert svg.count("<rect ") == 1 and svg.count('stroke="#d5281b"') == 1
    assert f'd="{chart.series[0].path}"' in svg


def test_the_svg_escapes_every_text_it_is_given():
    chart = line_chart([('<b>"goal" & more</b>', [(date(2026, 1, 1), 3.0)])], y_range=(0, 10))
    svg = chart.svg('x"><script>', "<script>alert(1)</script>", "a & b")
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg and "a &amp; b" in svg
    assert "&lt;b&gt;&quot;goal&quot; &amp; more&lt;/b&gt;" in svg
