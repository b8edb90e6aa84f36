from datetime import date

import pyarrow as pa

from partners.casefinding.core.gaprule import apply_gap_rule, screen_eligibility, two_years_before

AS_OF = date(2026, 4, 1)


def register(*people: dict) -> pa.Table:
    rows = []
    for i, person in enumerate(people):
        rows.append({
            "row": i + 2, "nhs_number": f"99900000{i:02d}", "nhs_raw": f"99900000{i:02d}", "practice_ods": "B86001",
            "date_of_birth": date(1980, 1, 1), "in_remission": False, "last_mh_care_date": date(2025, 6, 1),
            "diagnosis_group": "schizophrenia", **person,
        })
    schema = pa.schema([("row", pa.int64()), ("nhs_number", pa.string()), ("nhs_raw", pa.string()),
                        ("practice_ods", pa.string()), ("date_of_birth", pa.date32()), ("in_remission", pa.bool_()),
                        ("last_mh_care_date", pa.date32()), ("diagnosis_group", pa.string())])
    return pa.Table.from_pylist(rows, schema=schema)


def episodes(*rows: dict) -> pa.Table:
    full = [{"row": i + 2, "team_type": "cmht", "care_level": "standard", "referral_date": date(2020, 1, 1),
             "discharge_date": None, **r} for i, r in enumerate(rows)]
    schema = pa.schema([("row", pa.int64()), ("team_type", pa.string()), ("care_level", pa.string()),
                        ("referral_date", pa.date32()), ("discharge_date", pa.date32())])
    return pa.Table.from_pylist(full, schema=schema)


def links(*pairs: tuple[int, int, str, float | None]) -> pa.Table:
    return pa.table({
        "register_row": pa.array([p[0] for p in pairs], pa.int64()),
        "secondary_row": pa.array([p[1] for p in pairs], pa.int64()),
        "method": pa.array([p[2] for p in pairs], pa.string()),
        "match_probability": pa.array([p[3] for p in pairs], pa.float64()),
    })


def statuses(reg: pa.Table, sec: pa.Table, lnk: pa.Table, as_of: date = AS_OF) -> list[str]:
    return apply_gap_rule(reg, sec, lnk, None, as_of=as_of).column("status").to_pylist()


def test_each_status_comes_from_its_rule():
    reg = register({"date_of_birth": date(2010, 1, 1)}, {"in_remission": True}, {}, {}, {}, {}, {})
    sec = episodes(
        {"team_type": "eip"},                                                  # 2: open EIP -> secondary care
        {"team_type": "outpatient", "care_level": "outpatient_only"},          # 3: open outpatient only
        {"team_type": "outpatient", "care_level": "cpa"},                      # 4: open, but on CPA
        {"discharge_date": date(2023, 5, 1)},                                  # 5: discharged
    )
    lnk = links((4, 2, "nhs_number", 1.0), (5, 3, "probabilistic", 0.97), (6, 4, "nhs_number", 1.0),
                (7, 5, "nhs_number", 1.0))
    assert statuses(reg, sec, lnk) == ["under_18", "in_remission", "secondary_care", "limited_secondary",
                                       "secondary_care", "discharged", "primary_care_only"]


def test_the_first_rule_that_applies_wins():
    # Under 18, in remission and under a CMHT all at once: under_18 comes first.
    reg = register({"date_of_birth": date(2009, 4, 2), "in_remission": True}, {"in_remission": True})
    sec = episodes({}, {})
    lnk = links((2, 2, "nhs_number", 1.0), (3, 3, "nhs_number", 1.0))
    assert statuses(reg, sec, lnk) == ["under_18", "in_remission"]


def test_age_is_taken_on_the_as_of_date():
    reg = register({"date_of_birth": date(2008, 4, 1)}, {"date_of_birth": date(2008, 4, 2)}, {"date_of_birth": None})
    assert statuses(reg, episodes(), links()) == ["primary_care_only", "under_18", "primary_care_only"]


def test_episodes_are_read_as_of_the_date():
    reg = register({}, {}, {})
    sec = episodes(
        {"discharge_date": date(2026, 5, 1)},             # discharged after the as-of date: still open on it
        {"referral_date": date(2026, 6, 1)},              # referred after the as-of date: not yet there
        {"discharge_date": AS_OF},                        # discharged on the as-of date
    )
    lnk = links((2, 2, "nhs_number", 1.0), (3, 3, "nhs_number", 1.0), (4, 4, "nhs_number", 1.0))
    assert statuses(reg, sec, lnk) == ["secondary_care", "primary_care_only", "discharged"]
    assert statuses(reg, sec, lnk, as_of=date(2026, 7, 1)) == ["discharged", "secondary_care", "discharged"]


def test_output_columns_methods_probabilities_and_latest_discharge():
    reg = register({}, {}, {})
    sec = episodes({"discharge_date": date(2021, 1, 1)}, {"discharge_date": date(2024, 2, 3)},
                   {"discharge_date": date(2022, 1, 1)})
    lnk = links((2, 2, "nhs_number", 1.0), (2, 3, "probabilistic", 0.95), (3, 4, "probabilistic", 0.93),
                (3, 4, "probabilistic", 0.93))
    review = pa.table({"register_row": pa.array([4], pa.int64())})
    out = apply_gap_rule(reg, sec, lnk, review, as_of=AS_OF).to_pylist()
    assert [r["match_method"] for r in out] == ["nhs_number", "probabilistic", "none"]
    assert [r["match_probability"] for r in out] == [1.0, 0.93, None]
    assert [r["latest_discharge_date"] for r in out] == [date(2024, 2, 3), date(2022, 1, 1), None]
    assert [r["needs_review"] for r in out] == [False, False, True]
    assert [r["row"] for r in out] == [2, 3, 4]


def test_care_needs_in_the_past_two_years_include_the_boundary_day():
    boundary = two_years_before(AS_OF)
    reg = register({"last_mh_care_date": boundary}, {"last_mh_care_date": date(2024, 3, 31)},
                   {"last_mh_care_date": None}, {"last_mh_care_date": date(2026, 4, 2)})
    out = apply_gap_rule(reg, episodes(), links(), None, as_of=AS_OF)
    assert out.column("care_needs_past_2y").to_pylist() == [True, False, False, False]
    assert two_years_before(date(2024, 2, 29)) == date(2022, 2, 28)


def test_eligibility_records_every_exclusion_reason():
    reg = register({}, {"date_of_birth": date(2010, 1, 1)}, {"diagnosis_group": None},
                   {"last_mh_care_date": date(2020, 1, 1)}, {"in_remission": True}, {"date_of_birth": None})
    sec = episodes({})
    gap = apply_gap_rule(reg, sec, links((2, 2, "nhs_number", 1.0)), None, as_of=AS_OF)
    screened = screen_eligibility(reg, gap, as_of=AS_OF).to_pylist()
    assert [s["exclusion_reasons"] for s in screened] == [
        ["in_secondary_care"], ["under_18"], ["diagnosis_unknown"], ["no_care_needs_past_2y"], ["in_remission"],
        ["age_unknown"]]
    assert [s["eligible"] for s in screened] == [False] * 6


def test_needing_translation_never_excludes_in_service_mode_but_does_in_the_trial():
    reg = register({}, {})
    gap = apply_gap_rule(reg, episodes(), links(), None, as_of=AS_OF)
    flags = pa.table({"row": pa.array([2, 3], pa.int64()), "needs_translation": [True, False],
                      "cannot_consent": [False, True]})
    service = screen_eligibility(reg, gap, as_of=AS_OF, mode="service", flags=flags).to_pylist()
    trial = screen_eligibility(reg, gap, as_of=AS_OF, mode="trial", flags=flags).to_pylist()
    assert [s["eligible"] for s in service] == [True, True]
    assert [s["exclusion_reasons"] for s in trial] == [["needs_translation"], ["cannot_consent"]]
