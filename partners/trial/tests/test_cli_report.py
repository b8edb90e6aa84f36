"""`partners report ...` through partners.cli.main."""

import json

from partners.cli import main
from partners.trial.stats.synthetic import synthetic_trial, write_csv


def test_report_trial_writes_html_csv_svg_pdf_and_json(capsys, tmp_path):
    data = write_csv(synthetic_trial(61), tmp_path / "data.csv")
    rec = tmp_path / "recruitment.json"
    rec.write_text(json.dumps({"practices": {"approached": 80, "recruited": 45}}))
    out = tmp_path / "out"
    code = main(["report", "trial", str(data), "--out", str(out), "--recruitment", str(rec), "--imputations", "5"])
    assert code == 0
    for name in ("report.html", "table1.csv", "table2.csv", "table3.csv", "consort.svg", "report.pdf",
                 "analysis.json"):
        assert (out / name).stat().st_size > 0
    assert "80 general practices approached" in (out / "consort.svg").read_text()
    assert "report.pdf" in capsys.readouterr().out


def test_report_trial_refuses_bad_recruitment_records(capsys, tmp_path):
    data = write_csv(synthetic_trial(62), tmp_path / "data.csv")
    rec = tmp_path / "recruitment.json"
    rec.write_text("{not json")
    code = main(["report", "trial", str(data), "--out", str(tmp_path / "o"), "--recruitment", str(rec)])
    assert code == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_report_extract_needs_a_key_and_then_writes_the_extract(capsys, tmp_path, monkeypatch):
    data = write_csv(synthetic_trial(63), tmp_path / "data.csv")
    monkeypatch.delenv("PARTNERS_EXTRACT_KEY", raising=False)
    assert main(["report", "extract", str(data), "--out", str(tmp_path / "e")]) == 2
    assert "no key" in capsys.readouterr().err
    key = tmp_path / "key"
    key.write_bytes(b"k" * 32)
    assert main(["report", "extract", str(data), "--out", str(tmp_path / "e"), "--key-file", str(key)]) == 0
    assert (tmp_path / "e" / "trial_extract.dta").exists()
    key.write_bytes(b"short")
    assert main(["report", "extract", str(data), "--out", str(tmp_path / "e"), "--key-file", str(key)]) == 2
    assert "at least 16 bytes" in capsys.readouterr().err
