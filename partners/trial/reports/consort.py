"""The CONSORT flow diagram: counts, layout, and rendering to SVG (and to a reportlab drawing for the PDF).

From the analysis dataset alone the allocation, follow-up and analysis boxes are filled: practices and
participants randomised per arm with the cluster size (mean, s.d.), participants followed up (a follow-up value
of the primary outcome), participants analysed (complete cases) and those excluded from the analysis for an
incomplete baseline. Everything before randomisation, and the reasons, come from optional *recruitment
records* (:func:`read_recruitment`, JSON or CSV), which the platform can also build from its own data:

JSON (every key optional; reasons are ``{"reason": count}``)::

    {"practices": {"approached": 151, "excluded": {"No response": 38},
                   "recruited": 59, "excluded_after_recruitment": {"Locality withdrew": 18}},
     "patients": {"screened": 2465, "eligible": 1427, "eligible_practices": 41,
                  "consented": 208, "consented_practices": 41, "baseline": 200, "baseline_practices": 41,
                  "excluded_before_randomisation": {"Withdrew": 4}},
     "randomisation": {"practices_excluded": {"Poor recruitment": 1}, "participants_excluded": 2},
     "follow_up": {"intervention": {"lost": {"Died": 1, "Withdrew": 14}}, "control": {"lost": {"Withdrew": 9}}},
     "analysis": {"intervention": {"excluded": {"Incomplete primary outcome at follow-up": 2}}}}

CSV: columns ``stage,arm,reason,count`` with ``stage`` one of ``practices_approached``,
``practices_excluded``, ``practices_recruited``, ``practices_excluded_after_recruitment``,
``patients_screened``, ``patients_eligible``, ``eligible_practices``, ``patients_consented``,
``consented_practices``, ``patients_baseline``, ``baseline_practices``,
``patients_excluded_before_randomisation``, ``practices_excluded_at_randomisation``,
``participants_excluded_at_randomisation``, ``lost_to_follow_up`` (with ``arm``) or
``excluded_from_analysis`` (with ``arm``); ``reason`` for the stages that take reasons.

The SVG is accessible: ``role="img"`` with ``<title>`` and ``<desc>`` (the whole flow as text), black text of at
least 13 px on white, and each box's text also readable by screen readers in document order.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
import textwrap
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from partners.trial.stats.dataset import CONTROL, INTERVENTION, DatasetError, TrialDataset

FONT_SIZE = 13
LINE = 17
PAD = 8
CHAR_WIDTH = 0.56 * FONT_SIZE  # a conservative average for sans-serif text
WIDTH = 960

REASON_STAGES = {
    "practices_excluded": ("practices", "excluded"),
    "practices_excluded_after_recruitment": ("practices", "excluded_after_recruitment"),
    "patients_excluded_before_randomisation": ("patients", "excluded_before_randomisation"),
    "practices_excluded_at_randomisation": ("randomisation", "practices_excluded"),
}
COUNT_STAGES = {
    "practices_approached": ("practices", "approached"),
    "practices_recruited": ("practices", "recruited"),
    "patients_screened": ("patients", "screened"),
    "patients_eligible": ("patients", "eligible"),
    "eligible_practices": ("patients", "eligible_practices"),
    "patients_consented": ("patients", "consented"),
    "consented_practices": ("patients", "consented_practices"),
    "patients_baseline": ("patients", "baseline"),
    "baseline_practices": ("patients", "baseline_practices"),
    "participants_excluded_at_randomisation": ("randomisation", "participants_excluded"),
}
ARM_STAGES = {"lost_to_follow_up": ("follow_up", "lost"), "excluded_from_analysis": ("analysis", "excluded")}
SCHEMA: dict[str, dict[str, str]] = {
    "practices": {"approached": "count", "excluded": "reasons", "recruited": "count",
                  "excluded_after_recruitment": "reasons"},
    "patients": {"screened": "count", "eligible": "count", "eligible_practices": "count", "consented": "count",
                 "consented_practices": "count", "baseline": "count", "baseline_practices": "count",
                 "excluded_before_randomisation": "reasons"},
    "randomisation": {"practices_excluded": "reasons", "participants_excluded": "count"},
}


# --------------------------------------------------------------------------------------------------------------
# Recruitment records


def _count(value: Any, where: str, problems: list[str]) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(f"{where}: {value!r} is not a non-negative whole number")
        return None
    return value


def validate_recruitment(data: Any, source: str = "recruitment records") -> dict[str, Any]:
    problems: list[str] = []
    if not isinstance(data, dict):
        raise DatasetError(["the records must be a JSON object"], source)
    out: dict[str, Any] = {}
    for section, value in data.items():
        if section in SCHEMA:
            if not isinstance(value, dict):
                problems.append(f"{section}: must be an object")
                continue
            out[section] = {}
            for key, item in value.items():
                kind = SCHEMA[section].get(key)
                if kind is None:
                    problems.append(f"{section}.{key}: unknown key (expected one of {', '.join(SCHEMA[section])})")
                elif kind == "count":
                    c = _count(item, f"{section}.{key}", problems)
                    if c is not None:
                        out[section][key] = c
                else:
                    out[section][key] = _reasons(item, f"{section}.{key}", problems)
        elif section in ("follow_up", "analysis"):
            inner = "lost" if section == "follow_up" else "excluded"
            if not isinstance(value, dict):
                problems.append(f"{section}: must be an object with 'intervention' and/or 'control'")
                continue
            out[section] = {}
            for arm, item in value.items():
                if arm not in (INTERVENTION, CONTROL):
                    problems.append(f"{section}.{arm}: unknown arm (expected intervention or control)")
                    continue
                if not isinstance(item, dict) or set(item) - {inner}:
                    problems.append(f"{section}.{arm}: must be an object with the key {inner!r}")
                    continue
                out[section][arm] = {inner: _reasons(item.get(inner, {}), f"{section}.{arm}.{inner}", problems)}
        else:
            problems.append(f"{section}: unknown section (expected practices, patients, randomisation, follow_up "
                            "or analysis)")
    if problems:
        raise DatasetError(problems, source)
    return out


def _reasons(value: Any, where: str, problems: list[str]) -> dict[str, int]:
    if not isinstance(value, dict):
        problems.append(f"{where}: must be an object of reason -> count")
        return {}
    out = {}
    for reason, c in value.items():
        checked = _count(c, f"{where}[{reason!r}]", problems)
        if checked is not None:
            out[str(reason)] = checked
    return out


def read_recruitment(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise DatasetError([f"cannot read the file ({exc.strerror or exc})"], str(path)) from None
    except UnicodeDecodeError:
        raise DatasetError(["the file is not UTF-8 text"], str(path)) from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DatasetError([f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})"],
                               str(path)) from None
        return validate_recruitment(data, str(path))
    return validate_recruitment(_from_csv(text, str(path)), str(path))


def _from_csv(text: str, source: str) -> dict[str, Any]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise DatasetError(["the file is empty"], source)
    reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    missing = [c for c in ("stage", "count") if c not in reader.fieldnames]
    if missing:
        raise DatasetError([f"column {c!r} is missing" for c in missing], source)
    data: dict[str, Any] = {}
    problems = []
    for number, row in enumerate(reader, start=2):
        stage = (row.get("stage") or "").strip().lower()
        raw = (row.get("count") or "").strip()
        reason = (row.get("reason") or "").strip()
        arm = (row.get("arm") or "").strip().lower()
        try:
            count = int(raw)
            if count < 0:
                raise ValueError
        except ValueError:
            problems.append(f"row {number}, column 'count': {raw!r} is not a non-negative whole number")
            continue
        if stage in COUNT_STAGES:
            sec, key = COUNT_STAGES[stage]
            data.setdefault(sec, {})[key] = count
        elif stage in REASON_STAGES:
            sec, key = REASON_STAGES[stage]
            data.setdefault(sec, {}).setdefault(key, {})[reason or "Reason not recorded"] = count
        elif stage in ARM_STAGES:
            if arm not in (INTERVENTION, CONTROL):
                problems.append(f"row {number}, column 'arm': {row.get('arm')!r} is not intervention or control")
                continue
            sec, key = ARM_STAGES[stage]
            data.setdefault(sec, {}).setdefault(arm, {}).setdefault(key, {})[reason or "Reason not recorded"] = count
        else:
            problems.append(f"row {number}, column 'stage': {row.get('stage')!r} is not a known stage")
    if problems:
        raise DatasetError(problems, source)
    return data


# --------------------------------------------------------------------------------------------------------------
# Counts from the dataset


def _sizes(ds: TrialDataset, mask: np.ndarray) -> list[int]:
    counts: dict[str, int] = {}
    for i in np.flatnonzero(mask):
        counts[ds.practice_id[i]] = counts.get(ds.practice_id[i], 0) + 1
    return list(counts.values())


def _size_text(sizes: list[int]) -> str:
    if not sizes:
        return ""
    sd = statistics.stdev(sizes) if len(sizes) > 1 else 0.0
    return f"cluster size: mean = {statistics.mean(sizes):.1f}, s.d. = {sd:.1f}"


def consort_counts(ds: TrialDataset, outcome: str) -> dict[str, Any]:
    key = ds.require_outcome(outcome)
    b, f = ds.baseline[key], ds.followup[key]
    out: dict[str, Any] = {"practices": len(ds.practices()), "participants": len(ds), "arms": {}}
    for arm, sel in ((INTERVENTION, ds.intervention), (CONTROL, ~ds.intervention)):
        followed = sel & ~np.isnan(f)
        analysed = followed & ~np.isnan(b)
        out["arms"][arm] = {
            "allocated": {"participants": int(sel.sum()), "practices": len(_sizes(ds, sel)),
                          "sizes": _sizes(ds, sel)},
            "followed_up": {"participants": int(followed.sum()), "practices": len(_sizes(ds, followed)),
                            "sizes": _sizes(ds, followed)},
            "lost": int(sel.sum() - followed.sum()),
            "lost_practices": len(_sizes(ds, sel)) - len(_sizes(ds, followed)),
            "analysed": {"participants": int(analysed.sum()), "practices": len(_sizes(ds, analysed)),
                         "sizes": _sizes(ds, analysed)},
            "excluded_incomplete_baseline": int((followed & np.isnan(b)).sum()),
        }
    return out


# --------------------------------------------------------------------------------------------------------------
# Layout


@dataclass
class Box:
    x: float
    y: float
    w: float
    lines: list[str]
    kind: str = "main"  # main | side | stage
    h: float = 0.0

    def __post_init__(self) -> None:
        if not self.h:
            self.h = len(self.lines) * LINE + 2 * PAD


@dataclass
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float
    head: bool = True


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


@dataclass
class Diagram:
    title: str
    description: str
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    width: float = WIDTH
    height: float = 0.0


def _wrap(paragraphs: list[str], width: float) -> list[str]:
    chars = max(10, int((width - 2 * PAD) / CHAR_WIDTH))
    lines: list[str] = []
    for p in paragraphs:
        lines += textwrap.wrap(p, chars) or [""]
    return lines


def _reason_lines(reasons: dict[str, int]) -> list[str]:
    return [f"\u2022 {count} {reason}" for reason, count in reasons.items()]


def consort_diagram(ds: TrialDataset, outcome: str, recruitment: dict[str, Any] | None = None,
                    arm_labels: dict[str, str] | None = None) -> Diagram:
    rec = recruitment or {}
    counts = consort_counts(ds, outcome)
    labels = arm_labels or {INTERVENTION: "the intervention", CONTROL: "usual care (control)"}
    d = Diagram(title="CONSORT flow diagram",
                description="")
    main_x, main_w = 250.0, 360.0
    side_x, side_w = 640.0, 310.0
    arm_x = {INTERVENTION: 140.0, CONTROL: 560.0}
    arm_w = 390.0
    y = 10.0
    flow: list[str] = []

    def stage(text: str) -> None:
        nonlocal y
        d.boxes.append(Box(10, y, 112, [text], "stage", h=26))
        flow.append(f"{text}.")

    def main(paragraphs: list[str], arrow_from: Box | None) -> Box:
        nonlocal y
        box = Box(main_x, y, main_w, _wrap(paragraphs, main_w))
        d.boxes.append(box)
        if arrow_from is not None:
            d.arrows.append(Arrow(main_x + main_w / 2, arrow_from.y + arrow_from.h, main_x + main_w / 2, box.y))
        flow.append(" ".join(paragraphs))
        y += box.h + 30
        return box

    def side(paragraphs: list[str], after: Box) -> None:
        nonlocal y
        box = Box(side_x, after.y + after.h + 6, side_w, _wrap(paragraphs, side_w), "side")
        d.boxes.append(box)
        d.arrows.append(Arrow(main_x + main_w / 2, box.y + box.h / 2, side_x, box.y + box.h / 2))
        flow.append("Excluded: " + " ".join(paragraphs))
        y = max(y, box.y + box.h + 30)

    stage("Enrolment")
    prev: Box | None = None
    prac = rec.get("practices", {})
    pat = rec.get("patients", {})
    if prac or pat:
        if "approached" in prac:
            prev = main([f"{prac['approached']} general practices approached"], prev)
            if prac.get("excluded"):
                side([f"{sum(prac['excluded'].values())} practices excluded", *_reason_lines(prac["excluded"])],
                     prev)
        if "recruited" in prac:
            prev = main([f"{prac['recruited']} general practices recruited"], prev)
            if prac.get("excluded_after_recruitment"):
                side([f"{sum(prac['excluded_after_recruitment'].values())} practices excluded",
                      *_reason_lines(prac["excluded_after_recruitment"])], prev)
        if "screened" in pat or "eligible" in pat:
            text = f"{pat.get('screened', 'Not recorded')} patients screened"
            if "eligible" in pat:
                text += f", {pat['eligible']} eligible"
            if "eligible_practices" in pat:
                text += f" from {pat['eligible_practices']} general practices"
            prev = main([text], prev)
        if "consented" in pat:
            suffix = f" from {pat['consented_practices']} general practices" if "consented_practices" in pat else ""
            prev = main([f"{pat['consented']} patients{suffix} consented to participate"], prev)
        if "baseline" in pat:
            suffix = f" from {pat['baseline_practices']} general practices" if "baseline_practices" in pat else ""
            prev = main([f"{pat['baseline']} patients{suffix} provided baseline data"], prev)
        if pat.get("excluded_before_randomisation") and prev is not None:
            reasons = pat["excluded_before_randomisation"]
            side([f"{sum(reasons.values())} participants excluded", *_reason_lines(reasons)], prev)
    else:
        prev = main(["Practices approached and recruited, and patients screened, eligible and consented: not in "
                     "the data supplied (add recruitment records to complete this part)"], prev)
    stage("Allocation")
    rand = main([f"RANDOMISATION: {plural(counts['practices'], 'general practice')} randomised with "
                 f"{plural(counts['participants'], 'participant')} allocated"], prev)
    rr = rec.get("randomisation", {})
    stem_x = main_x + main_w / 2
    split_y = rand.y + rand.h + 24
    if rr.get("practices_excluded") or rr.get("participants_excluded"):
        n_prac = sum(rr.get("practices_excluded", {}).values())
        extra = (f" ({plural(rr['participants_excluded'], 'participant')})" if "participants_excluded" in rr
                 else "")
        paragraphs = [f"{plural(n_prac, 'practice')}{extra} excluded",
                      *_reason_lines(rr.get("practices_excluded", {}))]
        box = Box(side_x, rand.y + rand.h + 10, side_w, _wrap(paragraphs, side_w), "side")
        d.boxes.append(box)
        d.arrows.append(Arrow(stem_x, box.y + box.h / 2, side_x, box.y + box.h / 2))
        flow.append("Excluded: " + " ".join(paragraphs))
        split_y = box.y + box.h + 14
    arms = counts["arms"]
    d.arrows.append(Arrow(stem_x, rand.y + rand.h, stem_x, split_y, head=False))
    centres = [arm_x[a] + arm_w / 2 for a in (INTERVENTION, CONTROL)]
    d.arrows.append(Arrow(min(centres), split_y, max(centres), split_y, head=False))
    y_arm = split_y + 24

    def arm_box(arm: str, paragraphs: list[str], top: float, kind: str = "main",
                arrow_from: tuple[float, float] | None = None) -> Box:
        box = Box(arm_x[arm], top, arm_w, _wrap(paragraphs, arm_w), kind)
        d.boxes.append(box)
        if arrow_from is not None:
            d.arrows.append(Arrow(arrow_from[0], arrow_from[1], arm_x[arm] + arm_w / 2, box.y))
        flow.append(f"{arm.capitalize()} arm: " + " ".join(paragraphs))
        return box

    alloc: dict[str, Box] = {}
    for arm in (INTERVENTION, CONTROL):
        a = arms[arm]["allocated"]
        alloc[arm] = arm_box(arm, [f"{plural(a['practices'], 'general practice')} with "
                                   f"{plural(a['participants'], 'participant')} assigned to {labels[arm]}",
                                   _size_text(a["sizes"])], y_arm,
                             arrow_from=(arm_x[arm] + arm_w / 2, split_y))
    y = max(b.y + b.h for b in alloc.values()) + 30
    stage("Follow-up")
    y_f = y
    follow: dict[str, Box] = {}
    for arm in (INTERVENTION, CONTROL):
        lost_reasons = rec.get("follow_up", {}).get(arm, {}).get("lost")
        n_lost = arms[arm]["lost"]
        lines = [f"{plural(n_lost, 'participant')} without follow-up"]
        lines += _reason_lines(lost_reasons) if lost_reasons else ["(reasons not recorded in the data supplied)"]
        if lost_reasons and sum(lost_reasons.values()) != n_lost:
            lines.append(f"(the recruitment records account for {sum(lost_reasons.values())})")
        if arms[arm]["lost_practices"]:
            lines.append(f"{plural(arms[arm]['lost_practices'], 'practice')} with no participant followed up")
        lost = arm_box(arm, lines, y_f, "side", arrow_from=(arm_x[arm] + arm_w / 2, alloc[arm].y + alloc[arm].h))
        fu = arms[arm]["followed_up"]
        follow[arm] = arm_box(arm, [f"{plural(fu['practices'], 'general practice')} with "
                                    f"{plural(fu['participants'], 'participant')} followed up",
                                    _size_text(fu["sizes"])], lost.y + lost.h + 24,
                              arrow_from=(arm_x[arm] + arm_w / 2, lost.y + lost.h))
    y = max(b.y + b.h for b in follow.values()) + 30
    stage("Analysis")
    y_a = y
    final: dict[str, Box] = {}
    for arm in (INTERVENTION, CONTROL):
        excluded = rec.get("analysis", {}).get(arm, {}).get("excluded")
        n_exc = arms[arm]["excluded_incomplete_baseline"]
        n_out = sum(excluded.values()) if excluded else n_exc
        lines = [f"{plural(n_out, 'participant')} excluded from the primary analysis"]
        if excluded:
            lines += _reason_lines(excluded)
        elif n_exc:
            lines += [f"\u2022 {n_exc} with an incomplete primary outcome at baseline"]
        exc = arm_box(arm, lines, y_a, "side", arrow_from=(arm_x[arm] + arm_w / 2, follow[arm].y + follow[arm].h))
        an = arms[arm]["analysed"]
        final[arm] = arm_box(arm, [f"{plural(an['practices'], 'general practice')} with "
                                   f"{plural(an['participants'], 'participant')} included in the primary modified "
                                   "intention-to-treat analysis",
                                   _size_text(an["sizes"])], exc.y + exc.h + 24,
                             arrow_from=(arm_x[arm] + arm_w / 2, exc.y + exc.h))
    d.height = max(b.y + b.h for b in final.values()) + 12
    d.description = " ".join(flow)
    return d


# --------------------------------------------------------------------------------------------------------------
# Rendering


def render_svg(d: Diagram) -> str:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="consort-title consort-desc" '
        f'viewBox="0 0 {d.width:.0f} {d.height:.0f}" width="{d.width:.0f}" height="{d.height:.0f}" '
        f'font-family="Arial, Helvetica, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="consort-title">{escape(d.title)}</title>',
        f'<desc id="consort-desc">{escape(d.description)}</desc>',
        '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#000"/></marker></defs>',
        '<rect width="100%" height="100%" fill="#fff"/>',
    ]
    for a in d.arrows:
        head = ' marker-end="url(#arrowhead)"' if a.head else ""
        parts.append(f'<line x1="{a.x1:.1f}" y1="{a.y1:.1f}" x2="{a.x2:.1f}" y2="{a.y2:.1f}" stroke="#000" '
                     f'stroke-width="1.5"{head}/>')
    for b in d.boxes:
        fill = {"stage": "#d8e8f5", "side": "#fff", "main": "#fff"}[b.kind]
        weight = ' font-weight="bold"' if b.kind == "stage" else ""
        parts.append(f'<g><rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" fill="{fill}" '
                     f'stroke="#000" stroke-width="1.2"/>')
        for i, line in enumerate(b.lines):
            ty = b.y + PAD + (i + 1) * LINE - 4 if b.kind != "stage" else b.y + 18
            tx = b.x + PAD if b.kind != "stage" else b.x + b.w / 2
            anchor = ' text-anchor="middle"' if b.kind == "stage" else ""
            parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" fill="#000"{anchor}{weight}>{escape(line)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)
