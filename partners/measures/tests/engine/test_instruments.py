"""The instrument definitions match shared/spec/measures.md and carry what the product must show."""

from __future__ import annotations

import json

import pytest

from partners.measures.engine import INSTRUMENTS, ScoringError, get_instrument, list_instruments

CONTRACT_CODES = ["mansa", "wemwbs", "swemwbs", "qpr15", "icecap-a", "eq-5d-5l", "brief-inspire", "tus", "phq9",
                  "gad7"]


def test_every_instrument_of_the_contract_is_defined_plus_goal_based_outcomes():
    assert [i.code for i in list_instruments()] == [*CONTRACT_CODES, "gbo", "dialog-life", "dialog-care"]


@pytest.mark.parametrize(("code", "count"), [
    ("mansa", 16), ("wemwbs", 14), ("swemwbs", 7), ("qpr15", 15), ("icecap-a", 5), ("eq-5d-5l", 6),
    ("brief-inspire", 5), ("tus", 8), ("phq9", 9), ("gad7", 7),
])
def test_item_counts_follow_the_spec(code, count):
    instrument = get_instrument(code)
    assert len(instrument.items) == count
    assert [item.number for item in instrument.items] == list(range(1, count + 1))
    assert len({item.code for item in instrument.items}) == count


def test_item_order_follows_the_spec_where_it_names_the_items():
    def labels(code):
        return [item.label for item in get_instrument(code).items]

    assert labels("mansa")[:3] == ["life as a whole", "work/occupation", "finances"]
    assert labels("mansa")[11:] == ["mental health", "has a close friend", "saw a friend in the past week",
                                    "accused of a crime in the past year", "victim of violence in the past year"]
    assert labels("eq-5d-5l")[:5] == ["mobility", "self-care", "usual activities", "pain/discomfort",
                                      "anxiety/depression"]
    assert [item.code for item in get_instrument("icecap-a").items] == ["stability", "attachment", "autonomy",
                                                                        "achievement", "enjoyment"]
    assert labels("tus") == ["paid work", "voluntary work", "education", "leisure", "sport", "housework/chores",
                             "childcare", "other"]


def test_swemwbs_items_are_wemwbs_items_1_2_3_6_7_9_11_in_that_order():
    wemwbs = [item.code for item in get_instrument("wemwbs").items]
    swemwbs = [item.code for item in get_instrument("swemwbs").items]
    assert swemwbs == [wemwbs[n - 1] for n in (1, 2, 3, 6, 7, 9, 11)]


def test_response_kinds_follow_the_spec():
    def kinds(code):
        return {(item.kind, item.minimum, item.maximum) for item in get_instrument(code).items}

    assert kinds("mansa") == {("integer", 1, 7), ("boolean", None, None)}
    assert kinds("wemwbs") == {("integer", 1, 5)}
    assert kinds("qpr15") == {("integer", 0, 4)}
    assert kinds("icecap-a") == {("integer", 1, 4)}
    assert kinds("eq-5d-5l") == {("integer", 1, 5), ("integer", 0, 100)}
    assert kinds("brief-inspire") == {("integer", 0, 4)}
    assert kinds("tus") == {("hours", 0, None)}
    assert kinds("phq9") == kinds("gad7") == {("integer", 0, 3)}


@pytest.mark.parametrize("code", list(INSTRUMENTS))
def test_every_instrument_carries_a_version_rule_licence_note_and_reference(code):
    instrument = get_instrument(code)
    assert instrument.version and instrument.rule and instrument.missing_rule
    assert instrument.licence.strip() and instrument.reference.strip()
    json.dumps(instrument.as_dict())  # the list command and the API can serialise it


def test_licence_notes_say_what_measures_md_says():
    assert "EuroQol" in get_instrument("eq-5d-5l").licence and "fees" in get_instrument("eq-5d-5l").licence
    assert "registration" in get_instrument("wemwbs").licence and "registration" in get_instrument("swemwbs").licence
    assert "free" in get_instrument("qpr15").licence
    assert "non-commercial" in get_instrument("mansa").licence
    assert "registration" in get_instrument("icecap-a").licence


def test_every_threshold_cites_a_source():
    thresholds = [t for i in list_instruments() for t in i.thresholds]
    assert thresholds, "PHQ-9, GAD-7, WEMWBS, SWEMWBS and MANSA carry published figures"
    assert all(t.source.strip() and t.value > 0 for t in thresholds)
    phq9 = {t.kind: t.value for t in get_instrument("phq9").thresholds}
    gad7 = {t.kind: t.value for t in get_instrument("gad7").thresholds}
    assert phq9["reliable_change"] == 6 and gad7["reliable_change"] == 4


def test_licensed_wording_is_loaded_into_a_copy_never_into_the_shipped_definition():
    wemwbs = get_instrument("wemwbs")
    texts = [f"licensed text {n}" for n in range(1, 15)]
    loaded = wemwbs.with_wording("en-GB", texts, "Warwick licence 1234")
    assert loaded.wording["en-GB"].items == tuple(texts)
    assert loaded.wording["en-GB"].licence_reference == "Warwick licence 1234"
    assert wemwbs.wording == {} and get_instrument("wemwbs").wording == {}
    assert loaded.as_dict()["wording_languages"] == ["en-GB"]


@pytest.mark.parametrize(("texts", "licence", "message"), [
    (["one"] * 13, "licence", "has 13 item texts; expected 14"),
    (["one"] * 13 + [""], "licence", "item 14"),
    (["one"] * 14, " ", "needs the licence reference"),
])
def test_wording_that_does_not_fit_the_items_is_refused(texts, licence, message):
    with pytest.raises(ScoringError, match=message):
        get_instrument("wemwbs").with_wording("en-GB", texts, licence)


def test_dialog_life_and_care_are_means_of_their_1_to_7_ratings():
    from partners.measures.engine import score

    assert score("dialog-life", [1, 2, 3, 4, 5, 6, 7, 4]).score == 4
    assert score("dialog-care", [7, 6, 5]).score == 6
    prorated = score("dialog-life", [4, 4, 4, 4, 4, 4, None, None])
    assert prorated.score == 4 and prorated.prorated
    assert score("dialog-life", [4, 4, 4, 4, 4, None, None, None]).score is None
    assert score("dialog-care", [7, None, None]).no_score_reason == (
        "2 of 3 items missing; at least 2 must be answered")
    with pytest.raises(ScoringError, match="dialog-care item 1 \\(medication\\): 8 is not allowed"):
        score("dialog-care", [8, 6, 5])
