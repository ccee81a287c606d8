"""``dagster dev`` as a child process that always stops with everything it started.

``dagster dev`` starts a webserver, a daemon and a code server, and stops them itself on SIGINT or SIGTERM.
But if the process that started it is terminated first, or kills it outright (``subprocess.call`` does on
Ctrl-C), those grandchildren are left running and keep their ports. So the child gets a process group of
its own: its starter asks it to stop (SIGINT, its own clean shutdown), waits, and then kills whatever is
still in the group. A terminal's Ctrl-C therefore reaches ``dagster dev`` only through its starter, the same
way a SIGTERM does, and both take one path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

# dagster dev gives each of its services up to 60 s to stop; they need a few seconds on an idle machine.
STOP_GRACE_SECONDS = 30.0


def dagster_dev_command(workspace: Path, host: str, port: int) -> list[str]:
    """``dagster dev`` run by this interpreter: no reliance on a ``dagster`` script on PATH."""
    return [sys.executable, "-m", "dagster", "dev", "-w", str(workspace), "-h", host, "-p", str(port)]


def start_dagster_dev(
    command: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
) -> subprocess.Popen[str]:
    """Start ``command`` as the leader of a new process group (see the module's docstring).

    SIGINT and SIGTERM are given back their default handling in the child: a process started in the
    background by a script inherits SIGINT ignored, and ``dagster dev`` (which maps SIGTERM onto SIGINT's
    handler) would then ignore both and only ever stop by being killed."""
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=dict(env),
        stdout=stdout,
        stderr=stderr,
        text=True,
        start_new_session=True,
        preexec_fn=_default_stop_signals,
    )


def _default_stop_signals() -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)


def stop_dagster_dev(child: subprocess.Popen[str], grace: float = STOP_GRACE_SECONDS) -> None:
    """Ask ``child`` to shut down, wait up to ``grace`` s, then kill what is left of its process group."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            child.wait(timeout=grace)
    with suppress(ProcessLookupError):  # an empty group: everything stopped by itself
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


@contextmanager
def stop_requests() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the block runs, instead of KeyboardInterrupt or death.

    The caller polls it and stops its children in order; no signal can land half-way through a clean-up.
    """
    requested = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {number: signal.getsignal(number) for number in signals}
    for number in signals:
        signal.signal(number, lambda _number, _frame: requested.set())
    try:
        yield requested
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def wait_until_exit_or_stop(child: subprocess.Popen[str], requested: threading.Event, poll: float = 0.2) -> bool:
    """Block until ``child`` exits (False) or a stop is requested (True)."""
    while child.poll() is None:
        if requested.wait(poll):
            return True
    return False
