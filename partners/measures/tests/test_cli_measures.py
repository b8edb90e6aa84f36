"""`partners measures ...` through partners.cli.main, with stdin, as a user or a checker calls it."""

from __future__ import annotations

import io
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partners.cli import main
from partners.measures.engine.valuesets import crosswalk_path


def run(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def score_cli(monkeypatch, capsys, instrument: str, responses, *extra: str) -> dict:
    code, out, err = run(monkeypatch, capsys, ["measures", "score", instrument, *extra],
                         json.dumps({"responses": responses}))
    assert code == 0, err
    return json.loads(out)


CONTRACT_KEYS = {"instrument", "score", "scores", "missing", "prorated", "value_set"}


@pytest.mark.parametrize(("instrument", "responses", "expected_score", "expected_scores"), [
    ("mansa", [4, 5, 6, 3, 4, 5, 6, 7, 2, None, 4, 5, True, False, None, False], 51 / 11,
     {"objective": [True, False, None, False]}),
    ("wemwbs", [3, 4, 2, 5, 3, 4, 3, 2, 4, 3, 5, 4, 3, 2], 47, {}),
    ("swemwbs", [3, 3, 3, 3, 3, 3, 3], 19.25, {"raw": 21}),
    ("qpr15", [2, 3, 1, 4, 0, 2, 3, 3, 2, 1, 4, 2, 3, 2, 1], 33, {}),
    ("eq-5d-5l", [2, 2, 2, 2, 2, 64], 0.784, {"profile": "22222", "vas": 64}),
    ("brief-inspire", [3, 2, 4, 1, 3], 65.0, {}),
    ("tus", [12.5, 3, 0, 20, 4, 7, 2.25], 48.75, {"constructive_economic": 24.75}),
    ("phq9", [2, 1, 3, 2, 1, 0, 2, 1, 0], 12, {"severity": "moderate"}),
    ("gad7", [3, 3, 2, 3, 2, 2, 1], 16, {"severity": "severe"}),
])
def test_scoring_prints_the_contract_json(monkeypatch, capsys, instrument, responses, expected_score,
                                          expected_scores):
    result = score_cli(monkeypatch, capsys, instrument, responses)
    assert set(result) >= CONTRACT_KEYS
    assert result["instrument"] == instrument
    assert result["score"] == pytest.approx(expected_score, abs=5e-4)
    for key, value in expected_scores.items():
        assert result["scores"][key] == value
    assert result["version"] and result["rule"]


def test_eq5d_value_set_is_chosen_on_the_command_line(monkeypatch, capsys):
    result = score_cli(monkeypatch, capsys, "eq-5d-5l", [2, 3, 2, 4, 5], "--value-set", "england-2018")
    assert result["score"] == 0.247 and result["value_set"] == "england-2018"
    assert result["scores"] == {"profile": "23245", "vas": None}


def test_missing_items_are_counted_and_a_missing_rule_can_leave_no_score(monkeypatch, capsys):
    result = score_cli(monkeypatch, capsys, "wemwbs", [3] * 12 + [None, None])
    assert result["score"] is None and result["missing"] == 2 and result["prorated"] is False
    assert result["missing_items"] == [13, 14] and "missing" in result["no_score_reason"]


def test_prorating_options_on_the_command_line(monkeypatch, capsys):
    result = score_cli(monkeypatch, capsys, "wemwbs", [3] * 12 + [None, 5], "--prorate")
    assert result["score"] == pytest.approx(41 / 13 * 14) and result["prorated"] is True
    result = score_cli(monkeypatch, capsys, "qpr15", [2] * 14 + [None], "--prorate-max-missing", "1")
    assert result["score"] == pytest.approx(30) and result["prorated"] is True


def test_tus_outlier_option_on_the_command_line(monkeypatch, capsys):
    result = score_cli(monkeypatch, capsys, "tus", [80, 10, 10, 30, 10, 20, 20], "--outlier-max-hours", "140")
    assert result["score"] == 180 and result["scores"]["outlier"] is True and "tus-outlier" in result["flags"]


def test_goal_based_outcomes_with_a_baseline_on_stdin(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, ["measures", "score", "gbo"],
                         json.dumps({"responses": [6, None, 8], "baseline": [2, 3, 5]}))
    assert code == 0, err
    result = json.loads(out)
    assert result["score"] == 7 and result["scores"]["change"] == [4, None, 3]
    assert result["scores"]["mean_change"] == 3.5


def test_score_output_is_json_with_or_without_the_json_flag(monkeypatch, capsys):
    plain = score_cli(monkeypatch, capsys, "phq9", [0] * 9)
    flagged = score_cli(monkeypatch, capsys, "phq9", [0] * 9, "--json")
    assert plain == flagged


# --- every bad input exits 2 with a message on stderr, never a traceback ---------------------------------

@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["measures", "score", "mansa"], "{not json", "not valid JSON"),
    (["measures", "score", "mansa"], "", "nothing was read"),
    (["measures", "score", "mansa"], "   \n", "nothing was read"),
    (["measures", "score", "mansa"], '{"answers": [1]}', 'no "responses" key (keys found: answers)'),
    (["measures", "score", "mansa"], "[1, 2]", "found a JSON array"),
    (["measures", "score", "mansa"], '"hello"', "found a JSON string"),
    (["measures", "score", "mansa"], "null", "found a JSON null"),
    (["measures", "score", "phq9"], '{"responses": "1,2,3"}', "responses must be a list"),
    (["measures", "score", "phq9"], '{"responses": [0,0,0,0,0,0,0,0,NaN]}', "NaN is not a number JSON allows"),
    (["measures", "score", "tus"], '{"responses": [1,1,1,1,1,1,Infinity]}', "Infinity is not a number"),
    (["measures", "score", "tus"], '{"responses": [1,1,1,1,1,1,1e400]}', "too large"),
    (["measures", "score", "phq9"], '{"responses": [0,0,0,0,0,0,0,0,4]}',
     "phq9 item 9 (thoughts of being better off dead or self-harm): 4 is not allowed"),
    (["measures", "score", "phq9"], '{"responses": [0,0,0,0,0,0,0,0]}', "phq9: expected 9 responses"),
    (["measures", "score", "wemwbs"], '{"responses": [true,3,3,3,3,3,3,3,3,3,3,3,3,3]}',
     "item 1 (optimistic): true is not allowed"),
    (["measures", "score", "mansa"], json.dumps({"responses": [4] * 12 + [1, 0, 0, 0]}),
     "item 13 (has a close friend): 1 is not allowed"),
    (["measures", "score", "eq-5d-5l"], '{"responses": [1,1,1,1,1,"80"]}', 'item 6 (health today (VAS)): "80"'),
    (["measures", "score", "hads"], '{"responses": [1]}', 'unknown instrument "hads"'),
    (["measures", "score", "eq-5d-5l", "--value-set", "us-2020"], '{"responses": [1,1,1,1,1]}',
     "unknown value set 'us-2020'"),
    (["measures", "score", "wemwbs", "--value-set", "uk-2026"], '{"responses": [3]}', "wemwbs has no value sets"),
    (["measures", "score", "phq9", "--prorate"], json.dumps({"responses": [1] * 9}), "unknown option prorate"),
    (["measures", "score", "phq9"], json.dumps({"responses": [1] * 9, "options": [1]}), '"options" must be'),
    (["measures", "score", "phq9", "--prorate-max-missing", "two"], "{}", "invalid int value"),
    (["measures", "score"], "{}", "the following arguments are required: INSTRUMENT"),
    (["measures"], "", "required: SUBCOMMAND"),
    (["measures", "install-tariff", "icecap-a", "/nonexistent/tariff.csv"], "", "no such file"),
])
def test_bad_input_exits_2_with_a_message(monkeypatch, capsys, argv, stdin, message):
    code, out, err = run(monkeypatch, capsys, argv, stdin)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_non_utf8_stdin_is_refused(monkeypatch, capsys):
    stream = io.TextIOWrapper(io.BytesIO(b'{"responses": [\xff]}'), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    assert main(["measures", "score", "phq9"]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_icecap_a_without_a_tariff_exits_2_saying_it_is_not_configured(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERS_ICECAP_A_TARIFF", raising=False)
    code, _out, err = run(monkeypatch, capsys, ["measures", "score", "icecap-a"], '{"responses": [4,4,4,4,4]}')
    assert code == 2 and "ICECAP-A tariff is not configured" in err and "install-tariff" in err


def test_the_crosswalk_missing_exits_2_saying_how_to_get_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    code, _out, err = run(monkeypatch, capsys, ["measures", "score", "eq-5d-5l", "--value-set", "vanhout-crosswalk"],
                         '{"responses": [1,1,1,1,2]}')
    assert code == 2 and "is not installed" in err and "partners measures install-crosswalk" in err


@pytest.mark.skipif(not crosswalk_path().exists(), reason="the van Hout crosswalk is not installed here")
def test_the_crosswalk_through_the_command_line(monkeypatch, capsys):
    result = score_cli(monkeypatch, capsys, "eq-5d-5l", [5, 5, 5, 5, 5], "--value-set", "vanhout-crosswalk")
    assert result["score"] == -0.594 and result["value_set"] == "vanhout-crosswalk"


# --- install-tariff ---------------------------------------------------------------------------------------

SYNTHETIC_TARIFF = """# made-up values to test the file format; NOT the Flynn 2015 tariff
# source: synthetic test values
attribute,level,value
stability,1,0
stability,2,0.1
stability,3,0.15
stability,4,0.2
attachment,1,0
attachment,2,0.1
attachment,3,0.2
attachment,4,0.24
autonomy,1,0
autonomy,2,0.1
autonomy,3,0.15
autonomy,4,0.18
achievement,1,0
achievement,2,0.1
achievement,3,0.15
achievement,4,0.18
enjoyment,1,0
enjoyment,2,0.1
enjoyment,3,0.15
enjoyment,4,0.2
"""


def test_an_installed_tariff_is_used_for_icecap_a(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("PARTNERS_ICECAP_A_TARIFF", raising=False)
    source = tmp_path / "tariff.csv"
    source.write_text(SYNTHETIC_TARIFF)
    code, _out, err = run(monkeypatch, capsys, ["measures", "install-tariff", "icecap-a", str(source)])
    assert code == 0, err
    assert (tmp_path / "var" / "measures" / "icecap-a-tariff.csv").read_text() == SYNTHETIC_TARIFF
    assert score_cli(monkeypatch, capsys, "icecap-a", [4, 4, 4, 4, 4])["score"] == pytest.approx(1)
    result = score_cli(monkeypatch, capsys, "icecap-a", [1, 1, 1, 1, 1])
    assert result["score"] == pytest.approx(0) and result["value_set"] == "flynn-2015-uk"


def test_a_bad_tariff_is_not_installed(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path / "var"))
    source = tmp_path / "tariff.csv"
    source.write_text(SYNTHETIC_TARIFF.replace("enjoyment,4,0.2", "enjoyment,4,0.5"))
    code, _out, err = run(monkeypatch, capsys, ["measures", "install-tariff", "icecap-a", str(source)])
    assert code == 2 and "44444 must score 1" in err
    assert not (tmp_path / "var" / "measures" / "icecap-a-tariff.csv").exists()


# --- install-crosswalk ------------------------------------------------------------------------------------

def test_install_crosswalk_if_missing_does_nothing_when_installed(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    (tmp_path / "measures").mkdir()
    (tmp_path / "measures" / "eq5d5l-vanhout-crosswalk-uk.csv").write_text("state,index\n")
    code, out, _err = run(monkeypatch, capsys, ["measures", "install-crosswalk", "--if-missing"])
    assert code == 0 and "already installed" in out


def test_install_crosswalk_from_a_bad_file_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    bogus = tmp_path / "eq5d_0.16.0.tar.gz"
    bogus.write_bytes(b"nope")
    code, _out, err = run(monkeypatch, capsys, ["measures", "install-crosswalk", "--from", str(bogus)])
    assert code == 2 and "not a readable .tar.gz" in err


# --- list -------------------------------------------------------------------------------------------------

def test_list_json_gives_every_instrument_with_its_item_order(monkeypatch, capsys):
    code, out, _err = run(monkeypatch, capsys, ["measures", "list", "--json"])
    assert code == 0
    listing = json.loads(out)["instruments"]
    by_code = {i["code"]: i for i in listing}
    assert list(by_code)[:10] == ["mansa", "wemwbs", "swemwbs", "qpr15", "icecap-a", "eq-5d-5l", "brief-inspire",
                                  "tus", "phq9", "gad7"]
    assert [item["label"] for item in by_code["eq-5d-5l"]["items"]][:2] == ["mobility", "self-care"]
    assert by_code["eq-5d-5l"]["value_sets"] == ["uk-2026", "england-2018", "vanhout-crosswalk"]
    assert by_code["mansa"]["items"][12]["kind"] == "boolean"
    assert all(i["licence"] for i in listing)


def test_list_as_text_names_the_items_in_order(monkeypatch, capsys):
    code, out, _err = run(monkeypatch, capsys, ["measures", "list"])
    assert code == 0
    swemwbs = out.split("swemwbs:")[1].split("\n\n")[0]
    assert swemwbs.index("1. optimistic") < swemwbs.index("7. make up my own mind")
    assert "licence:" in out


# --- whatever arrives on stdin, the answer is a score (0) or a message (2), never a crash (1) ---------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 200) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["mansa", "wemwbs", "swemwbs", "qpr15", "icecap-a", "eq-5d-5l", "brief-inspire", "tus",
                        "phq9", "gad7", "gbo"]),
       st.one_of(json_values, st.lists(json_values, max_size=17)))
def test_any_json_on_stdin_gives_exit_0_or_2_never_a_crash(instrument, responses):
    stdout, stderr = io.StringIO(), io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(json.dumps({"responses": responses})), stdout, stderr
    try:
        code = main(["measures", "score", instrument])
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    assert code in (0, 2), stderr.getvalue()
    if code == 0:
        assert set(json.loads(stdout.getvalue())) >= {"instrument", "score", "scores", "missing", "prorated"}
    else:
        assert stderr.getvalue().startswith("error: ") and stdout.getvalue() == ""
