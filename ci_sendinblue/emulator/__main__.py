"""``python -m ci_sendinblue.emulator``: see ``cli.py`` for the flags."""

from __future__ import annotations

import sys

from ci_sendinblue.extras import EMULATOR

if __name__ == "__main__":
    problem = EMULATOR.problem("The Brevo API emulator")
    if problem is not None:
        print(problem, file=sys.stderr)
        sys.exit(2)
    from .cli import main

    sys.exit(main())
