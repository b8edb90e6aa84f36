import csv
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from pypdf import PdfReader

from partners.trial.reports.render import write_report
from partners.trial.stats.analysis import AnalysisOptions, analyse
from partners.trial.stats.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    ds = synthetic_dataset(51)
    analysis = analyse(ds, "mansa", AnalysisOptions(imputations=5), sensitivity=True)
    out = tmp_path_factory.mktemp("report")
    return ds, analysis, write_report(ds, analysis, out)


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.captions = 0
        self.tables = 0
        self.th_scopes: list[str | None] = []
        self.lang = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "th":
            self.th_scopes.append(a.get("scope"))


def test_the_html_is_standalone_with_captioned_scoped_tables_and_the_svg(report):
    _ds, _analysis, files = report
    html = files["html"].read_text()
    parser = _Tables()
    parser.feed(html)
    assert parser.lang == "en-GB"
    assert parser.tables == 3 and parser.captions == 3
    assert parser.th_scopes and all(s in {"col", "colgroup", "row", "rowgroup"} for s in parser.th_scopes)
    assert "<svg" in html and 'role="img"' in html
    assert not re.search(r'<(link|script)[^>]+(href|src)=', html)  # nothing fetched from elsewhere


def test_each_table_has_a_csv_with_the_same_rows(report):
    _ds, analysis, files = report
    with files["table2"].open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "Analysis"
    primary = next(r for r in rows if r[0] == "Primary analysis: mITT")
    fa = analysis["fully_adjusted"]
    assert primary[8].endswith(f"P = {fa['p']:.3f}")
    assert len({len(r) for r in rows}) == 1


def test_the_pdf_has_the_tables_the_figure_and_a_structure_tree(report):
    _ds, _analysis, files = report
    reader = PdfReader(str(files["pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Table 1" in text and "Table 2" in text and "Table 3" in text and "CONSORT" in text
    assert "\u2212" in text  # minus signs survive
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and bool(root["/MarkInfo"]["/Marked"])
    tags: set[str] = set()
    alt: list[Any] = []

    def walk(e):
        e = e.get_object()
        if isinstance(e, dict) and e.get("/Type") == "/StructElem":
            tags.add(e["/S"])
            if e["/S"] == "/Figure":
                alt.append(e.get("/Alt"))
            for k in e.get("/K", []):
                walk(k)

    walk(root["/StructTreeRoot"]["/K"][0])
    assert {"/Document", "/H1", "/P", "/Caption", "/Table", "/TR", "/TH", "/TD", "/Figure"} <= tags
    assert alt and "randomised" in alt[0]
    assert all(page.get("/StructParents") is not None for page in reader.pages)
    assert reader.metadata is not None
    assert str(reader.metadata.title).startswith("Trial report")
