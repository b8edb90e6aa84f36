import csv
import json
from pathlib import Path

import pytest

from partners.casefinding import synth
from partners.casefinding.core.gaprule import OUTPUT_COLUMNS
from partners.cli import main

pytestmark = pytest.mark.slow  # each run trains a splink model (a few seconds)


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("extracts")
    return synth.write(synth.generate(1500, seed=21), folder)


def run(*args: str) -> int:
    return main(["casefind", *args])


def test_the_output_has_the_spec_columns_one_row_per_register_row_in_register_order(extracts, tmp_path, capsys):
    out = tmp_path / "out.csv"
    code = run("--register", str(extracts["register"]), "--secondary", str(extracts["secondary"]),
               "--as-of", "2026-04-01", "--out", str(out), "--json")
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    with open(out, newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(extracts["register"], newline="") as handle:
        register = list(csv.DictReader(handle))
    assert list(rows[0].keys()) == list(OUTPUT_COLUMNS)
    assert len(rows) == len(register) == summary["register_rows"]
    # Register order: each output row carries its own register row's practice (and NHS number when valid).
    assert [r["practice_ods"] for r in rows] == [r["practice_ods"] for r in register]
    assert {r["status"] for r in rows} <= {"under_18", "in_remission", "secondary_care", "limited_secondary",
                                          "discharged", "primary_care_only"}
    assert {r["needs_review"] for r in rows} <= {"true", "false"}
    assert all(r["match_probability"] == "" for r in rows if r["match_method"] == "none")
    assert sum(summary["statuses"].values()) == len(rows)
    assert set(summary) >= {"statuses", "match_methods", "review_queue", "seconds"}


def test_the_same_input_gives_the_same_output(extracts, tmp_path, capsys):
    outs = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for out in outs:
        assert run("--register", str(extracts["register"]), "--secondary", str(extracts["secondary"]),
                   "--as-of", "2026-04-01", "--out", str(out)) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert "Review queue" in capsys.readouterr().out


def test_a_bad_file_exits_2_names_each_bad_row_and_writes_nothing(extracts, tmp_path, capsys):
    lines = extracts["secondary"].read_text().splitlines()
    lines[5] = lines[5].replace(lines[5].split(",")[8], '"2024-02-31"', 1)  # an impossible referral date
    lines.append(lines[3])  # a duplicate row
    bad = tmp_path / "secondary.csv"
    bad.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    report = tmp_path / "report.csv"
    code = run("--register", str(extracts["register"]), "--secondary", str(bad), "--as-of", "2026-04-01",
               "--out", str(out), "--report", str(report))
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert "row 6, column 'referral_date', value '2024-02-31'" in err
    assert f"row {len(lines)}" in err and "duplicate of row 4" in err
    assert "referral_date" in report.read_text()


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--as-of", "01/04/2026", "--as-of"),
    ("--threshold", "0.3", "--threshold"),
])
def test_bad_arguments_exit_2_with_the_reason(extracts, tmp_path, capsys, flag, value, message):
    args = {"--as-of": "2026-04-01", "--threshold": "0.9"}
    args[flag] = value
    code = run("--register", str(extracts["register"]), "--secondary", str(extracts["secondary"]),
               "--out", str(tmp_path / "o.csv"), "--as-of", args["--as-of"], "--threshold", args["--threshold"])
    assert code == 2 and message in capsys.readouterr().err


def test_a_missing_file_is_named(tmp_path, capsys):
    code = run("--register", str(tmp_path / "nope.csv"), "--secondary", str(tmp_path / "nope2.csv"),
               "--as-of", "2026-04-01", "--out", str(tmp_path / "o.csv"))
    assert code == 2 and "nope.csv" in capsys.readouterr().err
