"""Profiles, identifier systems, code systems and codes the FHIR mapping uses.

National and international codes are used only where they were checked against their source:

- UK Core profiles ``https://fhir.hl7.org.uk/StructureDefinition/UKCore-<Name>`` (nhs-standards.md);
- the NHS number system and its verification status extension and code system (UK Core: codes ``01``
  'Number present and verified', ``02`` 'Number present but not traced' - the platform checks the
  Modulus 11 digit but does not trace numbers against PDS, so it says ``02``);
- UK Core ethnic category (England) codes, which are the NHS ethnic category codes the platform stores;
- SNOMED CT: the SMI diagnosis codes on the register (the case-finding code list), the group defaults
  58214004 |Schizophrenia|, 13746004 |Bipolar disorder|, 69322001 |Psychotic disorder|, body
  measurements 60621009 |Body mass index|, 27113001 |Body weight|, 50373000 |Body height measure|,
  75367002 |Blood pressure|, 271649006 |Systolic blood pressure|, 271650006 |Diastolic blood pressure|,
  and smoking findings 77176002 |Smoker|, 8517006 |Ex-smoker|, 266919005 |Never smoked tobacco|;
- LOINC for the same observations (the FHIR vital signs codes, and 14647-2 total cholesterol, 14646-4
  HDL cholesterol, 59261-8 HbA1c (IFCC), 14771-0 fasting glucose, 72166-2 tobacco smoking status);
- HL7 terminology: v3 ActCode encounter classes, observation and condition categories.

Everything specific to PARTNERS (episode phases, life areas, contact modes and places, questionnaire
points, referral statuses, score components) is in a local code system under the platform's canonical
base URL (``Canon``), never dressed up as a national code.
"""

from __future__ import annotations

from dataclasses import dataclass

UKCORE = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-"
UKCORE_PACKAGE = "fhir.r4.ukcore.stu2 2.0.x"
PROFILES = {
    name: f"{UKCORE}{name}"
    for name in ("Patient", "Practitioner", "Organization", "Encounter", "Condition", "Observation",
                 "ServiceRequest", "QuestionnaireResponse", "CarePlan", "CareTeam", "EpisodeOfCare", "Flag")
}
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
ODS_CODE = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER_VERIFICATION = f"{UKCORE.rsplit('/', 1)[0]}/Extension-UKCore-NHSNumberVerificationStatus"
NHS_NUMBER_VERIFICATION_CS = "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
NOT_TRACED = ("02", "Number present but not traced")
ETHNIC_CATEGORY = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory"
ETHNIC_CATEGORY_CS = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
NHS_COMMUNICATION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSCommunication"
BCP47 = "urn:ietf:bcp:47"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"

DIAGNOSIS_DEFAULT_SNOMED = {
    "schizophrenia": ("58214004", "Schizophrenia"),
    "bipolar": ("13746004", "Bipolar disorder"),
    "other_psychosis": ("69322001", "Psychotic disorder"),
}
SMOKING_SNOMED = {
    "current": ("77176002", "Smoker"),
    "ex": ("8517006", "Ex-smoker"),
    "never": ("266919005", "Never smoked tobacco"),
}
ENCOUNTER_CLASS = {  # v3 ActCode
    ("face_to_face", "home"): ("HH", "home health"),
    ("face_to_face", "community"): ("FLD", "field"),
    ("face_to_face", "practice"): ("AMB", "ambulatory"),
    ("face_to_face", "other"): ("AMB", "ambulatory"),
    ("face_to_face", ""): ("AMB", "ambulatory"),
}
VIRTUAL = ("VR", "virtual")

# Health check values: (field, SNOMED code and term or None, LOINC code and term, UCUM unit, category)
HEALTH_CHECK_VALUES: tuple[tuple[str, tuple[str, str] | None, tuple[str, str], str, str], ...] = (
    ("bmi", ("60621009", "Body mass index"), ("39156-5", "Body mass index (BMI) [Ratio]"), "kg/m2", "vital-signs"),
    ("weight_kg", ("27113001", "Body weight"), ("29463-7", "Body weight"), "kg", "vital-signs"),
    ("height_cm", ("50373000", "Body height measure"), ("8302-2", "Body height"), "cm", "vital-signs"),
    ("total_cholesterol", None, ("14647-2", "Cholesterol [Moles/volume] in Serum or Plasma"), "mmol/L",
     "laboratory"),
    ("hdl_cholesterol", None, ("14646-4", "Cholesterol in HDL [Moles/volume] in Serum or Plasma"), "mmol/L",
     "laboratory"),
    ("hba1c", None, ("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"), "mmol/mol",
     "laboratory"),
    ("glucose", None, ("14771-0", "Fasting glucose [Moles/volume] in Serum or Plasma"), "mmol/L", "laboratory"),
)
BLOOD_PRESSURE = (("75367002", "Blood pressure"), ("85354-9", "Blood pressure panel with all children optional"))
SYSTOLIC = (("271649006", "Systolic blood pressure"), ("8480-6", "Systolic blood pressure"))
DIASTOLIC = (("271650006", "Diastolic blood pressure"), ("8462-4", "Diastolic blood pressure"))
SMOKING_STATUS = ("72166-2", "Tobacco smoking status")


@dataclass(frozen=True)
class Canon:
    """The platform's own canonical URLs (local code systems, extensions, identifier systems)."""

    base: str

    def cs(self, name: str) -> str:
        return f"{self.base}/CodeSystem/{name}"

    def ext(self, name: str) -> str:
        return f"{self.base}/StructureDefinition/{name}"

    def id_system(self, kind: str) -> str:
        return f"{self.base}/Id/{kind}"

    def questionnaire(self, instrument: str) -> str:
        return f"{self.base}/Questionnaire/{instrument}"
