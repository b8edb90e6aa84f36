import json
import xml.etree.ElementTree as ET  # parsing our own SVG output

import pytest

from partners.trial.reports.consort import consort_counts, consort_diagram, read_recruitment, render_svg
from partners.trial.stats.dataset import DatasetError
from partners.trial.stats.synthetic import synthetic_dataset

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def ds():
    return synthetic_dataset(41)


def test_allocation_follow_up_and_analysis_counts_come_from_the_dataset(ds):
    import numpy as np

    c = consort_counts(ds, "mansa")
    arm = c["arms"]["intervention"]
    sel = ds.intervention
    assert arm["allocated"]["participants"] == int(sel.sum())
    assert arm["followed_up"]["participants"] == int((sel & ~np.isnan(ds.followup["mansa"])).sum())
    assert arm["analysed"]["participants"] == int(
        (sel & ~np.isnan(ds.followup["mansa"]) & ~np.isnan(ds.baseline["mansa"])).sum())
    assert c["practices"] == len(ds.practices())


def test_the_svg_is_accessible_and_carries_every_number(ds):
    svg = render_svg(consort_diagram(ds, "mansa"))
    root = ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "consort-title consort-desc"
    title = root.find(f"{SVG}title")
    desc_element = root.find(f"{SVG}desc")
    assert title is not None and desc_element is not None
    assert title.text == "CONSORT flow diagram"
    desc = desc_element.text or ""
    c = consort_counts(ds, "mansa")
    assert f"{c['practices']} general practices randomised" in desc
    texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert f"{c['arms']['control']['analysed']['participants']} participants included" in texts
    sizes = [float(t.get("font-size") or root.get("font-size") or 0) for t in root.iter(f"{SVG}text")]
    assert min(sizes) >= 13


def test_recruitment_records_fill_the_enrolment_boxes_with_reasons(ds, tmp_path):
    path = tmp_path / "recruitment.json"
    path.write_text(json.dumps({
        "practices": {"approached": 151, "excluded": {"No response": 38}, "recruited": 59},
        "patients": {"screened": 2465, "eligible": 1427, "consented": 208, "baseline": 200,
                     "excluded_before_randomisation": {"Withdrew": 4}},
        "follow_up": {"control": {"lost": {"Withdrew": 9}}},
    }))
    svg = render_svg(consort_diagram(ds, "mansa", read_recruitment(path)))
    for text in ("151 general practices approached", "38 No response", "2465 patients screened, 1427 eligible",
                 "9 Withdrew"):
        assert text in svg


def test_recruitment_records_as_csv_are_equivalent(tmp_path):
    path = tmp_path / "recruitment.csv"
    path.write_text("stage,arm,reason,count\npractices_approached,,,151\npractices_excluded,,No response,38\n"
                    "lost_to_follow_up,control,Withdrew,9\n")
    data = read_recruitment(path)
    assert data == {"practices": {"approached": 151, "excluded": {"No response": 38}},
                    "follow_up": {"control": {"lost": {"Withdrew": 9}}}}


def test_bad_recruitment_records_are_refused_with_where_and_what(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"practices": {"approached": -1, "visited": 3}, "elsewhere": {}}))
    with pytest.raises(DatasetError) as exc:
        read_recruitment(path)
    text = str(exc.value)
    assert "practices.approached: -1 is not a non-negative whole number" in text
    assert "practices.visited: unknown key" in text and "elsewhere: unknown section" in text
