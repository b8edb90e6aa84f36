"""Case finding's pure core (no Django): reading extracts, linkage, the gap rule, eligibility.

- :mod:`.extracts` - ``read_register`` / ``read_secondary``: validated Arrow tables and a report.
- :mod:`.codelist` - the SNOMED CT code list for diagnosis groups.
- :mod:`.linkage` - ``link(register, secondary, ...)``: exact NHS number, then splink.
- :mod:`.gaprule` - ``apply_gap_rule`` and ``screen_eligibility``.
- :mod:`.pipeline` - ``run_casefind``: files in, the case-finding table out (what the CLI calls).
"""
