"""What the tests that start servers share: free loopback ports, waiting for an HTTP answer with the
server's own words when it never comes, and the processes a process started (read from /proc)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    """A loopback port nothing listens on now (the OS picks it; a tiny race with other programs remains)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_for_http(url: str, timeout: float, alive: Callable[[], bool], output: Callable[[], str]) -> None:
    """Poll ``url`` until it answers 200; fail early if ``alive()`` turns false, or after ``timeout`` s,
    with the tail of ``output()`` (the server's stderr) so the reason is in the test report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise AssertionError(
                f"{url}: the server exited before answering; its output ends with:\n{output()[-4000:]}"
            )
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(
        f"{url} did not answer within {timeout:.0f} s; the server's output ends with:\n{output()[-4000:]}"
    )


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (children, grandchildren...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent and child not in found]
        found.update(children)
        frontier.extend(children)
    return found


def alive(pid: int) -> bool:
    """``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until_gone(pids: set[int], timeout: float) -> set[int]:
    """Wait up to ``timeout`` s for ``pids`` to end; return those still alive."""
    deadline = time.monotonic() + timeout
    while True:
        left = {pid for pid in pids if alive(pid)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def environment_without(*names: str) -> dict[str, str]:
    """This process's environment less ``names`` (say, a CI_SENDINBLUE_CONFIG a developer exported)."""
    return {key: value for key, value in os.environ.items() if key not in names}
