"""``{% line_chart_svg chart chart_id title summary %}``: a ``measures.charts.Chart`` as accessible inline SVG (a
title and a description for screen readers; the page puts the same figures in a table beside it)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from partners.measures.charts import Chart

register = template.Library()


@register.simple_tag
def line_chart_svg(chart: Chart, chart_id: str, title: str, summary: str) -> SafeString:
    return mark_safe(chart.svg(chart_id, title, summary))  # noqa: S308 - Chart.svg escapes every text  # nosec B308 B703
