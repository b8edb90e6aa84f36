import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.common.identifiers import (
    format_nhs_number,
    is_valid_nhs_number,
    nhs_number_check_digit,
    normalise_nhs_number,
    normalise_postcode,
)


def test_the_nhs_example_number_is_valid_with_or_without_spaces():
    assert is_valid_nhs_number("943 476 5919")
    assert normalise_nhs_number(" 943-476-5919 ") == "9434765919"


def test_a_wrong_check_digit_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="Modulus 11"):
        normalise_nhs_number("9434765918")


def test_a_short_number_is_refused_with_its_length():
    with pytest.raises(ValueError, match="9 digits"):
        normalise_nhs_number("943476591")


def test_letters_are_refused():
    with pytest.raises(ValueError, match="characters other than digits"):
        normalise_nhs_number("94347659A9")


def test_a_number_of_one_repeated_digit_is_never_valid():
    assert not is_valid_nhs_number("0000000000")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_have_at_most_one_check_digit_and_it_validates(first_nine):
    check = nhs_number_check_digit(first_nine)
    candidates = [first_nine + str(d) for d in range(10)]
    valid = [c for c in candidates if is_valid_nhs_number(c)]
    if check is None or len(set(first_nine + str(check))) == 1:
        assert valid == []
    else:
        assert valid == [first_nine + str(check)]


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_changing_one_digit_of_a_valid_number_always_breaks_it(number):
    if not is_valid_nhs_number(number):
        return
    for i in range(10):
        for d in "0123456789":
            if d != number[i]:
                assert not is_valid_nhs_number(number[:i] + d + number[i + 1 :])


def test_display_format_groups_three_three_four():
    assert format_nhs_number("9434765919") == "943 476 5919"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("pl4 8aa", "PL4 8AA"), ("PL48AA", "PL4 8AA"), ("ec1a 1bb", "EC1A 1BB"), (" B1  1AA ", "B1 1AA")],
)
def test_postcodes_are_normalised(raw, expected):
    assert normalise_postcode(raw) == expected


def test_a_non_postcode_is_refused():
    with pytest.raises(ValueError, match="not a UK postcode"):
        normalise_postcode("12345")
