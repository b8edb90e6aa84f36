"""The trial report and the research extract from the platform's own records (the report writers of
``partners.trial.reports`` on the dataset of ``selectors.TrialData``, with the CONSORT from the records).

Blinded (before the trial is unblinded) the report has only what a blinded researcher may see: the CONSORT
diagram (counts), recruitment, data completeness (counts), factor balance and the allocation log without the
seed; the blinded extract has only what was measured before randomisation (no arm, no follow-up, no Care Partner
contacts or availability). Unblinded, the report adds Tables 1-3 (and the safety table) from the stats core and
the seed, and the extract is the full analysis dataset of data-formats.md section 4.

Files written to the output directory:

- report: ``report.html`` (standalone), ``report.pdf``, ``consort.svg``, a CSV per table (``table1.csv``,
  ``table2.csv``, ``table3.csv``, ``safety.csv`` unblinded; ``recruitment.csv``, ``completeness.csv``,
  ``balance.csv`` always), ``allocation_log.csv`` and, unblinded, ``analysis.json``;
- extract: ``trial_extract.csv``, ``trial_extract.dta``, ``trial_extract_dictionary.csv`` and ``README.txt``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.utils import timezone

from partners.trial.models import ARM_LABELS
from partners.trial.reports import consort as consort_mod
from partners.trial.reports.extract import write_extract
from partners.trial.reports.formatting import count_pct
from partners.trial.reports.render import build_tables, report_html, table_csv
from partners.trial.reports.tables import Row, Table, measure_name
from partners.trial.selectors import TrialData, balance_report, pseudonym_key
from partners.trial.stats.analysis import AnalysisOptions, analyse
from partners.trial.stats.dataset import CONTROL, INTERVENTION, DatasetError

ARMS = (INTERVENTION, CONTROL)
BLINDED_NOTE = ("Blinded report: produced before the trial was unblinded. It contains recruitment, allocation and "
                "counts of data present only - no value measured after randomisation.")


def _cells(*values: Any) -> list[list[str]]:
    return [["" if v is None else str(v)] for v in values]


def recruitment_table(data: TrialData, records: dict[str, Any]) -> Table:
    """The CONSORT counts as a table, with every reason."""
    prac, pat = records["practices"], records["patients"]
    rand = records.get("randomisation", {})
    counts = data.randomised_counts()
    rows = [Row("Practices", section=True), Row("Approached", _cells("", "", prac["approached"]))]
    for reason, n in prac.get("excluded", {}).items():
        rows.append(Row(f"Not recruited: {reason}", _cells("", "", n)))
    rows.append(Row("Recruited", _cells("", "", prac["recruited"])))
    for reason, n in rand.get("practices_excluded", {}).items():
        rows.append(Row(f"Not randomised: {reason}", _cells("", "", n)))
    rows.append(Row("Randomised", _cells(counts[INTERVENTION]["practices"], counts[CONTROL]["practices"],
                                         sum(c["practices"] for c in counts.values()))))
    rows.append(Row("Patients", section=True))
    for key, label in (("screened", "Screened"), ("eligible", "Eligible"), ("consented", "Consented"),
                       ("baseline", "Baseline assessment completed")):
        rows.append(Row(label, _cells("", "", pat.get(key, 0))))
    for reason, n in pat.get("excluded_before_randomisation", {}).items():
        rows.append(Row(f"Excluded before randomisation: {reason}", _cells("", "", n)))
    if rand.get("participants_excluded"):
        rows.append(Row("At practices not randomised", _cells("", "", rand["participants_excluded"])))
    rows.append(Row("Randomised (with research consent)",
                    _cells(counts[INTERVENTION]["participants"], counts[CONTROL]["participants"],
                           sum(c["participants"] for c in counts.values()))))
    lost = {arm: records.get("follow_up", {}).get(arm, {}).get("lost", {}) for arm in ARMS}
    followed = {arm: counts[arm]["participants"] - sum(lost[arm].values()) for arm in ARMS}
    rows.append(Row("Primary outcome at follow-up", _cells(followed[INTERVENTION], followed[CONTROL],
                                                           sum(followed.values()))))
    for reason in dict.fromkeys([*lost[INTERVENTION], *lost[CONTROL]]):
        a, b = lost[INTERVENTION].get(reason, 0), lost[CONTROL].get(reason, 0)
        rows.append(Row(f"No follow-up: {reason}", _cells(a, b, a + b)))
    return Table("recruitment", "Recruitment, randomisation and follow-up (from the platform's records)", [],
                 ["Intervention", "Control", "Total"], rows,
                 ["Counts of practices and patients at each stage, with the reasons recorded. 'Randomised' counts "
                  "participants with research consent at the time of the report."], row_header="Stage")


def completeness_table(data: TrialData) -> Table:
    rows = []
    for block in data.completeness():
        rows.append(Row(measure_name(block["measure"].replace("-", "_")), section=True))
        for key, label in (("baseline", "Baseline present"), ("followup", "Follow-up present"),
                           ("both", "Both present")):
            rows.append(Row(label, [[count_pct(block[g][key], block[g]["randomised"])]
                                    for g in (INTERVENTION, CONTROL, "overall")]))
    return Table("completeness", "Data completeness (randomised participants with research consent)", [],
                 ["Intervention", "Control", "Overall"], rows,
                 ["n/N (%): participants with a complete questionnaire score / participants randomised. Counts only."],
                 row_header="Measure")


def balance_table(data: TrialData) -> Table:
    report = balance_report(trial=data.trial, logs=data.logs)
    rows = []
    for factor, block in report["factors"].items():
        rows.append(Row(factor.replace("_", " ").capitalize(), section=True))
        for level, counts in block["levels"].items():
            rows.append(Row(str(level), _cells(counts[INTERVENTION], counts[CONTROL], counts["imbalance"])))
        rows.append(Row(f"Total imbalance ({factor.replace('_', ' ')})", _cells("", "", block["total_imbalance"])))
    rows.append(Row("Practices per arm", _cells(report["arms"][INTERVENTION], report["arms"][CONTROL],
                                               report["arm_imbalance"])))
    return Table("balance", "Balance of the minimisation factors (practices randomised)", [],
                 ["Intervention", "Control", "Imbalance"], rows,
                 ["Practices allocated to each arm at each level of each minimisation factor; imbalance is the "
                  "difference between the arms."], row_header="Factor level")


def write_allocation_log(data: TrialData, path: Path, *, with_seed: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        factors = list(data.trial.factors)
        writer.writerow(["sequence", "practice_code", *factors, "arm", "method", "preferred", "total_intervention",
                         "total_control", "p_intervention", "p_control", "draw", "allocated_by", "allocated_at",
                         "recorded_at", *(["seed"] if with_seed else [])])
        for log in data.logs:
            writer.writerow([log.sequence + 1, log.practice_code, *[log.levels.get(f, "") for f in factors], log.arm,
                             log.method, log.preferred, log.totals.get(INTERVENTION, ""), log.totals.get(CONTROL, ""),
                             f"{log.probabilities.get(INTERVENTION, 0):.2f}",
                             f"{log.probabilities.get(CONTROL, 0):.2f}", f"{log.draw:.6f}", log.allocated_by_username,
                             log.allocated_at.isoformat(), log.recorded_at.isoformat(),
                             *([log.seed] if with_seed else [])])


def write_platform_report(data: TrialData, out_dir: str | Path, *, blinded: bool, pdf: bool = True,
                          options: AnalysisOptions | None = None) -> tuple[dict[str, Path], dict[str, Any]]:
    """Write the report; returns the files written (label -> path) and a summary (counts, what was left out)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ds = data.dataset()
    records = data.consort_records()
    own = [recruitment_table(data, records), completeness_table(data), balance_table(data)]
    summary: dict[str, Any] = {"blinded": blinded, "randomised": data.randomised_counts(), "analysis": None}
    tables = list(own)
    analysis = None
    if not blinded and ds is not None:
        try:
            analysis = analyse(ds, data.primary, options or AnalysisOptions(), sensitivity=True,
                               safety_events=data.safety_events())
            tables = [*build_tables(ds, analysis), *own]
            summary["analysis"] = {"n": analysis["n"], "fully_adjusted": analysis["fully_adjusted"]}
        except DatasetError as exc:
            summary["analysis_error"] = str(exc)
    if blinded:
        own[0].notes.insert(0, BLINDED_NOTE)
    elif summary.get("analysis_error"):
        own[0].notes.insert(0, f"The analysis could not be run: {summary['analysis_error']}")
    diagram = consort_mod.consort_diagram(ds, data.primary, records) if ds is not None else None
    svg = consort_mod.render_svg(diagram) if diagram else "<p>No practice has been randomised yet.</p>"
    title = f"{'Blinded trial report' if blinded else 'Trial report'}: {data.trial.name}"
    source = f"the platform's records for {data.trial.name}"
    if data.trial.registration:
        source += f" ({data.trial.registration})"
    files: dict[str, Path] = {"html": out / "report.html"}
    files["html"].write_text(report_html(tables, svg, title, source), encoding="utf-8")
    for t in tables:
        files[t.key] = out / f"{t.key}.csv"
        table_csv(t, files[t.key])
    if diagram is not None:
        files["consort"] = out / "consort.svg"
        files["consort"].write_text(svg, encoding="utf-8")
    files["allocation_log"] = out / "allocation_log.csv"
    write_allocation_log(data, files["allocation_log"], with_seed=not blinded)
    if analysis is not None:
        files["analysis"] = out / "analysis.json"
        files["analysis"].write_text(json.dumps(analysis, indent=2) + "\n", encoding="utf-8")
    if pdf and diagram is not None:
        from partners.trial.reports.pdf import write_pdf

        files["pdf"] = out / "report.pdf"
        write_pdf(files["pdf"], tables, diagram, title)
    summary["rows"] = len(ds) if ds is not None else 0
    return files, summary


EXTRACT_README = """Pseudonymised research extract: {trial}
Produced {at} from the PARTNERS platform's records.

One row per randomised participant who has research consent (data-formats.md section 4). participant_id and
practice_id are keyed pseudonyms (HMAC-SHA256 with the platform's pseudonymisation key): the same participant has
the same pseudonym in every extract made with that key, and nobody without the key can reverse or recompute them.
Direct identifiers are not included. See trial_extract_dictionary.csv for every variable.
{blinded}
Files: trial_extract.csv, trial_extract.dta (Stata), trial_extract_dictionary.csv.
"""


def write_platform_extract(data: TrialData, out_dir: str | Path, *, blinded: bool) -> tuple[dict[str, Path], int]:
    """Write the pseudonymised extract (CSV, Stata .dta, data dictionary, README); returns files and row count.
    Raises ``partners.trial.reports.extract.ExtractError`` when there is nobody to extract."""
    rows = data.rows(pseudonymise=False, blinded=blinded)
    paths = write_extract(rows, out_dir, pseudonym_key(), name="trial_extract",
                          labels={"arm": "Allocated arm (" + ", ".join(ARM_LABELS.values()) + ")",
                                  "age": "Age at screening (years)", "sex": "Sex",
                                  "ethnic_group": "Ethnic group (NHS ethnic category, grouped)"})
    files = dict(paths)
    files["readme"] = Path(out_dir) / "README.txt"
    note = ("\nBLINDED: produced before the trial was unblinded, so only what was measured before randomisation is "
            "included (no arm, follow-up scores, follow-up period, Care Partner contacts or availability).\n"
            if blinded else "")
    files["readme"].write_text(EXTRACT_README.format(trial=data.trial.name, at=timezone.now().isoformat(),
                                                     blinded=note), encoding="utf-8")
    return files, len(rows)
