"""Rendering the trial report: standalone HTML, CSV per table, SVG and PDF.

:func:`write_report` writes into a directory:

- ``report.html`` - standalone (inline CSS and the inline CONSORT SVG); tables with ``<caption>``, column
  headers ``scope="col"``/``"colgroup"``, row headers ``scope="row"``, section rows ``scope="rowgroup"``;
  ``lang="en-GB"``;
- ``table1.csv``, ``table2.csv``, ``table3.csv`` (and ``safety.csv`` when safety events were given): one header
  row; each cell's stacked lines joined with ``"; "``;
- ``consort.svg``;
- ``report.pdf`` - reportlab, landscape A4, the bundled Vera font so that minus signs and dashes print; document
  title, language and a tagged structure tree (see :mod:`.pdf`);
- ``analysis.json`` - every number behind the tables.

Superscript note markers are written ``^a`` in table data and rendered as superscripts.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from partners.trial.reports import consort as consort_mod
from partners.trial.reports.tables import Table, measure_name, safety_table, table1, table2, table3
from partners.trial.stats.dataset import TrialDataset

SUP = re.compile(r"\^([a-z])")

CSS = """
body{font-family:Arial,Helvetica,sans-serif;color:#212b32;margin:2rem;line-height:1.4;font-size:16px}
h1{font-size:2rem}h2{font-size:1.4rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.875rem}
caption{text-align:left;font-weight:bold;font-size:1rem;padding:.5rem 0;caption-side:top}
th,td{border:1px solid #768692;padding:.35rem .5rem;vertical-align:top;text-align:left}
thead th{background:#e8edee}
th[scope=rowgroup]{background:#f0f4f5}
tbody th[scope=row]{font-weight:normal}
.notes{font-size:.875rem;max-width:70rem}
figure{margin:1rem 0}svg{max-width:100%;height:auto}
a:focus{outline:3px solid #ffeb3b}
"""


def _html_text(text: str) -> str:
    return SUP.sub(r"<sup>\1</sup>", escape(text))


def _plain(text: str) -> str:
    return SUP.sub(r"(\1)", text)


def table_html(table: Table) -> str:
    out = [f'<table id="{table.key}-table"><caption>{_html_text(table.caption)}</caption><thead>']
    if table.groups:
        first, second = [], []
        col = 0
        for i, (text, span) in enumerate(table.groups):
            if not text:
                label = table.row_header if i == 0 else table.columns[col]
                first.append(f'<th scope="col" rowspan="2">{_html_text(label)}</th>')
                col += 0 if i == 0 else 1
            else:
                first.append(f'<th scope="colgroup" colspan="{span}">{_html_text(text)}</th>')
                second += [f'<th scope="col">{_html_text(c)}</th>' for c in table.columns[col:col + span]]
                col += span
        out.append("<tr>" + "".join(first) + "</tr>")
        out.append("<tr>" + "".join(second) + "</tr>")
    else:
        out.append("<tr>" + f'<th scope="col">{_html_text(table.row_header)}</th>'
                   + "".join(f'<th scope="col">{_html_text(c)}</th>' for c in table.columns) + "</tr>")
    out.append("</thead><tbody>")
    for row in table.rows:
        if row.section:
            out.append(f'<tr><th scope="rowgroup" colspan="{len(table.columns) + 1}">{_html_text(row.label)}</th>'
                       "</tr>")
            continue
        cells = "".join("<td>" + "<br>".join(_html_text(line) for line in cell) + "</td>" for cell in row.cells)
        out.append(f'<tr><th scope="row">{_html_text(row.label)}</th>{cells}</tr>')
    out.append("</tbody></table>")
    if table.notes:
        out.append('<div class="notes">' + "".join(f"<p>{_html_text(n)}</p>" for n in table.notes) + "</div>")
    return "\n".join(out)


def report_html(tables: list[Table], svg: str, title: str, source: str) -> str:
    def short(t: Table) -> str:
        words = t.caption.split(" ")
        return " ".join(words[:2]) if words[0] == "Table" else t.caption

    toc = "".join(f'<li><a href="#{t.key}">{escape(short(t))}</a></li>' for t in tables)
    sections = "".join(f'<section id="{t.key}" aria-label="{escape(t.caption)}">{table_html(t)}</section>'
                       for t in tables)
    stamp = datetime.now(UTC).strftime("%d %B %Y %H:%M UTC")
    return f"""<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body><main>
<h1>{escape(title)}</h1>
<p>From {escape(source)}, produced {stamp}. Synthetic or pseudonymised data only.</p>
<nav aria-label="Contents"><ul>{toc}<li><a href="#consort">Figure 1</a></li></ul></nav>
{sections}
<section id="consort" aria-labelledby="consort-heading"><h2 id="consort-heading">Fig. 1 Consolidated Standards of
Reporting Trials (CONSORT) diagram</h2><figure>{svg}<figcaption>CONSORT flow diagram. The text of every box is
also given in the figure's description.</figcaption></figure></section>
</main></body></html>
"""


def table_csv(table: Table, path: Path) -> None:
    header = [_plain(table.row_header or "Row")]
    if table.groups:
        col = 0
        for i, (text, span) in enumerate(table.groups):
            if i == 0:
                continue
            for c in table.columns[col:col + span]:
                header.append(_plain(f"{text}: {c}" if text else c))
            col += span
    else:
        header += [_plain(c) for c in table.columns]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in table.rows:
            if row.section:
                writer.writerow([_plain(row.label)] + [""] * (len(header) - 1))
            else:
                writer.writerow([_plain(row.label)] + ["; ".join(_plain(x) for x in cell) for cell in row.cells])


def build_tables(ds: TrialDataset, analysis: dict[str, Any]) -> list[Table]:
    tables = [table1(ds), table2(analysis), table3(analysis)]
    safety = safety_table(analysis)
    if safety is not None:
        tables.append(safety)
    return tables


def write_report(ds: TrialDataset, analysis: dict[str, Any], out_dir: str | Path,
                 recruitment: dict[str, Any] | None = None, pdf: bool = True) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = build_tables(ds, analysis)
    diagram = consort_mod.consort_diagram(ds, analysis["outcome"], recruitment)
    svg = consort_mod.render_svg(diagram)
    title = f"Trial report: {measure_name(analysis['outcome'])} (primary outcome)"
    files: dict[str, Path] = {}
    files["html"] = out / "report.html"
    files["html"].write_text(report_html(tables, svg, title, ds.source), encoding="utf-8")
    for t in tables:
        files[t.key] = out / f"{t.key}.csv"
        table_csv(t, files[t.key])
    files["consort"] = out / "consort.svg"
    files["consort"].write_text(svg, encoding="utf-8")
    files["analysis"] = out / "analysis.json"
    files["analysis"].write_text(json.dumps(analysis, indent=2) + "\n", encoding="utf-8")
    if pdf:
        from partners.trial.reports.pdf import write_pdf

        files["pdf"] = out / "report.pdf"
        write_pdf(files["pdf"], tables, diagram, title)
    return files
