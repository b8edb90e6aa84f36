"""What the leaders' dashboard counts: the measures, how they add up, and the equity breakdowns.

Pure Python. Every count is stored per area (practice, PCN, ICS, England) and month by the nightly
refresh (:mod:`partners.dashboards.services`); a *stock* is the value at the end of the month (people on
registers, in the gap, in active care), a *flow* is what happened during the month (invitations,
contacts, safety events) and adds up over a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["stock", "flow"]


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    kind: Kind
    group: str
    help: str = ""


# The gap statuses of data-formats.md section 3, in rule order. ``in_remission`` needs the register's
# remission flag, which the case-finding import will store; until then nobody is counted in it.
GAP_STATUSES: tuple[tuple[str, str], ...] = (
    ("under_18", "Under 18"),
    ("in_remission", "In remission"),
    ("secondary_care", "Under secondary mental health care"),
    ("limited_secondary", "Limited secondary care (in the gap)"),
    ("discharged", "Discharged from secondary care (in the gap)"),
    ("primary_care_only", "Primary care only (in the gap)"),
)
IN_GAP = ("limited_secondary", "discharged", "primary_care_only")

MEASURES: tuple[Measure, ...] = (
    # register and the gap (stocks)
    Measure("on_register", "People on SMI registers", "stock", "register"),
    *(Measure(f"gap_{code}", label, "stock", "gap") for code, label in GAP_STATUSES),
    Measure("in_gap", "People in the gap", "stock", "register",
            "Limited secondary care, discharged, or primary care only."),
    # the episode of care
    Measure("invited", "Invited or referred", "flow", "care", "Episodes of care started (referral or invitation)."),
    Measure("engaged", "Engaged", "flow", "care", "People who accepted PARTNERS care."),
    Measure("waiting", "Invited, not yet engaged", "stock", "care"),
    Measure("active", "In active care", "stock", "care", "Engaged and not yet ended, at the end of the month."),
    Measure("ended", "Episodes ended", "flow", "care"),
    # contacts
    Measure("contacts", "Contacts", "flow", "contacts", "Every contact recorded, including attempts."),
    Measure("contacts_face_to_face", "Face to face", "flow", "contact_mode"),
    Measure("contacts_telephone", "Telephone", "flow", "contact_mode"),
    Measure("contacts_video", "Video", "flow", "contact_mode"),
    Measure("contacts_text", "Text message", "flow", "contact_mode"),
    Measure("contacts_reached", "Contacts that reached the person", "flow", "contacts"),
    Measure("contacts_10min", "Contacts of 10 minutes or more", "flow", "contacts"),
    Measure("contacts_goals", "Contacts in which goals were discussed", "flow", "contacts"),
    # goals
    Measure("goals_agreed", "Goals agreed", "flow", "goals"),
    Measure("goal_progress_n", "People with a goal reviewed", "flow", "goals",
            "People whose latest goal review fell in the period."),
    # outcomes and safety
    Measure("questionnaires", "Questionnaires completed", "flow", "outcomes"),
    Measure("health_checks", "Physical health checks recorded", "flow", "outcomes"),
    Measure("safety_events", "Safety events", "flow", "safety"),
    Measure("safety_admission", "Psychiatric admissions", "flow", "safety_kind"),
    Measure("safety_crisis", "Crisis or home treatment episodes", "flow", "safety_kind"),
    Measure("safety_sae", "Serious adverse events", "flow", "safety_kind"),
    Measure("safety_treated", "Safety events after a Care Partner contact ('treated')", "flow", "safety"),
    # fidelity (stocks over the people in active care at the end of the month)
    Measure("fid_with_contact", "In active care with at least one contact", "stock", "fidelity"),
    Measure("fid_goals_assessed", "In active care with goals assessed", "stock", "fidelity",
            "At least one goal agreed."),
    Measure("fid_compliant_contacts", "6 or more sessions of 10 minutes or more", "stock", "fidelity",
            "Face to face, telephone or video sessions (not text messages)."),
    Measure("fid_compliant_goals", "4 or more contacts with goals discussed", "stock", "fidelity"),
)
BY_CODE = {m.code: m for m in MEASURES}
STOCKS = tuple(m.code for m in MEASURES if m.kind == "stock")
FLOWS = tuple(m.code for m in MEASURES if m.kind == "flow")

# Within one area and column: total = sum of parts.
PARTITIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("on_register", tuple(f"gap_{code}" for code, _ in GAP_STATUSES)),
    ("in_gap", tuple(f"gap_{code}" for code in IN_GAP)),
    ("contacts", ("contacts_face_to_face", "contacts_telephone", "contacts_video", "contacts_text")),
    ("safety_events", ("safety_admission", "safety_crisis", "safety_sae")),
)

# Sums stored beside the counts: not counts of people, so not suppressed themselves (the means made from
# them are suppressed when they rest on 1-7 people).
OUTCOME_N = "outcome_n:"
OUTCOME_SUM = "outcome_sum:"
GOAL_PROGRESS_SUM = "goal_progress_sum"
CP_DAYS = "cp_days"
CP_DAYS_AVAILABLE = "cp_days_available"

# Equity breakdowns ------------------------------------------------------------------------------------
ETHNIC_GROUP_ORDER = ("White", "Mixed", "Asian", "Black", "Other", "Not stated")
MINORITY = "Black, Asian, mixed and other ethnic groups"
MINORITY_PARTS = ("Mixed", "Asian", "Black", "Other")
SEX_ORDER = ("female", "male", "other", "unknown")
SEX_LABELS = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}
AGE_BANDS = ("Under 18", "18 to 24", "25 to 34", "35 to 44", "45 to 54", "55 to 64", "65 to 74", "75 and over")
AGE_LOWER = (0, 18, 25, 35, 45, 55, 65, 75)
NOT_KNOWN = "Not known"
DECILES = (*tuple(str(d) for d in range(1, 11)), NOT_KNOWN)

# Language and access needs (issue 10): so that people needing an interpreter are seen to be reached.
INTERPRETER = "Needs an interpreter"
OTHER_LANGUAGE = "Other language, no interpreter"
ENGLISH = "English, no interpreter"
LANGUAGE_NEEDS = (INTERPRETER, OTHER_LANGUAGE, ENGLISH)
ACCESS_NEEDS = ("Access needs recorded", "None recorded")

# What a refresh stores follows from the definitions here. Bump this whenever a dimension, a category or a
# stored measure changes: figures stored under another version are never read (they would not add up), and
# the dashboard says the figures are being worked out until the next refresh.
FIGURES_VERSION = 2

DIMENSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ethnicity", "Ethnic group", ETHNIC_GROUP_ORDER),
    ("sex", "Sex", SEX_ORDER),
    ("age_band", "Age band", AGE_BANDS),
    ("imd_decile", "Deprivation decile (1 = most deprived)", DECILES),
    ("language_need", "Language and interpreter need", LANGUAGE_NEEDS),
    ("access_need", "Communication and access needs", ACCESS_NEEDS),
)


def language_need(preferred_language: str, interpreter_needed: bool) -> str:
    """The language-need category of one person."""
    if interpreter_needed:
        return INTERPRETER
    primary = (preferred_language or "en").split("-")[0].lower()
    return ENGLISH if primary == "en" else OTHER_LANGUAGE


def access_need(communication_needs: Any) -> str:
    return ACCESS_NEEDS[0] if communication_needs else ACCESS_NEEDS[1]
DIMENSION_LABELS = {code: label for code, label, _ in DIMENSIONS}

# Stored per area and month for the equity view, per dimension and category (keys "<part>|<dim>|<cat>"):
# episodes open at the start of the month, referred during it, engaged at its start and engaged during it.
# Reach over a period = open at the start of its first month + referred in its months (and the same for
# engagement), so any month range is answered from monthly rows.
EQ_OPEN_START = "eq_open_start"
EQ_REFERRED = "eq_referred"
EQ_ENGAGED_START = "eq_engaged_start"
EQ_STARTED = "eq_started"
EQ_PARTS = (EQ_OPEN_START, EQ_REFERRED, EQ_ENGAGED_START, EQ_STARTED)
# The register snapshot (as at the refresh date): "reg|<dim>|<cat>" and "gapreg|<dim>|<cat>".
REG = "reg"
GAPREG = "gapreg"


def key(part: str, dimension: str, category: str) -> str:
    return f"{part}|{dimension}|{category}"


def age_band(age: int) -> str:
    band = AGE_BANDS[0]
    for lower, label in zip(AGE_LOWER, AGE_BANDS, strict=True):
        if age >= lower:
            band = label
    return band


def category_label(dimension: str, category: str) -> str:
    if dimension == "sex":
        return SEX_LABELS.get(category, category)
    if dimension == "imd_decile" and category != NOT_KNOWN:
        suffix = " (most deprived)" if category == "1" else " (least deprived)" if category == "10" else ""
        return f"Decile {category}{suffix}"
    return category
