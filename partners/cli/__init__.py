"""`partners` command line: one dispatcher, one module per command group.

Every command exits 0 on success and 2 on bad input, with a message on stderr naming the problem
(file, row, column, value). A traceback never reaches the user for bad input: command modules raise
:class:`CommandError`, and anything unexpected is reported in one line with exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

# Each module defines ``register(subparsers)``; order is the order shown in ``--help``.
COMMAND_MODULES = (
    "partners.cli.demo",
    "partners.cli.accounts",
    "partners.cli.measures",
    "partners.cli.casefind",
    "partners.cli.trial",
    "partners.cli.report",
    "partners.cli.reminders",
    "partners.cli.reference",
    "partners.cli.dashboard",
    "partners.cli.extract",
    "partners.cli.retention",
)


class CommandError(Exception):
    """Bad input or a refused request: printed on stderr, exit status 2."""

    exit_code = 2


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse exits 2 on usage errors; keep its message short
        self.print_usage(sys.stderr)
        raise CommandError(f"{self.prog}: {message}")


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def setup_django() -> None:
    """Start Django for the commands that need the database (the pure ones never call this)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partners.settings")
    import django

    django.setup()


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(
        prog="partners",
        description="The PARTNERS platform: collaborative care for people with severe mental illness.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        result = args.func(args)
        return int(result or 0)
    except CommandError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: one line, and the log has the detail
        if os.environ.get("PARTNERS_DEBUG_CLI"):
            raise
        sys.stderr.write(f"error: unexpected failure ({type(exc).__name__}: {exc}). "
                         "Set PARTNERS_DEBUG_CLI=1 to see the traceback.\n")
        return 1
