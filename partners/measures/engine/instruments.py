"""The instruments, as data (``shared/spec/measures.md``).

Item labels are short and in our own words: several instruments' wording is copyrighted, and an
organisation that holds a licence loads the wording itself (:meth:`Instrument.with_wording`). Item order is
the order of ``measures.md``, which is the order responses are given in.

Published thresholds (for charts) are recorded only where a source states the figure; each cites it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .model import Band, Instrument, Item, ResponseKind, Threshold
from .valuesets import EQ5D_DEFAULT_VALUE_SET, EQ5D_VALUE_SETS, ICECAP_TARIFF_NAME

_SWEMWBS_FROM_WEMWBS = (1, 2, 3, 6, 7, 9, 11)  # WEMWBS item numbers, in SWEMWBS order

# SWEMWBS raw score (7-35) -> metric score, the conversion table of measures.md.
SWEMWBS_METRIC: Mapping[int, float] = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75, 14: 15.32, 15: 15.84,
    16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59, 21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54,
    25: 22.35, 26: 23.21, 27: 24.11, 28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70,
    34: 32.55, 35: 35.00,
}

_TALKING_THERAPIES = (
    "NHS England, NHS Talking Therapies for anxiety and depression manual (formerly the IAPT manual): "
    "reliable improvement and caseness definitions"
)


def _items(
    labels: list[tuple[str, str]],
    kind: ResponseKind = "integer",
    minimum: float | None = None,
    maximum: float | None = None,
    anchors: Mapping[int, str] | None = None,
    start: int = 1,
) -> list[Item]:
    return [
        Item(number=start + i, code=code, label=label, kind=kind, minimum=minimum, maximum=maximum,
             anchors=dict(anchors or {}))
        for i, (code, label) in enumerate(labels)
    ]


_WEMWBS_LABELS = [
    ("optimistic", "optimistic"),
    ("useful", "useful"),
    ("relaxed", "relaxed"),
    ("interested_in_others", "interested in other people"),
    ("energy", "energy"),
    ("dealing_with_problems", "dealing with problems well"),
    ("thinking_clearly", "thinking clearly"),
    ("good_about_myself", "good about myself"),
    ("close_to_others", "close to others"),
    ("confident", "confident"),
    ("own_mind", "make up my own mind"),
    ("loved", "loved"),
    ("interested_in_new_things", "interested in new things"),
    ("cheerful", "cheerful"),
]
_WEMWBS_ANCHORS = {1: "not at all in the last two weeks", 5: "all the time"}
_WEMWBS_LICENCE = (
    "WEMWBS and SWEMWBS: free to use, with registration with the University of Warwick (the scale's "
    "copyright holders). Load the licensed wording after registering."
)

MANSA = Instrument(
    code="mansa",
    name="Manchester Short Assessment of Quality of Life (MANSA)",
    version="priebe-1999",
    items=tuple(
        _items(
            [
                ("life_as_a_whole", "life as a whole"),
                ("work", "work/occupation"),
                ("finances", "finances"),
                ("friendships", "friendships"),
                ("leisure", "leisure"),
                ("accommodation", "accommodation"),
                ("personal_safety", "personal safety"),
                ("people_lived_with", "people you live with (or living alone)"),
                ("sex_life", "sex life"),
                ("family", "family"),
                ("physical_health", "physical health"),
                ("mental_health", "mental health"),
            ],
            minimum=1,
            maximum=7,
            anchors={1: "couldn't be worse", 4: "mixed", 7: "couldn't be better"},
        )
        + _items(
            [
                ("close_friend", "has a close friend"),
                ("saw_friend_past_week", "saw a friend in the past week"),
                ("accused_of_crime_past_year", "accused of a crime in the past year"),
                ("victim_of_violence_past_year", "victim of violence in the past year"),
            ],
            kind="boolean",
            start=13,
        )
    ),
    rule="mansa-mean-of-12-satisfaction-items",
    score_description="mean of the 12 satisfaction items (1-7); the 4 yes/no items are reported as scores.objective",
    missing_rule=(
        "mean of the satisfaction items answered when at least 10 of the 12 are answered (prorated when any "
        "is missing); otherwise no score. The yes/no items never affect the score."
    ),
    score_range=(1, 7),
    scores_keys=("objective",),
    licence="MANSA: free for non-commercial use (Priebe et al.).",
    reference=(
        "Priebe S, Huxley P, Knight S, Evans S. Application and results of the Manchester Short Assessment "
        "of Quality of Life (MANSA). Int J Soc Psychiatry 1999;45:7-12"
    ),
    thresholds=(
        Threshold(
            kind="target_difference",
            value=0.45,
            description="between-group difference in mean MANSA change that the PARTNERS2 trial was powered to "
                        "detect (standardised effect 0.5 with s.d. 0.9); a trial design figure, not an "
                        "individual reliable-change index",
            source="Byng R, Creanor S, Jones B, et al. PARTNERS2 cluster randomised controlled trial. "
                   "Br J Psychiatry 2023;222:246-256 (statistical analysis; citing the DIALOG+ trial)",
            direction="higher_is_better",
        ),
    ),
)

WEMWBS = Instrument(
    code="wemwbs",
    name="Warwick-Edinburgh Mental Wellbeing Scale (WEMWBS)",
    version="tennant-2007",
    items=tuple(_items(_WEMWBS_LABELS, minimum=1, maximum=5, anchors=_WEMWBS_ANCHORS)),
    rule="wemwbs-sum-14",
    score_description="sum of the 14 items, 14-70",
    missing_rule=(
        "no score if any item is missing (default). Option prorate=true (at most 3 missing, as measures.md "
        "says) or prorate_max_missing=N: the mean of the items answered x 14"
    ),
    score_range=(14, 70),
    options={
        "prorate": "true: prorate when at most 3 items are missing (mean of answered x 14)",
        "prorate_max_missing": "prorate when at most this many items are missing (0-13)",
    },
    licence=_WEMWBS_LICENCE,
    reference=(
        "Tennant R, Hiller L, Fishwick R, et al. The Warwick-Edinburgh Mental Well-being Scale (WEMWBS): "
        "development and UK validation. Health Qual Life Outcomes 2007;5:63"
    ),
    thresholds=(
        Threshold(
            kind="standard_error_of_measurement_low",
            value=2.4,
            description="lowest standard error of measurement across twelve intervention studies; an individual "
                        "change above 2.77 SEM was taken as statistically important",
            source="Maheswaran H, Weich S, Powell J, Stewart-Brown S. Evaluating the responsiveness of the "
                   "Warwick Edinburgh Mental Well-Being Scale (WEMWBS): group and individual level analysis. "
                   "Health Qual Life Outcomes 2012;10:156 (abstract)",
            direction="higher_is_better",
        ),
        Threshold(
            kind="standard_error_of_measurement_high",
            value=3.1,
            description="highest standard error of measurement across the same twelve studies",
            source="Maheswaran H, et al. Health Qual Life Outcomes 2012;10:156 (abstract)",
            direction="higher_is_better",
        ),
    ),
)

SWEMWBS = Instrument(
    code="swemwbs",
    name="Short Warwick-Edinburgh Mental Wellbeing Scale (SWEMWBS)",
    version="stewart-brown-2009",
    items=tuple(
        Item(number=i + 1, code=_WEMWBS_LABELS[n - 1][0], label=_WEMWBS_LABELS[n - 1][1], minimum=1, maximum=5,
             anchors=dict(_WEMWBS_ANCHORS))
        for i, n in enumerate(_SWEMWBS_FROM_WEMWBS)
    ),
    rule="swemwbs-metric-conversion-table",
    score_description="metric score from the raw sum (7-35) by the published conversion table; scores.raw is the sum",
    missing_rule="no score (and no raw sum) if any item is missing",
    score_range=(7, 35),
    scores_keys=("raw",),
    licence=_WEMWBS_LICENCE,
    reference=(
        "Stewart-Brown S, Tennant A, Tennant R, et al. Internal construct validity of the Warwick-Edinburgh "
        "Mental Well-being Scale (WEMWBS): a Rasch analysis. Health Qual Life Outcomes 2009;7:15. Items are "
        "WEMWBS items 1, 2, 3, 6, 7, 9 and 11"
    ),
    thresholds=(
        Threshold(
            kind="statistically_important_change_1_sem",
            value=1.03,
            description="1 standard error of measurement (metric points): the lower threshold for a "
                        "statistically important individual change",
            source="Shah N, Cader M, Andrews B, et al. Responsiveness of the Short Warwick Edinburgh Mental "
                   "Well-Being Scale (SWEMWBS): evaluation a clinical sample. Health Qual Life Outcomes "
                   "2018;16:239 (abstract)",
            direction="higher_is_better",
        ),
        Threshold(
            kind="statistically_important_change_2_77_sem",
            value=2.87,
            description="2.77 standard errors of measurement (metric points): the stricter threshold",
            source="Shah N, et al. Health Qual Life Outcomes 2018;16:239 (abstract)",
            direction="higher_is_better",
        ),
    ),
)

QPR15 = Instrument(
    code="qpr15",
    name="Questionnaire about the Process of Recovery, 15 items (QPR-15)",
    version="law-2014",
    items=tuple(
        _items(
            [
                ("better_about_myself", "feeling better about myself"),
                ("taking_chances", "able to take chances in life"),
                ("positive_relationships", "building positive relationships"),
                ("part_of_society", "part of society, not isolated"),
                ("asserting_myself", "able to assert myself"),
                ("life_worthwhile", "life feels worthwhile"),
                ("changed_for_better", "experiences changed me for the better"),
                ("coming_to_terms", "come to terms with the past and moving on"),
                ("motivated", "motivated to get better"),
                ("recognise_positives", "recognising the good things I have done"),
                ("understand_myself", "understanding myself better"),
                ("in_charge", "in charge of my life"),
                ("engaging_with_life", "actively engaging with life"),
                ("control", "in control of parts of my life"),
                ("time_to_enjoy", "time for things I enjoy"),
            ],
            minimum=0,
            maximum=4,
            anchors={0: "disagree strongly", 4: "agree strongly"},
        )
    ),
    rule="qpr15-sum-15",
    score_description="sum of the 15 items, 0-60",
    missing_rule="no score if any item is missing (default); option prorate_max_missing=N: mean of answered x 15",
    score_range=(0, 60),
    options={"prorate_max_missing": "prorate when at most this many items are missing (0-14)"},
    licence="QPR-15: free to use.",
    reference=(
        "Law H, Neil ST, Dunn G, Morrison AP. Psychometric properties of the Questionnaire about the Process "
        "of Recovery (QPR). Schizophr Res 2014;156:184-189"
    ),
)

ICECAP_A = Instrument(
    code="icecap-a",
    name="ICEpop CAPability measure for Adults (ICECAP-A)",
    version="al-janabi-2012",
    items=tuple(
        _items(
            [
                ("stability", "stability (feeling settled and secure)"),
                ("attachment", "attachment (love, friendship and support)"),
                ("autonomy", "autonomy (being independent)"),
                ("achievement", "achievement (achieving and progressing)"),
                ("enjoyment", "enjoyment (enjoyment and pleasure)"),
            ],
            minimum=1,
            maximum=4,
            anchors={1: "no capability", 4: "full capability"},
        )
    ),
    rule="icecap-a-uk-tariff-sum",
    score_description="sum of the UK tariff values of the five levels (11111 = 0, 44444 = 1)",
    missing_rule="no score if any attribute is missing",
    score_range=(0, 1),
    value_sets=(ICECAP_TARIFF_NAME,),
    default_value_set=ICECAP_TARIFF_NAME,
    licence="ICECAP-A: registration with the developers (University of Birmingham) is required.",
    reference=(
        "Al-Janabi H, Flynn TN, Coast J. Development of a self-report measure of capability wellbeing for "
        "adults: the ICECAP-A. Qual Life Res 2012;21:167-176. Tariff: Flynn TN, Huynh E, Peters TJ, et al. "
        "Health Econ 2015;24:258-269 (must be loaded; see docs/measures.md)"
    ),
)

EQ5D5L = Instrument(
    code="eq-5d-5l",
    name="EQ-5D-5L",
    version="herdman-2011",
    items=(
        *_items(
            [
                ("mobility", "mobility"),
                ("self_care", "self-care"),
                ("usual_activities", "usual activities"),
                ("pain_discomfort", "pain/discomfort"),
                ("anxiety_depression", "anxiety/depression"),
            ],
            minimum=1,
            maximum=5,
            anchors={1: "no problems", 5: "extreme problems or unable"},
        ),
        Item(number=6, code="vas", label="health today (VAS)", minimum=0, maximum=100, optional=True,
             anchors={0: "worst imaginable", 100: "best imaginable"}),
    ),
    rule="eq-5d-5l-index-by-value-set",
    score_description="index by the chosen value set; scores.profile (e.g. 21134) and scores.vas",
    missing_rule="no index (and no profile) if any dimension is missing; the VAS is optional (5 or 6 responses)",
    score_range=None,
    value_sets=EQ5D_VALUE_SETS,
    default_value_set=EQ5D_DEFAULT_VALUE_SET,
    scores_keys=("profile", "vas"),
    licence="EQ-5D: registration with the EuroQol Research Foundation; fees may apply.",
    reference=(
        "Herdman M, Gudex C, Lloyd A, et al. Development and preliminary testing of the new five-level "
        "version of EQ-5D (EQ-5D-5L). Qual Life Res 2011;20:1727-1736"
    ),
)

BRIEF_INSPIRE = Instrument(
    code="brief-inspire",
    name="Brief INSPIRE",
    version="williams-2015",
    items=tuple(
        _items(
            [
                ("connectedness", "connectedness"),
                ("hope", "hope"),
                ("identity", "identity"),
                ("meaning", "meaning"),
                ("empowerment", "empowerment support"),
            ],
            minimum=0,
            maximum=4,
        )
    ),
    rule="brief-inspire-mean-x25",
    score_description="mean item score x 25, 0-100",
    missing_rule="no score if any item is missing",
    score_range=(0, 100),
    licence="Brief INSPIRE: free to use (Researching Recovery, King's College London).",
    reference=(
        "Williams J, Leamy M, Bird V, et al. Development and evaluation of the INSPIRE measure of staff "
        "support for personal recovery. Soc Psychiatry Psychiatr Epidemiol 2015;50:777-786"
    ),
)

TUS = Instrument(
    code="tus",
    name="Time Use Survey (structured activity)",
    version="hodgekins-2015",
    items=(
        *_items(
            [
                ("paid_work", "paid work"),
                ("voluntary_work", "voluntary work"),
                ("education", "education"),
                ("leisure", "leisure"),
                ("sport", "sport"),
                ("housework", "housework/chores"),
                ("childcare", "childcare"),
            ],
            kind="hours",
            minimum=0,
        ),
        Item(number=8, code="other", label="other", kind="hours", minimum=0, optional=True),
    ),
    rule="tus-sum-hours-per-week",
    score_description=(
        "structured activity hours per week = sum of all activities given; scores.constructive_economic "
        "excludes leisure and sport"
    ),
    missing_rule="no score if any activity given is missing (the 8th, 'other', may be left off)",
    score_range=None,
    scores_keys=("constructive_economic",),
    options={
        "outlier_max_hours": "flag the response as an outlier (scores.outlier) when the structured activity "
                             "total exceeds this many hours per week; the score is still given",
    },
    licence="Time Use Survey: free to use.",
    reference=(
        "Hodgekins J, French P, Birchwood M, et al. Comparing time use in individuals at different stages of "
        "psychosis and a non-clinical comparison group. Schizophr Res 2015;161:188-193. The PARTNERS2 trial "
        "removed two outliers from its TUS analyses without stating the rule"
    ),
)

_PHQ_LICENCE = "PHQ-9 and GAD-7: free to use; no permission is required to reproduce, translate or distribute."

PHQ9 = Instrument(
    code="phq9",
    name="Patient Health Questionnaire-9 (PHQ-9)",
    version="kroenke-2001",
    items=tuple(
        _items(
            [
                ("interest", "little interest or pleasure"),
                ("low_mood", "feeling down or hopeless"),
                ("sleep", "sleep problems"),
                ("energy", "tired or low energy"),
                ("appetite", "appetite changes"),
                ("self_worth", "feeling bad about oneself"),
                ("concentration", "trouble concentrating"),
                ("psychomotor", "slowed down or restless"),
                ("self_harm_thoughts", "thoughts of being better off dead or self-harm"),
            ],
            minimum=0,
            maximum=3,
            anchors={0: "not at all", 3: "nearly every day"},
        )
    ),
    rule="phq9-sum-9",
    score_description="sum of the 9 items, 0-27; scores.severity is the band",
    missing_rule="no score if any item is missing (default); option prorate_max_missing=N: mean of answered x 9",
    score_range=(0, 27),
    scores_keys=("severity",),
    options={"prorate_max_missing": "prorate when at most this many items are missing (0-8)"},
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    bands_source="Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606-613",
    licence=_PHQ_LICENCE,
    reference="Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression severity measure. "
              "J Gen Intern Med 2001;16:606-613",
    thresholds=(
        Threshold(kind="reliable_change", value=6, description="a fall of 6 points or more is a reliable improvement "
                  "(a rise of 6 or more a reliable deterioration)", source=_TALKING_THERAPIES,
                  direction="lower_is_better"),
        Threshold(kind="caseness", value=10, description="10 or more is above the clinical threshold",
                  source=_TALKING_THERAPIES, direction="lower_is_better"),
    ),
)

GAD7 = Instrument(
    code="gad7",
    name="Generalised Anxiety Disorder-7 (GAD-7)",
    version="spitzer-2006",
    items=tuple(
        _items(
            [
                ("nervous", "nervous, anxious or on edge"),
                ("uncontrolled_worry", "not able to stop worrying"),
                ("worry_too_much", "worrying too much"),
                ("trouble_relaxing", "trouble relaxing"),
                ("restless", "restless"),
                ("irritable", "easily annoyed or irritable"),
                ("afraid", "afraid something awful might happen"),
            ],
            minimum=0,
            maximum=3,
            anchors={0: "not at all", 3: "nearly every day"},
        )
    ),
    rule="gad7-sum-7",
    score_description="sum of the 7 items, 0-21; scores.severity is the band",
    missing_rule="no score if any item is missing (default); option prorate_max_missing=N: mean of answered x 7",
    score_range=(0, 21),
    scores_keys=("severity",),
    options={"prorate_max_missing": "prorate when at most this many items are missing (0-6)"},
    bands=(Band(0, 4, "minimal"), Band(5, 9, "mild"), Band(10, 14, "moderate"), Band(15, 21, "severe")),
    bands_source="Spitzer RL, Kroenke K, Williams JBW, Lowe B. Arch Intern Med 2006;166:1092-1097",
    licence=_PHQ_LICENCE,
    reference="Spitzer RL, Kroenke K, Williams JBW, Lowe B. A brief measure for assessing generalized anxiety "
              "disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097",
    thresholds=(
        Threshold(kind="reliable_change", value=4, description="a fall of 4 points or more is a reliable improvement "
                  "(a rise of 4 or more a reliable deterioration)", source=_TALKING_THERAPIES,
                  direction="lower_is_better"),
        Threshold(kind="caseness", value=8, description="8 or more is above the clinical threshold",
                  source=_TALKING_THERAPIES, direction="lower_is_better"),
    ),
)

GBO = Instrument(
    code="gbo",
    name="Goal-based outcome (GBO) ratings",
    version="law-jacob-2015",
    items=(Item(number=1, code="goal", label="progress towards the goal", minimum=0, maximum=10,
                anchors={0: "no progress", 10: "goal reached"}),),
    rule="gbo-mean-of-rated-goals",
    score_description=(
        "mean rating across the goals rated (0-10); scores.ratings per goal, and with a baseline (the ratings "
        "at agreement) scores.change per goal and scores.mean_change"
    ),
    missing_rule="goals not rated (null) are left out of the mean; no score if no goal is rated",
    score_range=(0, 10),
    scores_keys=("ratings", "baseline", "change", "mean_change"),
    options={"baseline": "the ratings at agreement, one per goal in the same order (null where not rated)"},
    variable_items=True,
    licence="Goal-based outcomes: free to use.",
    reference="Law D, Jacob J. Goals and goal based outcomes (GBOs): some useful information. 3rd ed. "
              "London: CAMHS Press, 2015",
)

# DIALOG (the scale used in DIALOG+ sessions): satisfaction with 8 life areas and 3 aspects of care, 1-7.
# Recorded as two instruments so that each mean is scored, stored and charted like any other measure.
_DIALOG_ANCHORS = {1: "totally dissatisfied", 4: "in the middle", 7: "totally satisfied"}
_DIALOG_LICENCE = "DIALOG and DIALOG+: made freely available for clinical use by their developers (Priebe et al.)."
_DIALOG_REFERENCE = (
    "Priebe S, Golden E, McCabe R, Reininghaus U. Patient-reported outcome data generated in a clinical "
    "intervention in community mental health care - psychometric properties. BMC Psychiatry 2012;12:113; "
    "Priebe S, Kelley L, Omer S, et al. The effectiveness of a patient-centred assessment with a solution-focused "
    "approach (DIALOG+) for patients with psychosis. Psychother Psychosom 2015;84:304-313"
)

DIALOG_LIFE = Instrument(
    code="dialog-life",
    name="DIALOG: satisfaction with 8 life areas",
    version="priebe-2012",
    items=tuple(_items(
        [
            ("mental_health", "mental health"),
            ("physical_health", "physical health"),
            ("job", "job situation (work or occupation)"),
            ("accommodation", "accommodation"),
            ("leisure", "leisure activities"),
            ("friendships", "friendships"),
            ("partner_family", "relationship with partner or family"),
            ("personal_safety", "personal safety"),
        ],
        minimum=1, maximum=7, anchors=_DIALOG_ANCHORS,
    )),
    rule="dialog-mean-of-8-life-areas",
    score_description="mean satisfaction across the 8 life areas (1 totally dissatisfied to 7 totally satisfied)",
    missing_rule="mean of the areas answered when at least 6 of the 8 are answered (prorated); otherwise no score",
    score_range=(1, 7),
    licence=_DIALOG_LICENCE,
    reference=_DIALOG_REFERENCE,
)

DIALOG_CARE = Instrument(
    code="dialog-care",
    name="DIALOG: satisfaction with 3 aspects of care",
    version="priebe-2012",
    items=tuple(_items(
        [
            ("medication", "medication"),
            ("practical_help", "practical help"),
            ("meetings", "meetings with their Care Partner"),
        ],
        minimum=1, maximum=7, anchors=_DIALOG_ANCHORS,
    )),
    rule="dialog-mean-of-3-care-aspects",
    score_description="mean satisfaction across the 3 aspects of care (1 totally dissatisfied to 7 totally "
                      "satisfied)",
    missing_rule="mean of the aspects answered when at least 2 of the 3 are answered (prorated); otherwise no score",
    score_range=(1, 7),
    licence=_DIALOG_LICENCE,
    reference=_DIALOG_REFERENCE,
)

INSTRUMENTS: dict[str, Instrument] = {
    i.code: i for i in (MANSA, WEMWBS, SWEMWBS, QPR15, ICECAP_A, EQ5D5L, BRIEF_INSPIRE, TUS, PHQ9, GAD7, GBO,
                        DIALOG_LIFE, DIALOG_CARE)
}
