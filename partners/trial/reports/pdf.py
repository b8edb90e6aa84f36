"""The trial report as a tagged PDF (reportlab).

reportlab does not tag PDFs by itself; this module adds the logical structure that assistive technology reads:

- every paragraph is a marked-content sequence (``/P``, ``/H1``, ``/H2``, ``/Caption``) with an MCID, owned by a
  structure element of that type;
- each table is a ``/Table`` element of ``/TR`` rows with ``/TH`` (column headers ``/Scope /Column``, row
  headers ``/Scope /Row``) and ``/TD`` cells, via reportlab's table render callbacks; repeated header rows on
  continuation pages, cell backgrounds and grid lines are ``/Artifact``;
- the CONSORT diagram is a ``/Figure`` with ``/Alt`` text (the whole flow in words);
- page numbers are artifacts; each page has ``/StructParents`` and ``/Tabs /S``; the catalogue has
  ``/StructTreeRoot`` (with its ``/ParentTree``), ``/MarkInfo << /Marked true >>``, ``/Lang (en-GB)`` and
  ``/ViewerPreferences << /DisplayDocTitle true >>``.

This is a best-effort tagging (not validated against PDF/UA with a checker here: none is installed).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import reportlab
from reportlab.graphics.shapes import Drawing, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from partners.trial.reports import consort as consort_mod
from partners.trial.reports.tables import Table as ReportTable

FONT = "PartnersVera"
FONT_BOLD = "PartnersVeraBd"
SUP = re.compile(r"\^([a-z])")


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    pdfmetrics.registerFont(TTFont(FONT, os.path.join(base, "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(base, "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


# --------------------------------------------------------------------------------------------------------------
# Structure elements (Python side) and the tagging canvas


@dataclass
class Element:
    tag: str
    parent: Element | None = None
    kids: list[Any] = field(default_factory=list)  # Element or (page index, mcid)
    alt: str | None = None
    scope: str | None = None

    def child(self, tag: str, **kw: Any) -> Element:
        e = Element(tag, parent=self, **kw)
        self.kids.append(e)
        return e


class _Raw(pdfdoc.PDFObject):
    def __init__(self, text: bytes) -> None:
        self.text = text

    def format(self, document: Any) -> bytes:
        return self.text


class TaggingCanvas(Canvas):
    """A canvas that writes marked-content operators and, on save, the structure tree."""

    root: Element
    _mcid: int
    _owners: list[list[Element]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lang", "en-GB")
        super().__init__(*args, **kwargs)
        self.root = Element("Document")
        self._mcid = 0
        self._owners = [[]]

    def begin_marked(self, element: Element) -> None:
        mcid = self._mcid
        self._mcid += 1
        self._owners[-1].append(element)
        element.kids.append((len(self._owners) - 1, mcid))
        self._code.append(f"/{element.tag} <</MCID {mcid}>> BDC")

    def begin_artifact(self) -> None:
        self._code.append("/Artifact BMC")

    def end_marked(self) -> None:
        self._code.append("EMC")

    def showPage(self) -> None:
        super().showPage()
        page = self._doc.Pages.pages[-1]
        page.__NoDefault__ = [*pdfdoc.PDFPage.__NoDefault__, "StructParents", "Tabs"]
        page.StructParents = len(self._owners) - 1
        page.Tabs = pdfdoc.PDFName("S")
        self._owners.append([])
        self._mcid = 0

    def save(self) -> None:
        if len(self._code):
            self.showPage()
        doc = self._doc
        root_dict = pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("StructTreeRoot")})
        root_ref = doc.Reference(root_dict)
        refs: dict[int, Any] = {}

        def build(e: Element, parent_ref: Any) -> Any:
            d = pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("StructElem"), "S": pdfdoc.PDFName(e.tag),
                                      "P": parent_ref})
            ref = doc.Reference(d)
            refs[id(e)] = ref
            kids: list[Any] = []
            for k in e.kids:
                if isinstance(k, Element):
                    kids.append(build(k, ref))
                else:
                    page_index, mcid = k
                    kids.append(pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("MCR"), "MCID": mcid,
                                                      "Pg": pdfdoc.PDFObjectReference(f"Page{page_index + 1}")}))
            d["K"] = pdfdoc.PDFArray(kids)
            if e.alt:
                d["Alt"] = pdfdoc.PDFString(e.alt)
            if e.scope:
                d["A"] = pdfdoc.PDFDictionary({"O": pdfdoc.PDFName("Table"), "Scope": pdfdoc.PDFName(e.scope)})
            return ref

        doc_ref = build(self.root, root_ref)
        nums: list[Any] = []
        for page_index, owners in enumerate(self._owners[: len(doc.Pages.pages)]):
            nums += [page_index, pdfdoc.PDFArray([refs[id(o)] for o in owners])]
        root_dict["K"] = pdfdoc.PDFArray([doc_ref])
        root_dict["ParentTree"] = pdfdoc.PDFDictionary({"Nums": pdfdoc.PDFArray(nums)})
        root_dict["ParentTreeNextKey"] = len(doc.Pages.pages)
        doc.Catalog.StructTreeRoot = root_dict
        doc.Catalog.MarkInfo = pdfdoc.PDFDictionary({"Marked": _Raw(b"true")})
        doc.Catalog.ViewerPreferences = pdfdoc.PDFDictionary({"DisplayDocTitle": _Raw(b"true")})
        super().save()


class Tagged(Flowable):
    """Wrap a flowable in one structure element (shared by the parts when the flowable splits)."""

    def __init__(self, inner: Flowable, tag: str, parent: Element | None = None, alt: str | None = None,
                 element: Element | None = None) -> None:
        super().__init__()
        self.inner = inner
        self.tag = tag
        self.parent = parent
        self.alt = alt
        self.element = element

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width, self.height = self.inner.wrap(aw, ah)
        return self.width, self.height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        parts = self.inner.split(aw, ah)
        holder = self._holder()
        return [Tagged(p, self.tag, self.parent, self.alt, holder) for p in parts]

    def _holder(self) -> Element:
        if self.element is None:
            self.element = Element(self.tag, alt=self.alt)
            self.element.parent = self.parent
        return self.element

    def getSpaceBefore(self) -> float:
        return float(self.inner.getSpaceBefore())

    def getSpaceAfter(self) -> float:
        return float(self.inner.getSpaceAfter())

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        element = self._holder()
        if isinstance(canvas, TaggingCanvas):
            parent = self.parent or canvas.root
            if element not in parent.kids:
                parent.kids.append(element)
            canvas.begin_marked(element)
            self.inner.drawOn(canvas, x, y, _sW)
            canvas.end_marked()
        else:
            self.inner.drawOn(canvas, x, y, _sW)


class TableTagger:
    """reportlab table render callback building /Table, /TR, /TH, /TD (row headers in column 0)."""

    def __init__(self, header_rows: int) -> None:
        self.header_rows = header_rows
        self.table: Element | None = None
        self.row: Element | None = None
        self.artifact_row = False
        self.current_header = False
        self._header_rows_drawn = 0

    def __call__(self, table: Table, event: str, *args: Any) -> None:
        canvas = table.canv
        if not isinstance(canvas, TaggingCanvas):
            return
        if event == "startTable":
            if self.table is None:
                self.table = canvas.root.child("Table")
        elif event in ("startBG", "startLines"):
            canvas.begin_artifact()
        elif event in ("endBG", "endLines"):
            canvas.end_marked()
        elif event == "startRow":
            row_no = args[0]
            is_header = row_no < self.header_rows
            self.artifact_row = is_header and self.seen_header_complete()
            if self.artifact_row:
                canvas.begin_artifact()
                self.row = None
            else:
                assert self.table is not None
                self.row = self.table.child("TR")
            self.current_header = is_header
        elif event == "endRow":
            if self.artifact_row:
                canvas.end_marked()
            if self.current_header:
                self._header_rows_drawn += 1
        elif event == "startCell":
            if self.row is None:
                return
            col = args[1]
            if self.current_header:
                cell = self.row.child("TH", scope="Column")
            elif col == 0:
                cell = self.row.child("TH", scope="Row")
            else:
                cell = self.row.child("TD")
            canvas.begin_marked(cell)
        elif event == "endCell" and self.row is not None:
            canvas.end_marked()

    def seen_header_complete(self) -> bool:
        return self._header_rows_drawn >= self.header_rows


# --------------------------------------------------------------------------------------------------------------
# Content


def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    return {
        "h1": ParagraphStyle("h1", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=8),
        "caption": ParagraphStyle("caption", fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6,
                                  spaceAfter=6),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, spaceAfter=4),
        "note": ParagraphStyle("note", fontName=FONT, fontSize=7, leading=9, spaceAfter=2),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=6.8, leading=8.4),
        "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=6.8, leading=8.4),
    }


def _markup(text: str) -> str:
    return SUP.sub(r"<super>\1</super>", escape(text))


def _table_flowable(t: ReportTable, styles: dict[str, ParagraphStyle], width: float) -> Table:
    head = styles["head"]
    cell = styles["cell"]
    n_cols = len(t.columns) + 1
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#768692")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 1 if t.groups else 0), colors.HexColor("#e8edee")),
    ]
    if t.groups:
        first: list[Any] = []
        second: list[Any] = []
        col = 0
        for i, (text, span) in enumerate(t.groups):
            start = len(first)
            if not text:
                label = t.row_header if i == 0 else t.columns[col - 0]
                first.append(Paragraph(_markup(label), head))
                second.append("")
                commands.append(("SPAN", (start, 0), (start, 1)))
                col += 0 if i == 0 else 1
            else:
                first.append(Paragraph(_markup(text), head))
                first += [""] * (span - 1)
                second += [Paragraph(_markup(c), head) for c in t.columns[col:col + span]]
                commands.append(("SPAN", (start, 0), (start + span - 1, 0)))
                col += span
        data += [first, second]
    else:
        data.append([Paragraph(_markup(t.row_header), head)] + [Paragraph(_markup(c), head) for c in t.columns])
    header_rows = len(data)
    for row in t.rows:
        r = len(data)
        if row.section:
            data.append([Paragraph(_markup(row.label), head)] + [""] * (n_cols - 1))
            commands.append(("SPAN", (0, r), (-1, r)))
            commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f0f4f5")))
        else:
            data.append([Paragraph(_markup(row.label), cell)]
                        + [Paragraph("<br/>".join(_markup(x) for x in c), cell) for c in row.cells])
    first_w = width * (0.16 if n_cols > 6 else 0.34)
    other = (width - first_w) / (n_cols - 1)
    table = Table(data, colWidths=[first_w] + [other] * (n_cols - 1), repeatRows=header_rows,
                  renderCB=TableTagger(header_rows))
    table.setStyle(TableStyle(commands))
    return table


def consort_drawing(d: consort_mod.Diagram, width: float) -> Drawing:
    _register_fonts()
    scale = min(1.0, width / d.width)
    drawing = Drawing(d.width * scale, d.height * scale)
    h = d.height

    def y(v: float) -> float:
        return (h - v) * scale

    for b in d.boxes:
        fill = colors.HexColor("#d8e8f5") if b.kind == "stage" else colors.white
        drawing.add(Rect(b.x * scale, y(b.y + b.h), b.w * scale, b.h * scale, fillColor=fill,
                         strokeColor=colors.black, strokeWidth=0.8))
        for i, line in enumerate(b.lines):
            if b.kind == "stage":
                drawing.add(String((b.x + b.w / 2) * scale, y(b.y + 18), line, fontName=FONT_BOLD,
                                   fontSize=consort_mod.FONT_SIZE * scale, textAnchor="middle"))
            else:
                drawing.add(String((b.x + consort_mod.PAD) * scale,
                                   y(b.y + consort_mod.PAD + (i + 1) * consort_mod.LINE - 4), line, fontName=FONT,
                                   fontSize=consort_mod.FONT_SIZE * scale))
    for a in d.arrows:
        drawing.add(Line(a.x1 * scale, y(a.y1), a.x2 * scale, y(a.y2), strokeColor=colors.black, strokeWidth=0.9))
        if not a.head:
            continue
        ang = math.atan2(y(a.y2) - y(a.y1), (a.x2 - a.x1) * scale)
        tip = (a.x2 * scale, y(a.y2))
        size = 5
        left = (tip[0] - size * math.cos(ang - 0.4), tip[1] - size * math.sin(ang - 0.4))
        right = (tip[0] - size * math.cos(ang + 0.4), tip[1] - size * math.sin(ang + 0.4))
        drawing.add(Polygon([tip[0], tip[1], left[0], left[1], right[0], right[1]], fillColor=colors.black,
                            strokeColor=colors.black, strokeWidth=0.5))
    return drawing


def _footer(canvas: Canvas, doc: Any) -> None:
    canvas.saveState()
    if isinstance(canvas, TaggingCanvas):
        canvas.begin_artifact()
    canvas.setFont(FONT, 7)
    canvas.drawRightString(doc.pagesize[0] - 12 * mm, 8 * mm, f"Page {doc.page}")
    if isinstance(canvas, TaggingCanvas):
        canvas.end_marked()
    canvas.restoreState()


def write_pdf(path: str | Path, tables: list[ReportTable], diagram: consort_mod.Diagram, title: str) -> Path:
    path = Path(path)
    styles = _styles()
    pagesize = landscape(A4)
    doc = SimpleDocTemplate(str(path), pagesize=pagesize, leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=14 * mm, title=title, author="PARTNERS platform",
                            subject="Cluster randomised trial report", lang="en-GB")
    width = pagesize[0] - 24 * mm
    story: list[Flowable] = [Tagged(Paragraph(_markup(title), styles["h1"]), "H1"),
                             Tagged(Paragraph("Synthetic or pseudonymised data only.", styles["body"]), "P")]
    for t in tables:
        story.append(Tagged(Paragraph(_markup(t.caption), styles["caption"]), "Caption"))
        story.append(_table_flowable(t, styles, width))
        for note in t.notes:
            story.append(Tagged(Paragraph(_markup(note), styles["note"]), "P"))
        story.append(PageBreak())
    story.append(Tagged(Paragraph("Fig. 1 Consolidated Standards of Reporting Trials (CONSORT) diagram",
                                  styles["caption"]), "Caption"))
    page_h = pagesize[1] - 26 * mm - 30
    drawing = consort_drawing(diagram, width)
    if drawing.height > page_h:  # shrink to fit one page
        factor = page_h / drawing.height
        drawing.scale(factor, factor)
        drawing.width *= factor
        drawing.height *= factor
    story.append(Spacer(1, 4))
    story.append(Tagged(drawing, "Figure", alt=diagram.description))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer, canvasmaker=TaggingCanvas)
    return path
