import pytest

from partners.trial.reports.tables import table1, table2, table3
from partners.trial.stats.analysis import AnalysisOptions, analyse
from partners.trial.stats.synthetic import synthetic_dataset


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(31)


@pytest.fixture(scope="module")
def analysis(ds):
    return analyse(ds, "mansa", AnalysisOptions(imputations=5), sensitivity=True)


def _row(table, label):
    return next(r for r in table.rows if r.label == label)


def test_table1_counts_practices_for_cluster_characteristics_and_people_for_the_rest(ds):
    t = table1(ds)
    n_int = len(ds.practices("intervention"))
    region_rows = [r for r in t.rows if not r.section][:4]
    assert sum(int(r.cells[0][0].split("/")[0]) for r in region_rows if "/" in r.cells[0][0]) == n_int
    assert t.columns[2].startswith(f"Overall ({len(ds.practices())} practices; N = {len(ds)})")
    female = _row(t, "Female").cells[2][0]
    n_female = sum(1 for g in ds.extra["gender"] if g == "female")
    assert female.startswith(f"{n_female}/{len(ds)} (")
    age = _row(t, "Age").cells[2][0]
    assert "(" in age and "[" in age and "\u2013" in age


def test_table2_has_the_primary_analysis_and_every_sensitivity_analysis(analysis):
    t = table2(analysis)
    labels = [r.label for r in t.rows]
    for expected in ("Primary analysis: mITT", "Sensitivity analysis: per protocol \u2013 follow-up window",
                     "Sensitivity analysis: per protocol \u2013 care partner availability",
                     "Sensitivity analysis: ITT \u2013 multiple imputation",
                     "CACE(i): minimum of six sessions of at least 10 min",
                     "CACE(ii): minimum of four sessions with goals discussed"):
        assert expected in labels
    primary = _row(t, "Primary analysis: mITT")
    n_int = analysis["descriptives"]["intervention"]["baseline"]["n"]
    assert primary.cells[0][0] == f"n = {n_int}"
    effect = analysis["fully_adjusted"]
    assert primary.cells[7][2] == f"P = {effect['p']:.3f}"
    assert any(label.startswith("Subgroup interaction") for label in labels)
    assert any("period" in label.lower() for label in labels)


def test_table3_has_each_secondary_outcome_and_marks_those_without_inference(analysis):
    t = table3(analysis)
    names = [r.label for r in t.rows]
    assert "WEMWBS" in names and "Brief INSPIRE" in names
    inspire = _row(t, "Brief INSPIRE")
    assert inspire.cells[6] == ["Not applicable^d"]
    assert inspire.cells[0][1].startswith("Median:")
    wemwbs = _row(t, "WEMWBS")
    assert wemwbs.cells[8][0] != "\u2013"  # crude ICC present
    assert any(n.startswith("d. Planned inferential analyses not undertaken") for n in t.notes)


def test_the_safety_table_appears_only_with_safety_events(ds, analysis):
    from datetime import date

    from partners.trial.reports.tables import safety_table
    from partners.trial.stats.safety import SafetyEvent

    assert safety_table(analysis) is None
    pid = ds.participant_id[ds.arm.index("intervention")]
    events = [SafetyEvent(pid, "psychiatric_admission", date(2020, 5, 1), 12, date(2020, 1, 1))]
    with_safety = analyse(ds, "mansa", secondary=False, subgroups=False, safety_events=events)
    t = safety_table(with_safety)
    assert t is not None
    admissions = t.rows[0]
    assert admissions.cells[0] == ["1 (1)"] and admissions.cells[1] == ["0 (0)"] and admissions.cells[2] == ["1 (1)"]
    assert t.rows[1].cells[0] == ["12"]
