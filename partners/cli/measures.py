"""`partners measures`: list the instruments, score a questionnaire, install value sets.

* ``partners measures list [--json]`` - instruments and their item order.
* ``partners measures score INSTRUMENT [--value-set NAME] [--prorate | --prorate-max-missing N]
  [--outlier-max-hours H]`` - reads ``{"responses": [...]}`` (item order, null = missing; for ``gbo``
  optionally ``"baseline": [...]``) on stdin and prints one JSON object: ``{"instrument", "score",
  "scores", "missing", "prorated", "value_set", ...}``. Bad input exits 2 with the message on stderr.
* ``partners measures install-crosswalk [--from FILE] [--if-missing]`` - the van Hout EQ-5D-5L crosswalk.
* ``partners measures install-tariff icecap-a FILE`` - an ICECAP-A tariff transcribed from Flynn et al. 2015.
* ``partners measures load-translation FILE --user ADMIN [--json]`` - licensed translated (or easy-read,
  language ``en-easyread``) item wording an organisation holds, from a JSON file (docs/voice.md). This one
  starts Django (it writes to the database, audited); the others are pure.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

from partners.cli import CommandError, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "measures", help="outcome measures: list instruments, score questionnaires",
        description="Outcome measures: instruments as data, one scoring engine.",
    )
    commands = parser.add_subparsers(dest="measures_command", metavar="SUBCOMMAND")
    commands.required = True

    listing = commands.add_parser("list", help="instruments and their item order")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    listing.set_defaults(func=_list)

    scoring = commands.add_parser(
        "score", help="score one questionnaire read from stdin as {\"responses\": [...]}",
        description="Reads {\"responses\": [...]} on stdin (item order; null = not answered) and prints the "
                    "score as one JSON object.",
    )
    scoring.add_argument("instrument", metavar="INSTRUMENT",
                         help="mansa, wemwbs, swemwbs, qpr15, icecap-a, eq-5d-5l, brief-inspire, tus, phq9, gad7, gbo")
    scoring.add_argument("--value-set", metavar="NAME", default=None,
                         help="EQ-5D-5L value set: uk-2026 (default), england-2018, vanhout-crosswalk")
    scoring.add_argument("--json", action="store_true", help="accepted for symmetry: the output is always JSON")
    scoring.add_argument("--prorate", action="store_true",
                         help="WEMWBS: prorate when at most 3 items are missing (mean of answered x 14)")
    scoring.add_argument("--prorate-max-missing", metavar="N", type=int, default=None,
                         help="wemwbs, qpr15, phq9, gad7: prorate when at most N items are missing")
    scoring.add_argument("--outlier-max-hours", metavar="H", type=float, default=None,
                         help="tus: flag a total above H hours per week as an outlier (the score is still given)")
    scoring.set_defaults(func=_score)

    crosswalk = commands.add_parser(
        "install-crosswalk", help="install the van Hout 2012 EQ-5D-5L crosswalk (from the R package eq5d)",
        description="Downloads eq5d 0.16.0 from CRAN (or reads --from), checks the pinned sha256 of its data, "
                    "converts the UK crosswalk with Rscript and installs it under var/measures/.",
    )
    crosswalk.add_argument("--from", dest="source", metavar="FILE", type=Path, default=None,
                           help="eq5d_0.16.0.tar.gz (or its R/sysdata.rda) already on this machine")
    crosswalk.add_argument("--if-missing", action="store_true", help="do nothing when it is already installed")
    crosswalk.add_argument("--timeout", type=float, default=30.0, help="download timeout in seconds (default 30)")
    crosswalk.set_defaults(func=_install_crosswalk)

    tariff = commands.add_parser(
        "install-tariff", help="install a tariff file (ICECAP-A), after checking it",
        description="Checks and installs a tariff transcribed from its publication (see docs/measures.md).",
    )
    tariff.add_argument("instrument", metavar="INSTRUMENT", choices=["icecap-a"], help="icecap-a")
    tariff.add_argument("file", metavar="FILE", type=Path)
    tariff.set_defaults(func=_install_tariff)

    translation = commands.add_parser(
        "load-translation", help="load licensed translated or easy-read item wording from a JSON file",
        description="Reads one object (or a list of objects) {\"instrument\", \"language\", \"licence_reference\", "
                    "\"items\": [one text per item, in item order], \"organisation\": ODS code or null for "
                    "platform-wide}. All or nothing; loading the same file again changes nothing. Audited.",
    )
    translation.add_argument("file", metavar="FILE", type=Path)
    translation.add_argument("--user", required=True, help="the administrator account loading it")
    translation.add_argument("--json", action="store_true", help="print one JSON object")
    translation.set_defaults(func=_load_translation)


# --- list ----------------------------------------------------------------------------------------------

def _list(args: argparse.Namespace) -> int:
    from partners.measures.engine import list_instruments

    instruments = list_instruments()
    if args.json:
        print_json({"instruments": [instrument.as_dict() for instrument in instruments]})
        return 0
    out = sys.stdout
    for instrument in instruments:
        out.write(f"{instrument.code}: {instrument.name} [{instrument.version}]\n")
        out.write(f"  score: {instrument.score_description}\n")
        out.write(f"  missing: {instrument.missing_rule}\n")
        if instrument.value_sets:
            default = f" (default {instrument.default_value_set})" if instrument.default_value_set else ""
            out.write(f"  value sets: {', '.join(instrument.value_sets)}{default}\n")
        if instrument.variable_items:
            item = instrument.items[0]
            out.write(f"  items: one per goal - {item.label}: {item.allowed_text()}\n")
        else:
            for item in instrument.items:
                optional = " (optional)" if item.optional else ""
                out.write(f"  {item.number:>2}. {item.label}{optional}: {item.allowed_text()}\n")
        out.write(f"  licence: {instrument.licence}\n\n")
    return 0


# --- score ---------------------------------------------------------------------------------------------

def _refuse_constant(name: str) -> Any:
    raise CommandError(f"stdin: {name} is not a number JSON allows; send a finite number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise CommandError(f"stdin: the number {text} is too large to be a response")
    return value


def _read_request() -> dict[str, Any]:
    try:
        text = sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise CommandError(f"stdin: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise CommandError('stdin: nothing was read; send a JSON object such as {"responses": [4, 5, null]}')
    try:
        payload = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise CommandError(f"stdin: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise CommandError(f"stdin: not usable JSON ({exc})") from None
    if not isinstance(payload, dict):
        raise CommandError(f'stdin: expected a JSON object {{"responses": [...]}}, found a JSON {_json_type(payload)}')
    if "responses" not in payload:
        keys = ", ".join(sorted(payload)) or "none"
        raise CommandError(f'stdin: the JSON object has no "responses" key (keys found: {keys})')
    return payload


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _score(args: argparse.Namespace) -> int:
    from partners.measures.engine import ScoringError, get_instrument, score

    try:
        instrument = get_instrument(args.instrument)
    except ScoringError as exc:
        raise CommandError(str(exc)) from None
    payload = _read_request()
    options: dict[str, Any] = {}
    extra = payload.get("options")
    if extra is not None:
        if not isinstance(extra, dict):
            raise CommandError(f'stdin: "options" must be a JSON object, found a JSON {_json_type(extra)}')
        options.update(extra)
    if "baseline" in payload:
        options["baseline"] = payload["baseline"]
    if args.prorate:
        options["prorate"] = True
    if args.prorate_max_missing is not None:
        options["prorate_max_missing"] = args.prorate_max_missing
    if args.outlier_max_hours is not None:
        options["outlier_max_hours"] = args.outlier_max_hours
    try:
        result = score(instrument.code, payload["responses"], value_set=args.value_set, options=options or None)
    except ScoringError as exc:
        raise CommandError(str(exc)) from None
    print_json(result.as_dict())
    return 0


# --- installing value sets -----------------------------------------------------------------------------

def _install_crosswalk(args: argparse.Namespace) -> int:
    from partners.measures.crosswalk import InstallError, crosswalk_destination, install_crosswalk

    destination = crosswalk_destination()
    if args.if_missing and destination.exists():
        sys.stdout.write(f"The EQ-5D-5L crosswalk is already installed at {destination}.\n")
        return 0
    try:
        installed = install_crosswalk(args.source, timeout=args.timeout)
    except InstallError as exc:
        raise CommandError(f"install-crosswalk: {exc}") from None
    sys.stdout.write(f"Installed the van Hout EQ-5D-5L crosswalk ({installed.rows} profiles) at {installed.path}\n"
                     f"from {installed.origin}; provenance in {installed.provenance}.\n")
    return 0


def _install_tariff(args: argparse.Namespace) -> int:
    from partners.measures.engine import ScoringError
    from partners.measures.engine.valuesets import ICECAP_TARIFF_FILENAME, measures_data_dir, parse_icecap_tariff

    try:
        text = args.file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{args.file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.file}: cannot be read as UTF-8 text ({exc})") from None
    try:
        tariff = parse_icecap_tariff(text, str(args.file))
    except ScoringError as exc:
        raise CommandError(str(exc)) from None
    destination = measures_data_dir() / ICECAP_TARIFF_FILENAME
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.file, destination)
    sys.stdout.write(f"Installed the ICECAP-A tariff ({tariff.source}) at {destination}.\n")
    return 0


# --- licensed translations ----------------------------------------------------------------------------

TRANSLATION_KEYS = ("instrument", "language", "licence_reference", "items")


def _load_translation(args: argparse.Namespace) -> int:
    from partners.cli import setup_django

    try:
        payload = json.loads(args.file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CommandError(f"{args.file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{args.file}: cannot be read as UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise CommandError(f"{args.file}: not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    entries = payload if isinstance(payload, list) else [payload]
    for n, entry in enumerate(entries, start=1):
        where = f"{args.file}: entry {n}"
        if not isinstance(entry, dict):
            raise CommandError(
                f"{where}: expected an object with {', '.join(TRANSLATION_KEYS)}, not {_json_type(entry)}")
        missing = [k for k in TRANSLATION_KEYS if k not in entry]
        if missing:
            raise CommandError(f"{where}: field {', '.join(missing)} is missing")
        if not isinstance(entry["items"], list) or not all(isinstance(t, str) for t in entry["items"]):
            raise CommandError(f"{where}: field items must be a list of texts, not {entry['items']!r:.60}")
        for key in ("instrument", "language", "licence_reference"):
            if not isinstance(entry[key], str):
                raise CommandError(f"{where}: field {key} must be text, not {entry[key]!r:.60}")
    setup_django()
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.http import Http404

    from partners.accounts.models import Role, User
    from partners.audit.actor import Actor
    from partners.measures.services import instrument_wording_load
    from partners.organisations.models import Organisation

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        raise CommandError(f"--user {args.user!r}: no active account has that username")
    if user.role != Role.ADMINISTRATOR:
        raise CommandError(f"--user {args.user!r}: only an administrator can load licensed wording")
    actor = Actor.system(user, via="cli")
    loaded = []
    with transaction.atomic():
        for n, entry in enumerate(entries, start=1):
            where = f"{args.file}: entry {n}"
            organisation_id = None
            ods = entry.get("organisation")
            if ods:
                organisation = Organisation.objects.filter(ods_code=str(ods).upper()).first()
                if organisation is None:
                    raise CommandError(f"{where}: field organisation: no organisation has the ODS code {ods!r}")
                organisation_id = organisation.pk
            try:
                wording = instrument_wording_load(
                    actor=actor, instrument=entry["instrument"], language=entry["language"],
                    organisation_id=organisation_id, items=entry["items"],
                    licence_reference=entry["licence_reference"])
            except Http404:
                raise CommandError(f"{where}: field instrument: {entry['instrument']!r} is not a questionnaire "
                                   "that can be collected") from None
            except ValidationError as exc:
                detail = "; ".join(f"field {k}: {' '.join(v)}" for k, v in exc.message_dict.items())
                raise CommandError(f"{where}: {detail}") from None
            loaded.append({"instrument": wording.instrument, "language": wording.language,
                           "organisation": ods or None, "items": len(wording.items)})
    if args.json:
        print_json({"loaded": loaded})
    else:
        for row in loaded:
            sys.stdout.write(f"Loaded {row['instrument']} wording ({row['language']}, {row['items']} items) for "
                             f"{row['organisation'] or 'every organisation'}.\n")
    return 0
