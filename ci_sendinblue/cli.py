"""``ci-sendinblue``: the demo, the Dagster UI wired to the local emulator, the emulator itself, and sample
profiles to feed them.

The emulator's web server is the optional ``emulator`` extra: ``demo``, ``ui`` and ``emulator`` check for it
before importing anything that needs it and otherwise say in one line what to install.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue.config.models import is_loopback
from ci_sendinblue.extras import EMULATOR, UI

_NEEDS = {"demo": EMULATOR, "emulator": EMULATOR, "ui": UI}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ci-sendinblue",
        description="Keep Brevo (Sendinblue) contact lists in step with customer segments, as Dagster assets: "
        "the demo, the Dagster UI wired to a local Brevo emulator, the emulator itself, and sample profiles.",
        epilog="demo and emulator need the optional emulator extra (the local Brevo emulator's web server): "
        f"{EMULATOR.install}; ui needs the ui extra (the Dagster UI as well): {UI.install}",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="export the sample profiles to a local Brevo emulator and report")
    demo.add_argument("--config", type=Path, help="configuration file (default: the bundled example)")
    ui = commands.add_parser("ui", help="start the local emulator and the Dagster UI (dagster dev)")
    ui.add_argument("--port", type=int, default=3000, help="Dagster UI port (default 3000)")
    ui.add_argument(
        "--emulator-port",
        type=int,
        help="emulator port (default: the one the configuration's local connections point at, bundled: 8765)",
    )
    # No help of its own: --help and every flag go to the emulator's parser, which knows them.
    commands.add_parser(
        "emulator", add_help=False, help="run the Brevo API emulator (see 'ci-sendinblue emulator --help')"
    )
    commands.add_parser(
        "sample-profiles",
        add_help=False,
        help="write deterministic sample customer profiles (see 'ci-sendinblue sample-profiles --help')",
    )

    args, rest = parser.parse_known_args(argv)
    if args.command == "sample-profiles":
        from ci_sendinblue.profiles.sample import main as sample_main

        return sample_main(rest, prog="ci-sendinblue sample-profiles", default_output=Path("profiles.csv"))
    extra = _NEEDS.get(args.command)
    problem = extra.problem(f"ci-sendinblue {args.command}") if extra is not None else None
    if problem is not None:
        print(problem, file=sys.stderr)
        return 2
    if args.command == "emulator":
        from ci_sendinblue.emulator.cli import main as emulator_main

        return emulator_main(rest, prog="ci-sendinblue emulator")
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "demo":
        return _demo(args.config)
    return _ui(args.port, args.emulator_port)


def _demo(config: Path | None) -> int:
    from ci_sendinblue.demo import run_demo

    try:
        settings = load_settings(config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    result = run_demo(settings)
    print(result.report)
    return 0 if result.success else 1


def _ui(port: int, emulator_port: int | None) -> int:
    """dagster dev against the emulator the bundled configuration points at (127.0.0.1:8765), in the Dagster
    instance DAGSTER_HOME names (the project root's when unset)."""
    from ci_sendinblue.demo import project_root
    from ci_sendinblue.instance_home import InstanceHomeError, instance_home, instance_problems
    from ci_sendinblue.ui import run_ui

    try:
        settings = load_settings()
        root = project_root()
        home = instance_home(root, os.environ)
    except (ConfigError, FileNotFoundError, InstanceHomeError) as error:
        print(error, file=sys.stderr)
        return 2
    problems = instance_problems(home, os.environ)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    configured = {
        f"connections.{name}.api_url": connection.api_url.port
        for name, connection in settings.connections.items()
        if is_loopback(connection.api_url.host or "")
    }
    if emulator_port is not None and any(port != emulator_port for port in configured.values()):
        # dagster dev loads the configuration file itself: an emulator elsewhere would never be reached.
        named = ", ".join(f"{key} (port {port})" for key, port in configured.items())
        print(f"--emulator-port {emulator_port} differs from {named}: change the setting or the flag.", file=sys.stderr)
        return 2
    return run_ui(root, settings, port, emulator_port or next(iter(configured.values()), 8765), home)


if __name__ == "__main__":
    raise SystemExit(main())
