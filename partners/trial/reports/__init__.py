"""The trial report: Tables 1-3, the CONSORT flow diagram, and the pseudonymised research extract.

- :mod:`.formatting` - numbers as the PARTNERS2 paper prints them.
- :mod:`.tables` - Tables 1-3 as data (:class:`.tables.Table`).
- :mod:`.consort` - the CONSORT diagram from the dataset and optional recruitment records; SVG.
- :mod:`.render` - HTML (standalone, accessible), CSV per table, PDF (reportlab); :func:`.render.write_report`.
- :mod:`.extract` - the research extract: CSV, Stata .dta and a data dictionary, with keyed pseudonyms.

Pure: no Django. ``partners report trial`` and ``partners report extract`` call these; so can the platform.
"""
