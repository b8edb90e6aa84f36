"""The demo ICS: organisations, the demo accounts, ~1,000 people on SMI registers, and caseloads.

Names are drawn from lists of common names and NHS numbers from the 999 range, which is never issued
to real people. The mix of age, sex, ethnicity and diagnosis follows SMI registers in England (more
diverse than the PARTNERS2 sample, whose under-representation the equity view must show).
"""

from __future__ import annotations

import os
import random
from datetime import timedelta

from django.utils import timezone

from partners.accounts.models import Role, User
from partners.care.models import EndReason, Episode, Phase, SecondaryCareChange
from partners.common.identifiers import nhs_number_check_digit
from partners.organisations.models import Organisation, Team
from partners.registry.models import CareSetting, Consent, Person, SecondaryCareEpisode

ICS = ("Synthetic Shire Integrated Care System", "QZZ")
PCNS = [
    ("Riverside PCN", "U99001", "North"),
    ("Harbour PCN", "U99002", "Coast"),
    ("Moorland PCN", "U99003", "Rural"),
]
PRACTICES = [
    ("Riverside Medical Centre", "X91001", 0, "large"),
    ("Bridge Street Surgery", "X91002", 0, "large"),
    ("Mill Lane Practice", "X91003", 0, "small"),
    ("Canal Side Health", "X91004", 0, "small"),
    ("Harbour View Surgery", "X91005", 1, "large"),
    ("Quayside Medical Practice", "X91006", 1, "large"),
    ("Lighthouse Health Centre", "X91007", 1, "small"),
    ("Moor Edge Surgery", "X91008", 2, "small"),
    ("Tor View Practice", "X91009", 2, "large"),
    ("Valley Road Surgery", "X91010", 2, "small"),
]
TRUST = ("Synthetic Shire Mental Health NHS Foundation Trust", "RZZ")
VCSOS = ["Shire Mind", "Harbour Community Connectors", "Moorland Peer Support Network"]

FIRST_FEMALE = ["Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophie", "Grace", "Mia", "Poppy", "Ella", "Lily",
                "Evie", "Jessica", "Ruby", "Chloe", "Sarah", "Karen", "Joanne", "Michelle", "Amina", "Fatima",
                "Priya", "Aisha", "Zainab", "Grace", "Funmi", "Chiamaka", "Mei", "Agnieszka", "Claire", "Helen"]
FIRST_MALE = ["Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Thomas", "James", "William",
              "Daniel", "David", "Mark", "Paul", "Andrew", "Mohammed", "Ahmed", "Imran", "Ravi", "Arjun",
              "Kwame", "Tunde", "Marcus", "Wei", "Piotr", "Liam", "Connor", "Gareth", "Keith", "Stephen"]
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
            "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
            "Patel", "Khan", "Ahmed", "Begum", "Ali", "Hussain", "Okafor", "Mensah", "Campbell", "Francis",
            "Chen", "Nowak", "Kowalski", "Murphy", "Kelly", "Hughes", "Edwards", "Turner", "Hill", "Moore",
            "Cooper", "Ward", "Morris", "King", "Watson", "Baker", "Harris", "Martin", "Lewis", "Scott"]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane",
           "Queens Road", "The Crescent", "Orchard Way", "Harbour Road"]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXY"
OUTWARD = ["ZZ1", "ZZ2", "ZZ3", "ZZ4", "ZZ5", "ZZ6", "ZZ7", "ZZ8", "ZZ9"]

# England SMI register mix (approximate): ethnic category -> weight.
ETHNICITY_WEIGHTS = {"A": 66, "B": 1, "C": 5, "D": 1.5, "E": 0.8, "F": 0.7, "G": 1.2, "H": 2.5, "J": 2.5,
                     "K": 1.0, "L": 1.5, "M": 3.5, "N": 3.5, "P": 1.5, "R": 0.5, "S": 1.8, "Z": 5.5}
DIAGNOSIS_WEIGHTS = {"schizophrenia": 0.36, "bipolar": 0.40, "other_psychosis": 0.24}

DEMO_ACCOUNTS = [
    # username, role, first, last, organisation key, supervisor username
    ("supervisor1", Role.SUPERVISOR, "Sam", "Okoro", "trust", None),
    ("supervisor2", Role.SUPERVISOR, "Rachel", "Kemp", "trust", None),
    ("carepartner1", Role.CARE_PARTNER, "Alex", "Morgan", "trust", "supervisor1"),
    ("carepartner2", Role.CARE_PARTNER, "Jordan", "Price", "vcso", "supervisor1"),
    ("carepartner3", Role.CARE_PARTNER, "Priya", "Shah", "trust", "supervisor2"),
    ("carepartner4", Role.CARE_PARTNER, "Chris", "Bell", "vcso", "supervisor2"),
    ("practice1", Role.PRACTICE_STAFF, "Helen", "Ward", "X91001", None),
    ("leader1", Role.SYSTEM_LEADER, "Nadia", "Brooks", "ics", None),
    ("researcher1", Role.RESEARCHER, "Tom", "Ellis", "trust", None),
    ("admin1", Role.ADMINISTRATOR, "Morgan", "Lee", "ics", None),
]
# Which practices each demo Care Partner works in (practice1's practice is shared by two).
CARE_PARTNER_PRACTICES = {
    "carepartner1": ["X91001", "X91002"],
    "carepartner2": ["X91001", "X91003", "X91004"],
    "carepartner3": ["X91005", "X91006", "X91007"],
    "carepartner4": ["X91008", "X91009", "X91010"],
}


def synthetic_nhs_number(rng: random.Random, used: set[str]) -> str:
    """A Modulus 11 valid number in the 999 range (never issued to a real person)."""
    while True:
        first_nine = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        check = nhs_number_check_digit(first_nine)
        if check is None:
            continue
        number = first_nine + str(check)
        if number not in used:
            used.add(number)
            return number


def organisations(rng: random.Random) -> str:
    ics, _ = Organisation.objects.get_or_create(
        ods_code=ICS[1], defaults={"kind": Organisation.Kind.ICS, "name": ICS[0]})
    pcns = []
    for name, code, region in PCNS:
        pcn, _ = Organisation.objects.get_or_create(
            ods_code=code, defaults={"kind": Organisation.Kind.PCN, "name": name, "parent": ics, "region": region})
        pcns.append(pcn)
    for name, code, pcn_index, size in PRACTICES:
        Organisation.objects.get_or_create(
            ods_code=code,
            defaults={"kind": Organisation.Kind.PRACTICE, "name": name, "parent": pcns[pcn_index],
                      "region": pcns[pcn_index].region, "size": size,
                      "postcode": f"{rng.choice(OUTWARD)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
                                  f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}",
                      "phone": f"01632 {rng.randint(100000, 999999)}"})
    trust, _ = Organisation.objects.get_or_create(
        ods_code=TRUST[1], defaults={"kind": Organisation.Kind.TRUST, "name": TRUST[0], "parent": ics})
    for kind, name in [(Team.Kind.CARE_PARTNERS, "PARTNERS Care Partner team"), (Team.Kind.CMHT, "North CMHT"),
                       (Team.Kind.CMHT, "Coast CMHT"), (Team.Kind.EIP, "Early Intervention Service"),
                       (Team.Kind.CRISIS, "Crisis and Home Treatment Team")]:
        Team.objects.get_or_create(organisation=trust, name=name, defaults={"kind": kind})
    for name in VCSOS:
        Organisation.objects.get_or_create(
            name=name, kind=Organisation.Kind.VCSO, defaults={"parent": ics})
    return f"1 ICS, {len(PCNS)} PCNs, {len(PRACTICES)} practices, 1 trust, {len(VCSOS)} voluntary organisations"


def accounts(rng: random.Random) -> str:
    password = os.environ.get("DEMO_PASSWORD", "partners-demo")
    orgs = {
        "trust": Organisation.objects.get(ods_code=TRUST[1]),
        "ics": Organisation.objects.get(ods_code=ICS[1]),
        "vcso": Organisation.objects.get(name=VCSOS[0]),
    }
    team = Team.objects.get(name="PARTNERS Care Partner team")
    for username, role, first, last, org_key, supervisor in DEMO_ACCOUNTS:
        org = orgs.get(org_key) or Organisation.objects.get(ods_code=org_key)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "first_name": first, "last_name": last, "organisation": org,
                      "is_demo": True, "email": f"{username}@example.nhs.uk",
                      "team": team if role in (Role.CARE_PARTNER, Role.SUPERVISOR) else None,
                      "job_title": dict(Role.choices)[role]},
        )
        if created:
            user.set_password(password)
            if supervisor:
                user.supervisor = User.objects.get(username=supervisor)
            user.save()
    return f"{len(DEMO_ACCOUNTS)} demo accounts"


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def people(rng: random.Random, count: int = 1000) -> str:
    today = timezone.localdate()
    practices = list(Organisation.objects.filter(kind=Organisation.Kind.PRACTICE).order_by("ods_code"))
    sizes = [3 if p.size == "large" else 1.6 for p in practices]
    trust = Organisation.objects.get(ods_code=TRUST[1])
    used: set[str] = {n for n in Person.objects.values_list("nhs_number", flat=True) if n}
    persons = []
    for _ in range(count):
        sex = rng.choices(["female", "male", "other", "unknown"], weights=[49, 49, 1, 1])[0]
        first = rng.choice(FIRST_FEMALE if sex == "female" else FIRST_MALE if sex == "male"
                           else FIRST_FEMALE + FIRST_MALE)
        age = min(92.0, max(18.2, rng.gauss(50, 15)))
        born = today - timedelta(days=int(age * 365.25) + rng.randint(0, 364))
        diagnosis = _weighted(rng, DIAGNOSIS_WEIGHTS)
        secondary = rng.random() < 0.42
        practice = rng.choices(practices, weights=sizes)[0]
        outward = rng.choice(OUTWARD)
        sms = rng.random() < 0.55
        persons.append(Person(
            nhs_number=synthetic_nhs_number(rng, used),
            given_name=first, family_name=rng.choice(SURNAMES), date_of_birth=born, sex=sex,
            ethnicity=_weighted(rng, ETHNICITY_WEIGHTS),
            postcode=f"{outward} {rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}",
            lsoa=f"E0199{rng.randint(1000, 1099)}",
            address=f"{rng.randint(1, 140)} {rng.choice(STREETS)}, Synthetic Shire",
            practice=practice, registered_on=today - timedelta(days=rng.randint(200, 9000)),
            diagnosis_group=diagnosis,
            snomed_code={"schizophrenia": "58214004", "bipolar": "13746004", "other_psychosis": "69322001"}[diagnosis],
            usual_care_setting=CareSetting.SECONDARY if secondary else CareSetting.PRIMARY,
            phone=f"07700 9{rng.randint(0, 99999):05d}",  # Ofcom's range for drama: never a real number
            email=f"{first.lower()}.{rng.randint(100, 999)}@example.com" if rng.random() < 0.5 else "",
            preferred_contact_method=rng.choices(["telephone", "sms", "email", "letter"], weights=[5, 3, 1, 1])[0],
            sms_opt_in=sms, email_opt_in=rng.random() < 0.3,
            preferred_language=rng.choices(["en", "pl", "ur", "bn", "pa", "so"], weights=[93, 2, 2, 1, 1, 1])[0],
        ))
    for p in persons:
        if p.preferred_language != "en":
            p.interpreter_needed = rng.random() < 0.6
            p.interpreter_language = p.preferred_language if p.interpreter_needed else ""
        if rng.random() < 0.04:
            p.communication_needs = [rng.choice(["easy_read", "large_print", "bsl", "hearing", "visual"])]
    Person.objects.bulk_create(persons, batch_size=500)
    persons = list(Person.objects.order_by("pk"))
    history = []
    for p in persons:
        n_episodes = rng.choices([0, 1, 2, 3], weights=[25, 40, 25, 10])[0]
        if p.usual_care_setting == CareSetting.SECONDARY:
            n_episodes = max(1, n_episodes)
        start = p.date_of_birth + timedelta(days=int(365.25 * rng.uniform(18, 30)))
        for i in range(n_episodes):
            if start >= today:
                break
            team = rng.choices(["cmht", "eip", "outpatient", "inpatient", "crisis_home_treatment"],
                               weights=[40, 12, 30, 10, 8])[0]
            level = "cpa" if team in ("cmht", "eip") and rng.random() < 0.6 else (
                "outpatient_only" if team == "outpatient" else "standard")
            length = timedelta(days=int(rng.expovariate(1 / (500 if team != "inpatient" else 40))) + 14)
            last = i == n_episodes - 1
            still_open = last and p.usual_care_setting == CareSetting.SECONDARY
            discharge = None if still_open else min(today - timedelta(days=1), start + length)
            history.append(SecondaryCareEpisode(person=p, provider=trust, team_type=team, care_level=level,
                                                referral_date=start, discharge_date=discharge))
            start = (discharge or today) + timedelta(days=rng.randint(60, 2500))
    SecondaryCareEpisode.objects.bulk_create(history, batch_size=1000)
    return f"{len(persons)} people on SMI registers, {len(history)} secondary care episodes"


def episodes(rng: random.Random) -> str:
    """Caseloads of 20-30 for each demo Care Partner, in every phase, some overdue."""
    today = timezone.localdate()
    care_partners = {u.username: u for u in User.objects.filter(role=Role.CARE_PARTNER, is_demo=True)}
    taken: set[int] = set(Episode.objects.values_list("person_id", flat=True))
    created = []
    consents = []
    for username, codes in CARE_PARTNER_PRACTICES.items():
        cp = care_partners[username]
        pool = [p for p in Person.objects.filter(practice__ods_code__in=codes).order_by("pk") if p.pk not in taken]
        rng.shuffle(pool)
        size = rng.randint(22, 28)
        for person in pool[:size]:
            taken.add(person.pk)
            months_in = rng.uniform(0, 11.5)
            referred = today - timedelta(days=int(months_in * 30.4) + 7)
            phase = (Phase.INVITED if months_in < 0.4 else Phase.ENGAGING if months_in < 1.2
                     else Phase.TRANSITION if months_in > 10 else
                     Phase.STEPPED_DOWN if rng.random() < 0.2 else Phase.ACTIVE)
            interval = 28 if phase == Phase.STEPPED_DOWN else 14
            started = None if phase == Phase.INVITED else referred + timedelta(days=rng.randint(3, 10))
            last_contact = None
            if started:
                last_contact = today - timedelta(days=rng.randint(1, interval + 10))
            next_contact = (last_contact or today) + timedelta(days=interval)
            if rng.random() < 0.15:  # a few people slip past their planned contact
                next_contact = today - timedelta(days=rng.randint(1, 12))
            created.append(Episode(
                person=person, care_partner=cp, practice=person.practice, phase=phase, referred_on=referred,
                started_on=started, planned_end_on=(started or referred) + timedelta(days=365),
                transition_from=(started or referred) + timedelta(days=304),
                secondary_care_change=(rng.choice([SecondaryCareChange.PAUSED, SecondaryCareChange.REDUCED])
                                       if person.usual_care_setting == CareSetting.SECONDARY
                                       else SecondaryCareChange.NOT_APPLICABLE),
                contact_interval_days=interval, next_contact_on=next_contact, last_contact_on=last_contact,
            ))
            if started:
                consents.append(Consent(person=person, scope=Consent.Scope.CARE, status=Consent.Status.GIVEN,
                                        recorded_on=started, recorded_by=cp))
        # and a few ended episodes, for history
        for person in pool[size:size + 4]:
            taken.add(person.pk)
            referred = today - timedelta(days=rng.randint(400, 700))
            created.append(Episode(
                person=person, care_partner=cp, practice=person.practice, phase=Phase.ENDED, referred_on=referred,
                started_on=referred + timedelta(days=7), planned_end_on=referred + timedelta(days=372),
                ended_on=referred + timedelta(days=rng.randint(200, 372)),
                end_reason=rng.choice([EndReason.COMPLETED, EndReason.COMPLETED, EndReason.DISENGAGED]),
                last_contact_on=referred + timedelta(days=190),
            ))
    Episode.objects.bulk_create(created, batch_size=500)
    Consent.objects.bulk_create(consents, batch_size=500)
    open_count = sum(1 for e in created if e.phase != Phase.ENDED)
    return f"{open_count} open and {len(created) - open_count} ended episodes"

