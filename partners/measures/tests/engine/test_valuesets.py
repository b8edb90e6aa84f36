"""EQ-5D-5L value sets and the ICECAP-A tariff file."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.measures.engine import NotConfiguredError, ScoringError, score
from partners.measures.engine.valuesets import (
    ALL_STATES,
    crosswalk_path,
    load_crosswalk,
    parse_crosswalk_csv,
    parse_icecap_tariff,
)


def levels(profile: str) -> list[int]:
    return [int(c) for c in profile]


@pytest.mark.parametrize(("value_set", "profile", "expected"), [
    ("england-2018", "11112", 0.922),
    ("england-2018", "23245", 0.247),
    ("england-2018", "55555", -0.285),
    ("england-2018", "11111", 1.0),
    ("uk-2026", "22222", 0.784),
    ("uk-2026", "55555", -0.567),
    ("uk-2026", "11111", 1.0),
])
def test_the_known_eq5d_values_of_measures_md(value_set, profile, expected):
    result = score("eq-5d-5l", levels(profile), value_set=value_set)
    assert result.score == expected
    assert result.value_set == value_set and result.scores["profile"] == profile


def test_uk_2026_is_the_default_value_set():
    result = score("eq-5d-5l", [2, 2, 2, 2, 2])
    assert result.value_set == "uk-2026" and result.score == 0.784


@pytest.mark.parametrize("value_set", ["uk-2026", "england-2018"])
def test_a_worse_level_never_gives_a_higher_index_for_any_of_the_3125_profiles(value_set):
    index: dict[str, float] = {}
    for p in ALL_STATES:
        value = score("eq-5d-5l", levels(p), value_set=value_set).score
        assert value is not None
        index[p] = value
    for profile in ALL_STATES:
        for d in range(5):
            if profile[d] != "5":
                worse = profile[:d] + str(int(profile[d]) + 1) + profile[d + 1:]
                assert index[worse] <= index[profile], (profile, worse)
    assert max(index.values()) == 1.0 and index["11111"] == 1.0


@given(st.lists(st.integers(1, 5), min_size=5, max_size=5), st.sampled_from(["uk-2026", "england-2018"]))
def test_additive_indices_have_at_most_three_decimals_and_sit_between_the_worst_state_and_one(profile, value_set):
    value = score("eq-5d-5l", profile, value_set=value_set).score
    worst = score("eq-5d-5l", [5] * 5, value_set=value_set).score
    assert value is not None and worst is not None
    assert worst <= value <= 1
    assert round(value, 3) == value


def test_no_index_or_profile_when_a_dimension_is_missing_but_the_vas_is_kept():
    result = score("eq-5d-5l", [1, None, 1, 1, 1, 60])
    assert result.score is None and result.scores == {"profile": None, "vas": 60}
    assert result.missing_items == (2,) and result.value_set == "uk-2026"


# --- the van Hout crosswalk -----------------------------------------------------------------------------

installed = pytest.mark.skipif(
    not crosswalk_path().exists(),
    reason="the van Hout crosswalk is not installed here (partners measures install-crosswalk)",
)


@installed
@pytest.mark.parametrize(("profile", "expected"), [("11112", 0.879), ("55555", -0.594), ("11111", 1.0)])
def test_the_installed_crosswalk_gives_the_published_values(profile, expected):
    assert score("eq-5d-5l", levels(profile), value_set="vanhout-crosswalk").score == expected


@installed
def test_in_the_installed_crosswalk_a_worse_level_never_gives_a_higher_index():
    table = load_crosswalk().table
    for profile, d in itertools.product(ALL_STATES, range(5)):
        if profile[d] != "5":
            worse = profile[:d] + str(int(profile[d]) + 1) + profile[d + 1:]
            assert table[worse] <= table[profile], (profile, worse)


def test_without_the_crosswalk_scoring_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    with pytest.raises(NotConfiguredError, match="install-crosswalk") as caught:
        score("eq-5d-5l", [1, 1, 1, 1, 2], value_set="vanhout-crosswalk")
    assert "not installed" in str(caught.value)


def synthetic_crosswalk_csv() -> str:
    # Synthetic numbers (not the published table): 1 minus 0.01 per level above 1.
    rows = [f"{s},{round(1 - 0.01 * (sum(levels(s)) - 5), 3)}" for s in ALL_STATES]
    return "state,index\n" + "\n".join(rows) + "\n"


def test_a_crosswalk_file_in_var_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERS_VAR_DIR", str(tmp_path))
    (tmp_path / "measures").mkdir()
    (tmp_path / "measures" / "eq5d5l-vanhout-crosswalk-uk.csv").write_text(synthetic_crosswalk_csv())
    result = score("eq-5d-5l", [2, 2, 2, 2, 2], value_set="vanhout-crosswalk")
    assert result.score == 0.95 and result.value_set == "vanhout-crosswalk"


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda t: t.replace("state,index", "profile,value"), "first row must be 'state,index'"),
    (lambda t: t.replace("11112,0.99\n", ""), "1 of the 3,125 profiles are missing"),
    (lambda t: t.replace("11112,0.99", "11112,abc"), "row 3, column index: 'abc' is not a number"),
    (lambda t: t.replace("11112,0.99", "11116,0.99"), "'11116' is not an EQ-5D-5L profile"),
    (lambda t: t.replace("11112,0.99", "11111,0.99"), "11111 appears twice"),
    (lambda t: t.replace("11111,1.0", "11111,0.9"), "11111 must be 1"),
])
def test_a_damaged_crosswalk_file_is_refused(mutate, message):
    with pytest.raises(ScoringError, match=message):
        parse_crosswalk_csv(mutate(synthetic_crosswalk_csv()), "crosswalk.csv")


# --- the ICECAP-A tariff file ---------------------------------------------------------------------------

def synthetic_tariff(**changes: str) -> str:
    """A tariff-shaped file with made-up numbers (NOT the Flynn 2015 tariff), to test the file format."""
    values = {
        "stability": ("0", "0.1", "0.15", "0.2"),
        "attachment": ("0", "0.12", "0.18", "0.24"),
        "autonomy": ("0", "0.1", "0.15", "0.18"),
        "achievement": ("0", "0.08", "0.14", "0.18"),
        "enjoyment": ("0", "0.09", "0.15", "0.2"),
    }
    lines = ["# synthetic test tariff", "# source: synthetic values for a test, not a publication",
             "attribute,level,value"]
    for attribute, row in values.items():
        for level, value in enumerate(row, start=1):
            lines.append(f"{attribute},{level},{changes.get(f'{attribute}{level}', value)}")
    return "\n".join(lines) + "\n"


def test_a_tariff_file_scores_11111_as_0_and_44444_as_1(tmp_path, monkeypatch):
    path = tmp_path / "tariff.csv"
    path.write_text(synthetic_tariff())
    monkeypatch.setenv("PARTNERS_ICECAP_A_TARIFF", str(path))
    assert score("icecap-a", [1, 1, 1, 1, 1]).score == pytest.approx(0)
    assert score("icecap-a", [4, 4, 4, 4, 4]).score == pytest.approx(1)
    result = score("icecap-a", [2, 3, 4, 1, 2])
    assert result.score == pytest.approx(0.1 + 0.18 + 0.18 + 0 + 0.09)
    assert result.value_set == "flynn-2015-uk"


@given(st.lists(st.integers(1, 4), min_size=5, max_size=5), st.integers(0, 4))
def test_with_a_tariff_a_higher_capability_level_never_scores_lower(profile, attribute):
    tariff = parse_icecap_tariff(synthetic_tariff(), "t.csv")
    better = list(profile)
    better[attribute] = min(4, better[attribute] + 1)
    assert tariff.score(tuple(better)) >= tariff.score(tuple(profile))
    assert -1e-9 <= tariff.score(tuple(profile)) <= 1 + 1e-9


@pytest.mark.parametrize(("text", "message"), [
    (synthetic_tariff().replace("# source: synthetic values for a test, not a publication\n", ""), "# source"),
    (synthetic_tariff(stability4="0.3"), "44444 must score 1"),
    (synthetic_tariff(stability1="0.1", stability2="0.1"), "11111 must score 0"),
    (synthetic_tariff(autonomy3="0.05"), "autonomy level 3 .* is below level 2"),
    (synthetic_tariff(enjoyment2="x"), "column value: 'x' is not a number"),
    (synthetic_tariff().replace("enjoyment,4,0.2\n", ""), "missing enjoyment level 4"),
    (synthetic_tariff().replace("autonomy,1", "freedom,1"), "'freedom' is not one of"),
    (synthetic_tariff().replace("autonomy,1", "autonomy,5"), "'5' is not 1, 2, 3 or 4"),
    (synthetic_tariff().replace("attribute,level,value", "a,b,c"), "header must be"),
])
def test_a_bad_tariff_file_is_refused_saying_why(text, message):
    with pytest.raises(ScoringError, match=message):
        parse_icecap_tariff(text, "tariff.csv")
