"""`partners reference load-imd FILE.csv`: reference data the platform looks things up in."""

from __future__ import annotations

import argparse
from pathlib import Path

from partners.cli import CommandError, print_json, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    reference = subparsers.add_parser("reference", help="reference data (deprivation lookup)")
    actions = reference.add_subparsers(dest="reference_command", metavar="ACTION")
    actions.required = True
    load = actions.add_parser(
        "load-imd", help="load an LSOA -> IMD decile lookup (CSV: lsoa_code, imd_decile)",
        description="Loads the Index of Multiple Deprivation decile of each LSOA (1 = most deprived) from a CSV "
                    "with columns lsoa_code and imd_decile. The file loads whole or not at all; loading the same "
                    "file again changes nothing. Run 'partners dashboard refresh' afterwards to use it.")
    load.add_argument("file", type=Path)
    load.add_argument("--replace", action="store_true", help="also remove LSOAs the file does not list")
    load.add_argument("--json", action="store_true")
    load.set_defaults(func=load_imd)


def load_imd(args: argparse.Namespace) -> int:
    setup_django()
    from partners.dashboards.services import LookupError_, imd_lookup_load

    try:
        result = imd_lookup_load(path=args.file, replace=args.replace)
    except LookupError_ as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print_json({"file": str(args.file), **result})
    else:
        print(f"{args.file}: {result['added']} added, {result['changed']} changed, {result['unchanged']} unchanged, "
              f"{result['removed']} removed")
    return 0
