"""The FHIR R4 mapping: platform records <-> fhir.resources R4B models (UK Core where it applies). Pure.

- :mod:`.records` - the plain dataclasses on the platform side;
- :mod:`.codes` - profiles, identifier and code systems (national ones checked; local ones under ``Canon``);
- :mod:`.export` - records -> resources and the ``$everything`` Bundle;
- :mod:`.parse` - resources -> records, with validation (``FhirInputError``).
"""
