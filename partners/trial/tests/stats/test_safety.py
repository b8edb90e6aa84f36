import io
from datetime import date

import pytest

from partners.trial.stats.dataset import DatasetError
from partners.trial.stats.safety import SafetyEvent, is_treated, parse_safety, safety_summary

CSV = """participant_id,event_type,onset_date,end_date,days,first_contact_date
P1,admission,2020-02-01,2020-02-11,,2020-01-10
P1,crisis,02/03/2020,,4,2020-01-10
P2,sae,2020-01-05,,,
P3,psychiatric_admission,2020-01-05,,7,2020-02-01
"""


def test_safety_events_are_read_with_aliases_uk_dates_and_days_from_dates():
    events = parse_safety(io.StringIO(CSV))
    assert [e.event_type for e in events] == ["psychiatric_admission", "crisis_episode", "serious_adverse_event",
                                              "psychiatric_admission"]
    assert events[0].days == 10
    assert events[1].onset == date(2020, 3, 2)


def test_treated_means_intervention_with_a_care_partner_contact_before_onset():
    e = SafetyEvent("P", "crisis_episode", date(2020, 1, 5), first_contact=date(2020, 1, 1))
    assert is_treated(e, "intervention")
    assert not is_treated(e, "control")
    assert not is_treated(SafetyEvent("P", "crisis_episode", date(2020, 1, 5), first_contact=date(2020, 1, 5)),
                          "intervention")


def test_counts_by_arm_and_as_treated():
    events = parse_safety(io.StringIO(CSV))
    out = safety_summary(events, {"P1": "intervention", "P2": "control", "P3": "intervention"})
    assert out["by_arm"]["intervention"]["psychiatric_admissions"] == {"events": 2, "participants": 2}
    assert out["by_arm"]["intervention"]["inpatient_days"] == 17
    assert out["by_arm"]["intervention"]["crisis_days"] == 4
    assert out["as_treated"]["treated"]["psychiatric_admissions"]["events"] == 1  # P3's contact came later
    assert out["as_treated"]["untreated"]["serious_adverse_events"]["events"] == 1


def test_bad_event_rows_are_reported_by_row_and_column():
    bad = CSV.replace("2020-02-01,2020-02-11", "2020-13-01,2020-02-11").replace("sae", "fall")
    with pytest.raises(DatasetError) as exc:
        parse_safety(io.StringIO(bad), "EVENTS.csv")
    assert "row 2, column 'onset_date': '2020-13-01' is not a date" in str(exc.value)
    assert "row 4, column 'event_type': 'fall'" in str(exc.value)


def test_an_event_for_someone_not_in_the_dataset_is_refused():
    with pytest.raises(DatasetError, match="'P9' has safety events but is not in the analysis dataset"):
        safety_summary([SafetyEvent("P9", "crisis_episode", date(2020, 1, 1))], {"P1": "control"})
