"""`partners reference load-imd FILE.csv` and `partners dashboard refresh`."""

from __future__ import annotations

import json

import pytest

from partners.cli import main
from partners.dashboards.models import FigureRefresh, ImdLookup


@pytest.fixture
def lookup(tmp_path):
    path = tmp_path / "imd.csv"
    path.write_text("\ufefflsoa_code,imd_decile,name\nE01000001,1,Somewhere\ne01000002, 10 ,Elsewhere\n\n")
    return path


def test_load_imd_loads_a_lookup_and_loading_it_again_changes_nothing(db, lookup, capsys):
    assert main(["reference", "load-imd", str(lookup), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["added"], first["changed"]) == (2, 0)
    assert dict(ImdLookup.objects.values_list("lsoa_code", "imd_decile")) == {"E01000001": 1, "E01000002": 10}
    assert main(["reference", "load-imd", str(lookup), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, 2)


def test_load_imd_with_replace_removes_lsoas_the_file_no_longer_lists(db, tmp_path, lookup, capsys):
    main(["reference", "load-imd", str(lookup)])
    capsys.readouterr()
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("lsoa_code,imd_decile\nE01000001,3\n")
    assert main(["reference", "load-imd", str(smaller), "--replace", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["changed"], result["removed"]) == (1, 1)
    assert dict(ImdLookup.objects.values_list("lsoa_code", "imd_decile")) == {"E01000001": 3}


@pytest.mark.parametrize(("content", "message"), [
    ("lsoa,decile\nE01000001,1\n", "missing column(s) lsoa_code, imd_decile"),
    ("lsoa_code,imd_decile\nE01000001,11\n", "row 2, column imd_decile: '11' is not a whole number from 1 to 10"),
    ("lsoa_code,imd_decile\nE01000001,one\n", "row 2, column imd_decile: 'one'"),
    ("lsoa_code,imd_decile\nE01000001,1\nnot-an-lsoa,2\n", "row 3, column lsoa_code: 'NOT-AN-LSOA'"),
    ("lsoa_code,imd_decile\nE01000001,1\nE01000001,2\n", "row 3, column lsoa_code: 'E01000001' appears twice"),
    ("", "the file is empty"),
])
def test_a_bad_lookup_is_refused_whole_naming_the_file_row_column_and_value(db, tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["reference", "load-imd", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and message in err
    assert not ImdLookup.objects.exists()


def test_a_missing_file_is_an_error_not_a_traceback(db, tmp_path, capsys):
    assert main(["reference", "load-imd", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_dashboard_refresh_reports_what_it_counted(world, capsys):
    assert main(["dashboard", "refresh", "--as-of", "2026-03-31", "--months", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["as_of"] == "2026-03-31" and out["months"] == 3 and out["areas"] == 5  # A, B, PCN, ICS, England
    assert FigureRefresh.objects.get().as_of.isoformat() == "2026-03-31"


@pytest.mark.parametrize("args", [["--as-of", "31/03/2026"], ["--months", "0"]])
def test_dashboard_refresh_refuses_bad_arguments(db, capsys, args):
    assert main(["dashboard", "refresh", *args]) == 2
    assert "error:" in capsys.readouterr().err
