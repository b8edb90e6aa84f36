"""`partners trial ...` through partners.cli.main."""

import json
from pathlib import Path

import pytest

from partners.cli import main
from partners.trial.stats.synthetic import synthetic_trial, write_csv


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory):
    return str(write_csv(synthetic_trial(5), tmp_path_factory.mktemp("trial") / "data.csv"))


def test_sample_size_reproduces_the_paper_as_json(capsys):
    code, out, _ = run(capsys, "trial", "sample-size", "--delta", "0.45", "--sd", "0.9", "--power", "0.9", "--icc",
                       "0.05", "--mean-cluster-size", "6", "--cv", "0.74", "--dropout", "0.2", "--cluster-dropout",
                       "0.1", "--json")
    assert code == 0
    result = json.loads(out)
    assert round(result["design_effect"], 5) == 1.41428
    assert round(result["analysable_participants"], 1) == 237.8
    assert (result["participants"], result["clusters"]) == (336, 56)


def test_sample_size_without_json_shows_the_working(capsys):
    code, out, _ = run(capsys, "trial", "sample-size", "--delta", "0.45", "--sd", "0.9", "--power", "0.8", "--icc",
                       "0.05", "--mean-cluster-size", "6", "--cv", "0.74", "--dropout", "0.3333333333",
                       "--baseline-correlation", "0.5")
    assert code == 0
    assert "133.2" in out and "204 participants in 34 clusters" in out and "design effect" in out


def test_an_impossible_input_exits_2_with_the_reason(capsys):
    code, out, err = run(capsys, "trial", "sample-size", "--delta", "0.45", "--sd", "0.9", "--power", "0.9",
                         "--icc", "2", "--mean-cluster-size", "6")
    assert code == 2 and out == ""
    assert "icc must be in [0, 1)" in err


def test_simulated_power_prints_the_contract_keys(capsys):
    code, out, err = run(capsys, "trial", "power", "--simulate", "800", "--clusters", "39", "--mean-cluster-size",
                         "5.1", "--cv", "0.74", "--delta", "0.45", "--sd", "0.9", "--icc", "0.05",
                         "--baseline-correlation", "0.5", "--seed", "3", "--json")
    assert code == 0
    result = json.loads(out)
    assert {"power", "mc_se", "analytic_power", "simulations"} <= set(result)
    assert result["simulations"] == 800 and result["seed"] == 3
    assert err == ""  # no progress bar when stderr is not a terminal
    again = json.loads(run(capsys, "trial", "power", "--simulate", "800", "--clusters", "39", "--mean-cluster-size",
                           "5.1", "--cv", "0.74", "--delta", "0.45", "--sd", "0.9", "--icc", "0.05",
                           "--baseline-correlation", "0.5", "--seed", "3", "--json")[1])
    assert again["power"] == result["power"]


def test_analytic_power_and_detectable_difference_are_inverse(capsys):
    _, out, _ = run(capsys, "trial", "detectable-difference", "--clusters", "40", "--mean-cluster-size", "5", "--sd",
                    "1", "--icc", "0.05", "--power", "0.8", "--json")
    delta = json.loads(out)["detectable_difference"]
    _, out, _ = run(capsys, "trial", "power", "--clusters", "40", "--mean-cluster-size", "5", "--delta", str(delta),
                    "--sd", "1", "--icc", "0.05", "--json")
    assert json.loads(out)["power"] == pytest.approx(0.8, abs=1e-9)


def test_minimise_allocates_every_practice_reproducibly(capsys, tmp_path):
    path = tmp_path / "practices.csv"
    path.write_text("practice_id,region,practice_size\n" + "".join(
        f"C{i},{'NSEW'[i % 4]},{'small' if i % 3 else 'large'}\n" for i in range(12)))
    argv = ["trial", "minimise", str(path), "--factors", "region,practice_size", "--seed", "7", "--json"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    result = json.loads(out)
    assert list(result["allocations"]) == [f"C{i}" for i in range(12)]
    assert set(result["allocations"].values()) <= {"intervention", "control"}
    assert result["balance"]["factors"]["region"]["levels"]["N"]["imbalance"] >= 0
    assert json.loads(run(capsys, *argv)[1])["allocations"] == result["allocations"]
    code, out, _ = run(capsys, *argv, "--simulate-runs", "20")
    assert json.loads(out)["imbalance_distribution"]["runs"] == 20


def test_minimise_names_a_missing_factor_column(capsys, tmp_path):
    path = tmp_path / "practices.csv"
    path.write_text("practice_id,region\nC1,N\n")
    code, _, err = run(capsys, "trial", "minimise", str(path), "--factors", "region,practice_size", "--json")
    assert code == 2 and "column 'practice_size' is missing" in err


def test_analyse_prints_the_contract_shape(capsys, data_csv):
    code, out, _ = run(capsys, "trial", "analyse", data_csv, "--outcome", "mansa", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result["n"]) == {"intervention", "control"}
    for key in ("partially_adjusted", "fully_adjusted"):
        assert {"effect", "se", "ci", "p", "icc"} <= set(result[key])
    assert isinstance(result["crude_icc"], float)
    assert "multiple_imputation" not in result


def test_analyse_with_sensitivity_adds_each_named_analysis(capsys, data_csv):
    code, out, _ = run(capsys, "trial", "analyse", data_csv, "--outcome", "mansa", "--sensitivity", "--imputations",
                       "5", "--no-secondary", "--no-subgroups", "--json")
    assert code == 0
    result = json.loads(out)
    for name in ("per_protocol_window", "per_protocol_availability", "multiple_imputation", "cace_sessions",
                 "cace_goals"):
        assert result[name]["fully_adjusted"]["effect"] is not None
    assert result["multiple_imputation"]["imputations"] == 5


def test_analyse_as_text_is_readable(capsys, data_csv):
    code, out, _ = run(capsys, "trial", "analyse", data_csv, "--outcome", "mansa", "--df", "satterthwaite")
    assert code == 0 and "Fully adjusted:" in out and "P = " in out


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("baseline_mansa", "baseline_other", 1), "unknown outcome 'mansa'"),
    (lambda t: t.replace(",control,", ",intervention,"), "no participant is allocated to the control arm"),
    (lambda t: t + "X1,C1,control" + ",1" * 60 + "\n", "values but the header has"),
])
def test_bad_datasets_exit_2_with_a_message(capsys, tmp_path, data_csv, edit, message):
    path = tmp_path / "bad.csv"
    path.write_text(edit(Path(data_csv).read_text()))
    code, out, err = run(capsys, "trial", "analyse", str(path), "--outcome", "mansa", "--json")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_non_numeric_outcome_names_row_column_and_value(capsys, tmp_path, data_csv):
    lines = Path(data_csv).read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("followup_mansa")
    cells = lines[3].split(",")
    cells[col] = "good"
    lines[3] = ",".join(cells)
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run(capsys, "trial", "analyse", str(path), "--outcome", "mansa")
    assert code == 2
    assert "row 4, column 'followup_mansa': 'good' is not a number" in err
    assert "Traceback" not in err


def test_a_single_practice_exits_2(capsys, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("participant_id,practice_id,arm,region,practice_size,baseline_mansa,followup_mansa\n"
                    "P1,C1,intervention,N,small,4,5\nP2,C1,intervention,N,small,3,4\n")
    code, _, err = run(capsys, "trial", "analyse", str(path), "--outcome", "mansa")
    assert code == 2 and "single practice 'C1'" in err


def test_example_data_writes_a_dataset_the_analysis_accepts(capsys, tmp_path):
    path = tmp_path / "example.csv"
    assert run(capsys, "trial", "example-data", "--out", str(path), "--seed", "2")[0] == 0
    assert run(capsys, "trial", "analyse", str(path), "--outcome", "mansa", "--json")[0] == 0


def test_the_progress_bar_draws_on_the_stream_it_is_given():
    import io

    from partners.cli.trial import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(100, stream)
    bar(50, 100)
    bar(100, 100)
    text = stream.getvalue()
    assert "50/100" in text and "100/100 simulated trials\n" in text and "#" * 30 in text
