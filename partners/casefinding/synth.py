"""Synthetic practice SMI registers and secondary mental health care extracts, with the truth.

Pure Python (no Django). ``generate(n_register, ...)`` returns a :class:`SyntheticExtracts`
holding the two extracts in the formats of ``data-formats.md`` (sections 1 and 2) as Arrow tables,
plus the truth: which person each row belongs to, and each register row's true status under the gap
rule on the as-of date. ``write(extracts, directory)`` saves ``register.csv``, ``secondary.csv``,
``register_truth.csv`` and ``secondary_truth.csv``.

Nothing here is a real person: names are drawn from common-name lists and syllable combinations,
NHS numbers from the ``999`` range that NHS England reserves for testing, postcodes, practice and
trust codes are made up (valid in format only).

The corruption is realistic and every rate is a parameter (:class:`CorruptionRates`): NHS numbers
missing, mistyped (one digit: fails Modulus 11) or wrong (another valid number); name typos,
nicknames, changed surnames; date of birth day/month swaps and one-digit typos; people who moved
(an old postcode on older secondary care records); twins and relatives in the same household
(same surname and postcode; twins share the date of birth, a parent and child may share the given
name); people on two practices' registers; several episodes per person, recorded by different
clerks. Dates are written as ISO or UK ``DD/MM/YYYY``, names and postcodes in mixed case and spacing.
Every generated date is valid and no two rows are identical, so the files pass validation.
"""

from __future__ import annotations

import csv
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from partners.common.identifiers import is_valid_nhs_number, nhs_number_check_digit

GAP_STATUSES = ("limited_secondary", "discharged", "primary_care_only")

# Common given names (rough frequency order) and surnames. Weights are Zipf-like.
_FEMALE = (
    "Mary Margaret Susan Sarah Elizabeth Patricia Jennifer Linda Karen Helen Julie Emma Claire Lisa Nicola "
    "Joanne Michelle Amanda Rachel Louise Laura Rebecca Jessica Hannah Charlotte Sophie Emily Lucy Amy "
    "Katherine Catherine Victoria Samantha Jacqueline Christine Deborah Angela Janet Carol Barbara Dorothy "
    "Jean Joan Ann Anne Pauline Sandra Tracey Dawn Kelly Donna Gemma Natalie Stephanie Kirsty Leanne "
    "Alison Fiona Gillian Heather Jane Wendy Sharon Lorraine Denise Diane Valerie Pamela Shirley Sheila "
    "Brenda Irene Eileen Maureen Doreen Josephine Florence Eleanor Abigail Chloe Megan Olivia Jade Holly "
    "Bethany Lauren Zoe Ellie Grace Ruby Isabel Amelia Mia Poppy Phoebe Aisha Fatima Priya Ayesha Zainab "
    "Sadia Nadia Yasmin Leah Naomi Esther Ruth Judith Frances Theresa Alexandra Caroline Harriet Imogen "
    "Kathleen Bridget Siobhan Niamh Roisin Agnieszka Joanna Magdalena Ewa Chantelle Shanice Tanisha "
    "Precious Blessing Grace Funmilayo Adaeze Mei Ling Anita Sunita Kavita Rekha"
)
_MALE = (
    "David John Michael Paul Andrew Mark James Richard Robert Peter Stephen Christopher Ian Gary Thomas "
    "William Daniel Matthew Anthony Steven Simon Kevin Jonathan Martin Neil Stuart Lee Craig Darren "
    "Wayne Shaun Dean Carl Jason Adam Benjamin Samuel Joseph Luke Ryan Jack Harry Charlie George Oliver "
    "Alexander Edward Henry Nicholas Patrick Philip Timothy Kenneth Ronald Raymond Terence Dennis Brian "
    "Keith Graham Derek Colin Trevor Barry Alan Malcolm Roger Geoffrey Frederick Leonard Arthur Albert "
    "Ernest Harold Stanley Walter Frank Gerald Lawrence Gregory Joshua Liam Connor Callum Jordan Kieran "
    "Nathan Aaron Bradley Jake Kyle Reece Tyler Mohammed Muhammad Ahmed Ali Hassan Hussain Imran Omar "
    "Tariq Bilal Rajesh Sanjay Vikram Arjun Ravi Sunil Deepak Kwame Kofi Emeka Chinedu Tunde Piotr "
    "Tomasz Krzysztof Marek Pawel Sean Declan Ciaran Eamon Padraig Rhys Gareth Dylan Owen Hamish Angus"
)
_SURNAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
    "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper "
    "Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis "
    "Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw "
    "Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster "
    "Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills "
    "Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson "
    "Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders Payne Fox Ford "
    "Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill Dawson Ball Burton O'Brien Watts "
    "Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster "
    "Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding "
    "Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah Dean Lane Cooke Bates "
    "Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross Long Freeman Warren "
    "Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman "
    "Watkins Moss McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston Gordon "
    "Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis Higgins Read Miah "
    "Kowalski Nowak Wisniewski Okafor Adeyemi Mensah Chen Wang Nguyen Rahman Islam Chowdhury Uddin "
    "Mahmood Iqbal Akhtar Aziz Sharma Kumar Mistry Desai Joshi Fernandes Costa Silva Santos"
)
_SYLLABLE_HEADS = (
    "Ash Brad Brom Carl Cal Dun Ead Fair Garth Hal Hep Kel Lang Mar Nor Pen Ral Sel Thorn Wes Whit Ald "
    "Bar Bel Chad Cran Dal Elm Fen Gos Hart Hol Kin Lox Mel Nest Ox Pil Rad Sand Stan Tam Ul Ver Wen Yar"
)
_SYLLABLE_TAILS = (
    "ton ley worth field ford by ham well wood bridge stead croft dale thorpe wick more combe hurst "
    "den shaw ridge cott burn gate mere lock stow bourne"
)
_SYLLABLE_MIDS = ("", "er", "in", "el", "an", "ing", "ow")
_GIVEN_HEADS = "Ka Le Mi Ro Za Na Ta Jo Sa Da Ari Be Cy Di Ela Fa Ga Ha Ina Ke Lu Ma Ni Ori Pa Ra Se Ti Ve Ya"
_GIVEN_TAILS = "ra na la lia ya ni ren mon dan vin son tan rin len sha"
# How people shorten their given names (the linker has its own, separate table).
_NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"), "Robert": ("Bob", "Rob", "Bobby"), "Richard": ("Rich", "Dick"),
    "James": ("Jim", "Jimmy", "Jamie"), "John": ("Johnny", "Jack"), "Michael": ("Mike", "Mick"),
    "Thomas": ("Tom", "Tommy"), "Anthony": ("Tony",), "Christopher": ("Chris",), "Daniel": ("Dan", "Danny"),
    "David": ("Dave",), "Edward": ("Ed", "Eddie", "Ted"), "Alexander": ("Alex",), "Andrew": ("Andy",),
    "Benjamin": ("Ben",), "Charles": ("Charlie",), "Jonathan": ("Jon",), "Joseph": ("Joe",),
    "Matthew": ("Matt",), "Nicholas": ("Nick",), "Patrick": ("Pat", "Paddy"), "Peter": ("Pete",),
    "Samuel": ("Sam",), "Stephen": ("Steve",), "Steven": ("Steve",), "Timothy": ("Tim",), "Kenneth": ("Ken",),
    "Ronald": ("Ron",), "Raymond": ("Ray",), "Terence": ("Terry",), "Gregory": ("Greg",), "Philip": ("Phil",),
    "Frederick": ("Fred",), "Leonard": ("Len",), "Lawrence": ("Larry",), "Gerald": ("Gerry",),
    "Margaret": ("Maggie", "Peggy", "Meg"), "Elizabeth": ("Liz", "Beth", "Lizzie"), "Catherine": ("Kate", "Cathy"),
    "Katherine": ("Kate", "Kathy"), "Jennifer": ("Jenny", "Jen"), "Rebecca": ("Becky",), "Susan": ("Sue",),
    "Victoria": ("Vicky",), "Deborah": ("Debbie",), "Patricia": ("Pat", "Trish"), "Alexandra": ("Alex",),
    "Samantha": ("Sam",), "Jacqueline": ("Jackie",), "Dorothy": ("Dot",), "Abigail": ("Abby",),
    "Eleanor": ("Ellie",), "Josephine": ("Jo",), "Pamela": ("Pam",), "Valerie": ("Val",),
    "Christine": ("Chris",), "Florence": ("Flo",), "Theresa": ("Tess",), "Nicola": ("Nicky",),
}
_POSTCODE_AREAS = (
    "B", "BS", "CB", "CF", "CM", "CV", "DE", "DN", "E", "EC", "EX", "GL", "GU", "HU", "L", "LE", "LS", "M", "ME",
    "MK", "N", "NE", "NG", "NR", "NW", "OX", "PE", "PL", "PO", "RG", "S", "SE", "SK", "SO", "SR", "ST", "SW", "TN",
    "W", "WF", "WS", "WV", "YO", "BD", "BN", "BL", "BB", "CH", "CO", "DH", "DY", "HD", "HP", "LN", "LU", "NN",
    "PR", "RM", "SL", "SN", "SS", "TF", "TS", "WA", "WN", "WR",
)
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters used in inward codes
_ETHNICITY = list("AAAAAAAAAAABCDEFGHJKLMNPRSZZ")
_TEAMS_SECONDARY = ("cmht", "eip", "crisis_home_treatment", "inpatient")
_TEAMS_LIMITED = ("outpatient", "other")
_PATTERNS = ("none", "discharged", "limited", "secondary")


@dataclass(frozen=True)
class CorruptionRates:
    """Probabilities of each kind of corruption (per record unless said otherwise)."""

    register_nhs_missing: float = 0.02
    register_nhs_mistyped: float = 0.01
    register_name_typo: float = 0.005
    secondary_nhs_missing: float = 0.08
    secondary_nhs_mistyped: float = 0.03
    secondary_nhs_wrong: float = 0.003  # another valid NHS number, belonging to nobody in the extracts
    name_typo: float = 0.03  # per name (given and family separately) per secondary record
    nickname: float = 0.04  # given name recorded as a nickname, where the name has one
    surname_changed: float = 0.01  # a different or double-barrelled surname
    dob_swap: float = 0.01  # day and month swapped (where the day is 12 or less)
    dob_typo: float = 0.01  # one digit of the date changed (still a valid date)
    moved: float = 0.15  # a secondary record carries an old postcode
    reclerked: float = 0.25  # an episode's demographics re-typed (and re-corrupted) by another clerk
    twins: float = 0.01  # register people with a twin in the same household (per person)
    relatives: float = 0.03  # register people with a parent or child in the same household (per person)
    register_duplicates: float = 0.002  # people on two practices' registers (per person)

    def scaled(self, factor: float) -> CorruptionRates:
        """Every corruption rate multiplied by ``factor`` (capped at 0.9)."""
        values = {k: min(0.9, v * factor) for k, v in asdict(self).items()}
        return CorruptionRates(**values)


@dataclass
class SyntheticExtracts:
    register: pa.Table
    secondary: pa.Table
    register_truth: pa.Table  # row, person_id, status, in_gap
    secondary_truth: pa.Table  # row, person_id
    as_of: date
    rates: CorruptionRates
    seed: int
    meta: dict[str, Any] = field(default_factory=dict)


def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(accumulate(1.0 / (k**s) for k in range(1, n + 1)))


def _pick(rng: random.Random, options: tuple[str, ...] | list[str], weights: list[float]) -> str:
    return rng.choices(options, weights=weights)[0]


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, product = pow(2.718281828459045, -lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _valid_nhs_numbers(rng: random.Random, count: int, used: set[str]) -> list[str]:
    """Distinct valid NHS numbers in the 999 test range, none of them in ``used``."""
    out: list[str] = []
    while len(out) < count:
        need = int((count - len(out)) * 1.15) + 10
        bodies = [rng.randrange(0, 1_000_000) for _ in range(need)]
        for body in bodies:
            first_nine = f"999{body:06d}"
            check = nhs_number_check_digit(first_nine)
            if check is None:
                continue
            number = first_nine + str(check)
            if number in used or len(set(number)) == 1:
                continue
            used.add(number)
            out.append(number)
            if len(out) == count:
                break
    return out


class _Typist:
    """The ways a clerk gets a record wrong."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def typo(self, name: str) -> str:
        if len(name) < 3:
            return name + "e"
        rng = self.rng
        letters = "abcdefghijklmnopqrstuvwxyz"
        for _ in range(5):
            i = rng.randrange(1, len(name))  # keep the first letter, as most typos do
            kind = rng.randrange(0, 4)
            lower = name.lower()
            if kind == 0:  # substitution
                new = lower[:i] + letters[rng.randrange(0, 26)] + lower[i + 1 :]
            elif kind == 1 and len(name) > 3:  # deletion
                new = lower[:i] + lower[i + 1 :]
            elif kind == 2:  # insertion
                new = lower[:i] + letters[rng.randrange(0, 26)] + lower[i:]
            else:  # transposition
                if i >= len(name) - 1:
                    continue
                new = lower[:i] + lower[i + 1] + lower[i] + lower[i + 2 :]
            if new != lower:
                return new[0].upper() + new[1:]
        return name

    def mistype_nhs(self, number: str) -> str:
        """One digit changed: Modulus 11 always detects a single substitution."""
        rng = self.rng
        while True:
            i = rng.randrange(0, 10)
            d = str(rng.randrange(0, 10))
            if d != number[i]:
                new = number[:i] + d + number[i + 1 :]
                if not is_valid_nhs_number(new):
                    return new

    def dob_typo(self, dob: date) -> date:
        rng = self.rng
        text = dob.isoformat()
        for _ in range(20):
            i = int(rng.choice([2, 3, 5, 6, 8, 9]))  # a year, month or day digit
            d = str(rng.randrange(0, 10))
            new = text[:i] + d + text[i + 1 :]
            if new == text:
                continue
            try:
                parsed = date.fromisoformat(new)
            except ValueError:
                continue
            if date(1900, 1, 1) <= parsed <= date(2024, 12, 31):
                return parsed
        return dob + timedelta(days=1)


def _format_postcode(rng: random.Random, postcode: str) -> str:
    r = rng.random()
    if r < 0.15:
        return postcode.replace(" ", "")
    if r < 0.25:
        return postcode.lower()
    return postcode


def _format_date(rng: random.Random, d: date | None, uk_share: float) -> str:
    if d is None:
        return ""
    if rng.random() < uk_share:
        return d.strftime("%d/%m/%Y")
    return d.isoformat()


def _format_nhs(rng: random.Random, number: str) -> str:
    if number and len(number) == 10 and rng.random() < 0.3:
        return f"{number[:3]} {number[3:6]} {number[6:]}"
    return number


def _case(rng: random.Random, name: str) -> str:
    r = rng.random()
    if r < 0.1:
        return name.upper()
    if r < 0.13:
        return name.lower()
    return name


def _age_on(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def generate(
    n_register: int,
    *,
    secondary_rows: int | None = None,
    seed: int = 1,
    rates: CorruptionRates | None = None,
    as_of: date = date(2026, 4, 1),
) -> SyntheticExtracts:
    """A register of ``n_register`` rows and a secondary care extract of about ``secondary_rows`` rows
    (default ``2.33 * n_register``, i.e. 1.4 million for 600,000), with the truth."""
    rates = rates or CorruptionRates()
    rng = random.Random(seed)
    typist = _Typist(rng)
    target_secondary = secondary_rows if secondary_rows is not None else round(n_register * 2.333)

    female = _FEMALE.split()
    male = _MALE.split()
    surnames = _SURNAMES.split()
    heads, tails = _SYLLABLE_HEADS.split(), _SYLLABLE_TAILS.split()
    # Realistic concentration: the commonest surname about 1.5%, the commonest given names about 5%,
    # and long tails of rarer names (made from syllables, so none is a real person's).
    long_tail = sorted({h + m + t for h in heads for m in _SYLLABLE_MIDS for t in tails})
    given_tail = sorted({h + t.lower() for h in _GIVEN_HEADS.split() for t in _GIVEN_TAILS.split()})
    female_w, male_w = _zipf_cumulative(len(female), 0.6), _zipf_cumulative(len(male), 0.6)
    surname_w = _zipf_cumulative(len(surnames), 0.6)

    practices = [f"{chr(65 + rng.randrange(0, 25))}{rng.randrange(10000, 99999)}" for _ in range(
        max(5, n_register // 95))]
    practices = sorted(set(practices))
    providers = sorted({f"R{chr(65 + rng.randrange(0, 26))}{rng.randrange(0, 10)}" for _ in range(
        max(3, min(54, n_register // 400 + 3)))})
    codes = _default_codes()

    used_nhs: set[str] = set()
    used_postcodes: set[str] = set()

    def new_postcode(near: str | None = None) -> str:
        while True:
            if near is not None and rng.random() < 0.5:
                outward = near.split(" ")[0]
            else:
                area = _POSTCODE_AREAS[rng.randrange(0, len(_POSTCODE_AREAS))]
                outward = f"{area}{rng.randrange(1, 30)}"
            inward = (f"{rng.randrange(0, 10)}{_UNIT_LETTERS[rng.randrange(0, 20)]}"
                      f"{_UNIT_LETTERS[rng.randrange(0, 20)]}")
            postcode = f"{outward} {inward}"
            if postcode not in used_postcodes:
                used_postcodes.add(postcode)
                return postcode

    def surname() -> str:
        if rng.random() < 0.3:
            return rng.choices(surnames, cum_weights=surname_w)[0]
        return long_tail[rng.randrange(0, len(long_tail))]

    def given(sex: str) -> str:
        if rng.random() < 0.1:
            return given_tail[rng.randrange(0, len(given_tail))]
        if sex == "F":
            return rng.choices(female, cum_weights=female_w)[0]
        return rng.choices(male, cum_weights=male_w)[0]

    def random_dob(min_age: int, max_age: int) -> date:
        age_days = rng.randrange(min_age * 365 + 1, max_age * 365)
        return as_of - timedelta(days=age_days)

    # People: dicts keyed by person_id. Register people first.
    people: list[dict[str, Any]] = []

    def add_person(**fields: Any) -> dict[str, Any]:
        fields["person_id"] = len(people)
        people.append(fields)
        return fields

    n_register_people = n_register  # twins and people on two registers add rows; trimmed below
    register_people: list[dict[str, Any]] = []
    for _ in range(n_register_people):
        sex = "F" if rng.random() < 0.49 else "M"
        r = rng.random()
        dob = random_dob(14, 18) if r < 0.006 else random_dob(18, 60) if r < 0.7 else random_dob(60, 95)
        person = add_person(sex=sex, given=given(sex), family=surname(), dob=dob, postcode=new_postcode(),
                            on_register=True)
        register_people.append(person)

    extra_register: list[dict[str, Any]] = []
    for person in list(register_people):
        if rng.random() < rates.twins:
            same_household = rng.random() < 0.7
            sex = "F" if rng.random() < 0.5 else "M"
            name = person["given"]
            for _ in range(50):
                name = given(sex)
                if _names_distinct(name, person["given"]):
                    break
            twin = add_person(sex=sex, given=name, family=person["family"], dob=person["dob"],
                              postcode=person["postcode"] if same_household else new_postcode(person["postcode"]),
                              on_register=rng.random() < 0.3, twin_of=person["person_id"])
            if twin["on_register"]:
                extra_register.append(twin)
        if rng.random() < rates.relatives:
            older = rng.random() < 0.5
            gap = rng.randrange(19, 38) * 365 + rng.randrange(0, 365)
            dob = person["dob"] - timedelta(days=gap) if older else person["dob"] + timedelta(days=gap)
            if dob >= as_of - timedelta(days=365):
                dob = person["dob"] - timedelta(days=gap)
            sex = person["sex"] if rng.random() < 0.5 else ("F" if person["sex"] == "M" else "M")
            name = person["given"] if (sex == person["sex"] and rng.random() < 0.3) else given(sex)
            add_person(sex=sex, given=name, family=person["family"], dob=dob, postcode=person["postcode"],
                       on_register=False, relative_of=person["person_id"])
    register_people.extend(extra_register)

    nhs_numbers = _valid_nhs_numbers(rng, len(people), used_nhs)
    for person, number in zip(people, nhs_numbers, strict=True):
        person["nhs"] = number

    # Care histories. Register people: a care pattern; others: mostly ongoing or past secondary care.
    def episodes_for(person: dict[str, Any]) -> list[dict[str, Any]]:
        if person.get("on_register"):
            pattern = _pick(rng, _PATTERNS, [0.35, 0.30, 0.10, 0.25])
        else:
            pattern = _pick(rng, _PATTERNS, [0.2, 0.45, 0.1, 0.25])
        if pattern == "none":
            return []
        count = 1 + _poisson(rng, 1.25 if person.get("on_register") else 0.9)
        starts = sorted({rng.randrange(40, 15 * 365) for _ in range(count)}, reverse=True)
        episodes = []
        for k, days_ago in enumerate(starts):
            referral = as_of - timedelta(days=days_ago)
            last = k == len(starts) - 1
            open_episode = last and pattern in ("limited", "secondary")
            if open_episode:
                discharge = None
                if pattern == "secondary":
                    if rng.random() < 0.85:
                        team = _pick(rng, _TEAMS_SECONDARY, [0.7, 0.15, 0.05, 0.1])
                        level = _pick(rng, ("cpa", "standard"), [0.6, 0.4])
                    else:
                        team, level = rng.choice(_TEAMS_LIMITED), "cpa"
                else:
                    team = _pick(rng, _TEAMS_LIMITED, [0.8, 0.2])
                    level = _pick(rng, ("outpatient_only", "standard"), [0.7, 0.3])
            else:
                length = rng.randrange(14, 900)
                discharge = min(referral + timedelta(days=length), as_of - timedelta(days=1))
                next_start = as_of - timedelta(days=starts[k + 1]) if not last else as_of
                if discharge >= next_start:
                    discharge = next_start - timedelta(days=1)
                if discharge < referral:
                    discharge = referral
                team = _pick(rng, _TEAMS_SECONDARY + _TEAMS_LIMITED, [0.5, 0.1, 0.1, 0.1, 0.15, 0.05])
                level = _pick(rng, ("cpa", "standard", "outpatient_only"), [0.4, 0.4, 0.2])
            episodes.append({"referral": referral, "discharge": discharge, "team": team, "level": level,
                             "provider": providers[rng.randrange(0, len(providers))]})
        return episodes

    for person in people:
        person["episodes"] = episodes_for(person)

    # Non-register people in secondary care, until the secondary extract reaches its size.
    current = sum(len(p["episodes"]) for p in people)
    while current < target_secondary:
        sex = "F" if rng.random() < 0.5 else "M"
        person = add_person(sex=sex, given=given(sex), family=surname(), dob=random_dob(16, 90),
                            postcode=new_postcode(), on_register=False)
        person["nhs"] = _valid_nhs_numbers(rng, 1, used_nhs)[0]
        person["episodes"] = episodes_for(person) or episodes_for(person) or [
            {"referral": as_of - timedelta(days=400), "discharge": as_of - timedelta(days=100), "team": "other",
             "level": "standard", "provider": providers[0]}]
        current += len(person["episodes"])

    # --- the register extract
    uk_dates = 0.3
    reg_cols: dict[str, list[Any]] = {k: [] for k in (
        "nhs_number", "family_name", "given_name", "date_of_birth", "sex", "postcode", "practice_ods",
        "snomed_code", "diagnosis_group", "in_remission", "last_mh_care_date", "ethnicity", "lsoa")}
    reg_truth: dict[str, list[Any]] = {"row": [], "person_id": [], "status": [], "in_gap": []}
    register_rows: list[tuple[dict[str, Any], str]] = []
    for person in register_people:
        practice = practices[rng.randrange(0, len(practices))]
        register_rows.append((person, practice))
        if rng.random() < rates.register_duplicates:
            other = practices[rng.randrange(0, len(practices))]
            if other != practice:
                register_rows.append((person, other))
    order = list(range(len(register_rows)))
    rng.shuffle(order)
    order = order[:n_register]
    person_clinical: dict[int, dict[str, Any]] = {}
    for idx in order:
        person, practice = register_rows[int(idx)]
        clinical = person_clinical.setdefault(person["person_id"], {
            "code": codes[rng.randrange(0, len(codes))],
            "remission": rng.random() < 0.04,
            "last_care": (as_of - timedelta(days=rng.randrange(0, 700))) if rng.random() < 0.85 else (
                as_of - timedelta(days=rng.randrange(731, 3000)) if rng.random() < 0.8 else None),
            "ethnicity": _ETHNICITY[rng.randrange(0, len(_ETHNICITY))],
            "lsoa": f"E01{rng.randrange(0, 35000):06d}",
        })
        number = person["nhs"]
        r = rng.random()
        if r < rates.register_nhs_missing:
            number = ""
        elif r < rates.register_nhs_missing + rates.register_nhs_mistyped:
            number = typist.mistype_nhs(number)
        given_name, family_name = person["given"], person["family"]
        if rng.random() < rates.register_name_typo:
            given_name = typist.typo(given_name)
        if rng.random() < rates.register_name_typo:
            family_name = typist.typo(family_name)
        code, group = clinical["code"]
        sex_text = {"F": ["female", "F", "Female"], "M": ["male", "M", "MALE"]}[person["sex"]][rng.randrange(0, 3)]
        reg_cols["nhs_number"].append(_format_nhs(rng, number))
        reg_cols["family_name"].append(_case(rng, family_name))
        reg_cols["given_name"].append(_case(rng, given_name))
        reg_cols["date_of_birth"].append(_format_date(rng, person["dob"], uk_dates))
        reg_cols["sex"].append(sex_text)
        reg_cols["postcode"].append(_format_postcode(rng, person["postcode"]))
        reg_cols["practice_ods"].append(practice)
        reg_cols["snomed_code"].append(code)
        reg_cols["diagnosis_group"].append("" if rng.random() < 0.3 else group)
        reg_cols["in_remission"].append(["true", "false", "yes", "no", "Y", "N"][
            (0 if clinical["remission"] else 1) + 2 * rng.randrange(0, 3)])
        reg_cols["last_mh_care_date"].append(_format_date(rng, clinical["last_care"], uk_dates))
        reg_cols["ethnicity"].append(clinical["ethnicity"])
        reg_cols["lsoa"].append(clinical["lsoa"] if rng.random() < 0.9 else "")
        status = true_status(person["dob"], clinical["remission"], person["episodes"], as_of)
        reg_truth["row"].append(len(reg_truth["row"]) + 1)
        reg_truth["person_id"].append(person["person_id"])
        reg_truth["status"].append(status)
        reg_truth["in_gap"].append(status in GAP_STATUSES)

    # --- the secondary care extract: one row per episode, demographics as the trust recorded them
    sec_cols: dict[str, list[Any]] = {k: [] for k in (
        "nhs_number", "family_name", "given_name", "date_of_birth", "postcode", "provider_ods", "team_type",
        "care_level", "referral_date", "discharge_date")}
    sec_rows: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for person in people:
        if not person["episodes"]:
            continue
        trust_record = _trust_record(person, rates, rng, typist, used_nhs, new_postcode)
        for episode in person["episodes"]:
            record = trust_record
            if rng.random() < rates.reclerked:
                record = _trust_record(person, rates, rng, typist, used_nhs, new_postcode)
            sec_rows.append((person, episode, record))
    sec_truth: dict[str, list[Any]] = {"row": [], "person_id": []}
    sec_order = list(range(len(sec_rows)))
    rng.shuffle(sec_order)
    for idx in sec_order:
        person, episode, record = sec_rows[int(idx)]
        sec_cols["nhs_number"].append(_format_nhs(rng, record["nhs"]))
        sec_cols["family_name"].append(_case(rng, record["family"]))
        sec_cols["given_name"].append(_case(rng, record["given"]))
        sec_cols["date_of_birth"].append(_format_date(rng, record["dob"], uk_dates))
        sec_cols["postcode"].append(_format_postcode(rng, record["postcode"]))
        sec_cols["provider_ods"].append(episode["provider"])
        sec_cols["team_type"].append(episode["team"])
        sec_cols["care_level"].append(episode["level"])
        sec_cols["referral_date"].append(_format_date(rng, episode["referral"], uk_dates))
        sec_cols["discharge_date"].append(_format_date(rng, episode["discharge"], uk_dates))
        sec_truth["row"].append(len(sec_truth["row"]) + 1)
        sec_truth["person_id"].append(person["person_id"])

    return SyntheticExtracts(
        register=pa.table(reg_cols),
        secondary=pa.table(sec_cols),
        register_truth=pa.table(reg_truth),
        secondary_truth=pa.table(sec_truth),
        as_of=as_of,
        rates=rates,
        seed=seed,
        meta={"people": len(people), "register_people": len(register_people), "practices": len(practices),
              "providers": len(providers)},
    )


def _trust_record(person: dict[str, Any], rates: CorruptionRates, rng: random.Random, typist: _Typist,
                  used_nhs: set[str], new_postcode: Any) -> dict[str, Any]:
    number = person["nhs"]
    r = rng.random()
    if r < rates.secondary_nhs_missing:
        number = ""
    elif r < rates.secondary_nhs_missing + rates.secondary_nhs_mistyped:
        number = typist.mistype_nhs(number)
    elif r < rates.secondary_nhs_missing + rates.secondary_nhs_mistyped + rates.secondary_nhs_wrong:
        number = _valid_nhs_numbers(rng, 1, used_nhs)[0]
    given_name = person["given"]
    nicknames = _NICKNAMES.get(given_name)
    if nicknames and rng.random() < rates.nickname:
        given_name = nicknames[rng.randrange(0, len(nicknames))]
    elif rng.random() < rates.name_typo:
        given_name = typist.typo(given_name)
    family_name = person["family"]
    if rng.random() < rates.surname_changed:
        other = typist.typo(rng.choice(_SURNAMES.split()))
        family_name = f"{family_name}-{other}" if rng.random() < 0.5 else other
    elif rng.random() < rates.name_typo:
        family_name = typist.typo(family_name)
    dob = person["dob"]
    r = rng.random()
    if r < rates.dob_swap and dob.day <= 12 and dob.day != dob.month:
        dob = date(dob.year, dob.day, dob.month)
    elif rates.dob_swap <= r < rates.dob_swap + rates.dob_typo:
        dob = typist.dob_typo(dob)
    postcode = person["postcode"]
    if rng.random() < rates.moved:
        postcode = new_postcode(postcode)
    return {"nhs": number, "given": given_name, "family": family_name, "dob": dob, "postcode": postcode}


def _names_distinct(a: str, b: str) -> bool:
    """Different enough that no clerk's slip or nickname turns one into the other."""
    a, b = a.lower(), b.lower()
    if a == b or a[:3] == b[:3]:
        return False
    nick = {n.lower() for f, ns in _NICKNAMES.items() for n in (f, *ns) if f.lower() in (a, b)}
    return not ({a, b} <= nick)


def true_status(dob: date, in_remission: bool, episodes: list[dict[str, Any]], as_of: date) -> str:
    """The gap rule of data-formats.md, written independently of the linkage code."""
    if _age_on(dob, as_of) < 18:
        return "under_18"
    if in_remission:
        return "in_remission"
    current = [e for e in episodes if e["referral"] <= as_of]
    open_eps = [e for e in current if e["discharge"] is None or e["discharge"] > as_of]
    if any(e["team"] in _TEAMS_SECONDARY or e["level"] == "cpa" for e in open_eps):
        return "secondary_care"
    if open_eps:
        return "limited_secondary"
    if current:
        return "discharged"
    return "primary_care_only"


def _default_codes() -> list[tuple[str, str]]:
    path = Path(__file__).resolve().parent / "data" / "smi_snomed_codes.csv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return [(row["snomed_code"], row["diagnosis_group"]) for row in csv.DictReader(lines)]


def write(extracts: SyntheticExtracts, directory: str | Path) -> dict[str, Path]:
    """Write the extracts and their truth as CSV files; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "register": directory / "register.csv",
        "secondary": directory / "secondary.csv",
        "register_truth": directory / "register_truth.csv",
        "secondary_truth": directory / "secondary_truth.csv",
    }
    options = pacsv.WriteOptions(quoting_style="needed")
    pacsv.write_csv(extracts.register, paths["register"], write_options=options)
    pacsv.write_csv(extracts.secondary, paths["secondary"], write_options=options)
    pacsv.write_csv(extracts.register_truth, paths["register_truth"], write_options=options)
    pacsv.write_csv(extracts.secondary_truth, paths["secondary_truth"], write_options=options)
    return paths
