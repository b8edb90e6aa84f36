from hypothesis import given
from hypothesis import strategies as st

from partners.common import disclosure


def test_counts_of_one_to_seven_are_suppressed_and_zero_is_shown():
    assert [disclosure.count(n) for n in range(0, 9)] == [0, "*", "*", "*", "*", "*", "*", "*", 10]


@given(st.integers(min_value=8, max_value=10**7))
def test_larger_counts_are_rounded_to_the_nearest_five(n):
    shown = disclosure.count(n)
    assert shown % 5 == 0 and abs(shown - n) <= 2


def test_means_of_few_people_are_suppressed():
    assert disclosure.statistic(4.2, 7) == "*"
    assert disclosure.statistic(4.2, 8) == 4.2


def test_percentages_come_from_rounded_counts():
    assert disclosure.percentage(12, 33) == round(100 * 10 / 35, 1)
    assert disclosure.percentage(3, 33) == "*"
