"""Command line of the emulator: ``python -m ci_sendinblue.emulator`` and ``ci-sendinblue emulator``.

``main(argv)`` parses flags into ``EmulatorSettings`` and serves; ``build_parser()`` is exposed so the
project CLI can embed the same flags.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .attributes import parse_spec
from .faults import parse_rules
from .server import serve
from .settings import DEFAULT_ATTRIBUTES, MAX_IMPORT_BODY_BYTES, EmulatorSettings


def _list_spec(raw: str) -> tuple[int, str]:
    list_id, sep, name = raw.partition("=")
    if not sep or not list_id.strip().isdigit() or not name:
        raise argparse.ArgumentTypeError(f"expected ID=NAME, got {raw!r}")
    return int(list_id), name


def _attribute_specs(raw: str) -> tuple[str, ...]:
    """``--attributes`` items, each checked now; plain names upper-cased (as the account spells them)."""
    specs = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            parse_spec(item)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        specs.append(item if ":" in item or "/" in item else item.upper())
    return tuple(specs)


_ATTRIBUTES_HELP = (
    "comma-separated contact attributes of the account (default FIRSTNAME,LASTNAME,SMS). Each is NAME (normal "
    "text) | NAME:TYPE with TYPE text, float, date or boolean | NAME:category(1=Gold|2=Silver) | "
    "NAME:multiple-choice(Sport|Music|Travel) | CATEGORY/NAME:TYPE for a transactional, calculated or global "
    "attribute, e.g. transactional/ORDER_ID:id, calculated/TOTAL:float, global/X:text. Quote the value in a "
    "shell: | and ( ) are special there"
)


def build_parser(prog: str = "python -m ci_sendinblue.emulator") -> argparse.ArgumentParser:
    """The emulator's flags."""
    parser = argparse.ArgumentParser(prog=prog, description="Local emulator of Brevo's API v3.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port; 0 picks a free one (default 8765)")
    parser.add_argument("--api-key", default="test-key", help="the only accepted api-key header value")
    parser.add_argument(
        "--attributes",
        type=_attribute_specs,
        default=DEFAULT_ATTRIBUTES,
        help=_ATTRIBUTES_HELP.replace("%", "%%"),
    )
    parser.add_argument(
        "--list",
        dest="lists",
        action="append",
        type=_list_spec,
        default=[],
        metavar="ID=NAME",
        help="a contact list that exists at start (repeatable), e.g. --list 12=Newsletter",
    )
    parser.add_argument("--process-delay", type=float, default=0.2, help="import duration, s (default 0.2)")
    parser.add_argument(
        "--contacts-rate", type=int, default=10, help="requests/s on /contacts... (0 disables; default 10)"
    )
    parser.add_argument(
        "--hourly-budget", type=int, default=100, help="requests/h on other routes (0 disables; default 100)"
    )
    parser.add_argument("--faults", type=Path, help="JSON file with a fault schedule (list of rules)")
    parser.add_argument(
        "--max-import-bytes",
        type=int,
        default=MAX_IMPORT_BODY_BYTES,
        help="largest accepted POST /contacts/import body (default 10 MiB)",
    )
    return parser


def settings_from_args(args: argparse.Namespace) -> EmulatorSettings:
    """``EmulatorSettings`` from parsed flags (the fault file is read and validated here)."""
    faults = []
    if args.faults is not None:
        faults = [rule.model_dump() for rule in parse_rules(json.loads(args.faults.read_text("utf-8")))]
    return EmulatorSettings(
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        attributes=tuple(args.attributes),
        lists=dict(args.lists),
        process_delay=args.process_delay,
        contacts_rate=args.contacts_rate or None,
        hourly_budget=args.hourly_budget or None,
        faults=faults,
        max_import_bytes=args.max_import_bytes,
    )


def main(argv: list[str] | None = None, prog: str = "python -m ci_sendinblue.emulator") -> int:
    """Parse ``argv`` and serve until interrupted; return the exit status. ``prog`` names the command in
    ``--help`` and errors (``ci-sendinblue emulator`` when the project CLI forwards to it)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except (OSError, ValueError) as exc:
        parser.error(f"--faults: {exc}")
    serve(settings)
    return 0
