"""NHS numbers, postcodes, ODS codes, language tags: validation and normalisation (pure Python, no Django)."""

from __future__ import annotations

import re

_NON_DIGIT = re.compile(r"[\s-]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_ODS = re.compile(r"^[A-Z0-9]{3,10}$")
# A BCP 47-style language tag as records and letter template folders use them: "pl", "pt-BR", "bsl".
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

ETHNIC_CATEGORIES: dict[str, str] = {
    "A": "White - British",
    "B": "White - Irish",
    "C": "White - Any other White background",
    "D": "Mixed - White and Black Caribbean",
    "E": "Mixed - White and Black African",
    "F": "Mixed - White and Asian",
    "G": "Mixed - Any other mixed background",
    "H": "Asian or Asian British - Indian",
    "J": "Asian or Asian British - Pakistani",
    "K": "Asian or Asian British - Bangladeshi",
    "L": "Asian or Asian British - Any other Asian background",
    "M": "Black or Black British - Caribbean",
    "N": "Black or Black British - African",
    "P": "Black or Black British - Any other Black background",
    "R": "Other ethnic groups - Chinese",
    "S": "Other ethnic groups - Any other ethnic group",
    "Z": "Not stated",
}

# The broad groups the trial and the equity view report on.
ETHNIC_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Not stated",
}


def nhs_number_digits(value: str | None) -> str:
    """Digits of an NHS number with spaces and hyphens removed ('' for blank)."""
    return _NON_DIGIT.sub("", value or "")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no valid number can have them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str | None) -> bool:
    digits = nhs_number_digits(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    if len(set(digits)) == 1:  # e.g. 0000000000 passes the arithmetic but is never issued
        return False
    return nhs_number_check_digit(digits[:9]) == int(digits[9])


def normalise_nhs_number(value: str | None) -> str:
    """The stored form: ten digits, no spaces. Raises ValueError naming the problem."""
    digits = nhs_number_digits(value)
    if not digits:
        raise ValueError("NHS number is blank")
    if not digits.isdigit():
        raise ValueError(f"NHS number {value!r} contains characters other than digits and spaces")
    if len(digits) != 10:
        raise ValueError(f"NHS number {value!r} has {len(digits)} digits; it must have 10")
    if not is_valid_nhs_number(digits):
        raise ValueError(f"NHS number {value!r} fails the Modulus 11 check")
    return digits


def format_nhs_number(digits: str) -> str:
    """The display form, 3-3-4: ``943 476 5919``."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def normalise_postcode(value: str | None) -> str:
    """Upper case with one space before the inward code. Raises ValueError if it is not a UK postcode."""
    compact = re.sub(r"\s+", "", (value or "")).upper()
    if not compact:
        raise ValueError("postcode is blank")
    match = _POSTCODE.match(compact)
    if not match:
        raise ValueError(f"{value!r} is not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def normalise_ods_code(value: str | None) -> str:
    code = (value or "").strip().upper()
    if not _ODS.match(code):
        raise ValueError(f"{value!r} is not an ODS code")
    return code
