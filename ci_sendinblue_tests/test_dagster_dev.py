"""``dagster dev``'s runner: a child that hears the stop request even when its starter ignores SIGINT, and
whose whole process group goes when it is stopped, whether or not it obeyed."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

from ci_sendinblue.dagster_dev import start_dagster_dev, stop_dagster_dev
from ci_sendinblue_tests.processes import alive, descendants


def _ignored_signals(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)


def test_the_child_hears_sigint_even_when_its_starter_ignores_it(tmp_path):
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background job started by a script
    try:
        child = start_dagster_dev(["sleep", "60"], cwd=tmp_path, env={})
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        time.sleep(0.2)
        assert not _ignored_signals(child.pid) & (1 << (signal.SIGINT - 1))
        stop_dagster_dev(child, grace=10)
        assert child.returncode == -signal.SIGINT  # it stopped on the request, not on the kill after it
    finally:
        if child.poll() is None:
            child.kill()


def test_stop_kills_what_a_deaf_child_started(tmp_path):
    deaf = (
        "import signal, subprocess, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "subprocess.Popen(['sleep', '60'])\n"
        "time.sleep(60)\n"
    )
    child = start_dagster_dev([sys.executable, "-c", deaf], cwd=tmp_path, env={})
    try:
        deadline = time.monotonic() + 10
        while not descendants(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        grandchildren = descendants(child.pid)
        assert grandchildren
        started = time.monotonic()
        stop_dagster_dev(child, grace=1)
        assert time.monotonic() - started < 5
        assert child.returncode == -signal.SIGKILL
        time.sleep(0.2)  # the orphaned sleep is reaped by init
        assert not any(alive(pid) for pid in grandchildren)
    finally:
        if child.poll() is None:
            child.kill()
