"""Run the emulator as a separate process on a free loopback port, for tests and the demo.

A separate process (not a thread) means the client under test talks real HTTP over a real socket, with
its own event loop, exactly as it would to Brevo; ``port=0`` plus the announced ready line avoids any
race on choosing a free port.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

from .attributes import Attribute, AttributeSpec, to_cli_spec
from .server import READY_PREFIX

_READY = re.compile(re.escape(READY_PREFIX) + r"(?P<url>http://\S+/v3)")


class EmulatorStartError(RuntimeError):
    """The emulator process exited or stayed silent; the message carries its stderr."""


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    """Forward the child's stdout lines (and keep draining it so the pipe never fills)."""
    for line in stream:
        lines.put(line)


class EmulatorProcess:
    """``with EmulatorProcess(lists={12: "Newsletter"}) as emu:`` then point a client at ``emu.api_url``.

    ``contacts_rate``/``hourly_budget`` of ``None`` disable those limits. ``faults`` is a list of rule dicts
    (see ``faults.FaultRule``). ``attributes`` (here and in ``reset``) takes plain names, compact specs such as
    ``"LIFETIME_VALUE:float"`` or JSON objects ``{"name", "category", "type", "enumeration",
    "multiCategoryOptions"}`` (see ``attributes``).
    """

    def __init__(
        self,
        *,
        api_key: str = "test-key",
        lists: Mapping[int, str] | None = None,
        attributes: Sequence[AttributeSpec] | None = None,
        process_delay: float = 0.2,
        contacts_rate: int | None = 10,
        hourly_budget: int | None = 100,
        faults: Sequence[Mapping[str, Any]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        startup_timeout: float = 20.0,
    ) -> None:
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        args = ["--host", host, "--port", str(port), "--api-key", api_key]
        args += ["--process-delay", str(process_delay)]
        args += ["--contacts-rate", str(contacts_rate or 0), "--hourly-budget", str(hourly_budget or 0)]
        if attributes is not None:
            args += ["--attributes", ",".join(map(to_cli_spec, attributes))]
        for list_id, name in (lists or {}).items():
            args += ["--list", f"{list_id}={name}"]
        self._faults = list(faults or [])
        self._args = args
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[str] | None = None
        self._faults_file: Path | None = None
        self._client: httpx.Client | None = None
        self.api_url = ""
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> Self:
        """Start the process and wait (at most ``startup_timeout`` s) for its ready line."""
        args = list(self._args)
        if self._faults:
            handle, name = tempfile.mkstemp(prefix="brevo-faults-", suffix=".json")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self._faults, out)
            self._faults_file = Path(name)
            args += ["--faults", name]
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "ci_sendinblue.emulator", *args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=env,
        )
        lines: queue.Queue[str] = queue.Queue()
        assert self._proc.stdout is not None
        threading.Thread(target=_pump, args=(self._proc.stdout, lines), daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._fail(f"did not report ready within {self.startup_timeout:.0f} s")
            try:
                line = lines.get(timeout=min(remaining, 0.1))
            except queue.Empty:
                if self._proc.poll() is not None:
                    self._fail(f"exited with status {self._proc.returncode} before it was ready")
                continue
            found = _READY.search(line)
            if found:
                self.api_url = found["url"]
                self.base_url = self.api_url.removesuffix("/v3")
                self._client = httpx.Client(base_url=self.base_url, timeout=10.0)
                return self

    def _fail(self, why: str) -> None:
        stderr = self._read_stderr()
        self.stop()
        raise EmulatorStartError(f"Brevo emulator {why}; stderr:\n{stderr}")

    def _read_stderr(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read()

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers) and clean up."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()
        self._proc = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        if self._faults_file is not None:
            self._faults_file.unlink(missing_ok=True)
            self._faults_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the emulator listens on."""
        return httpx.URL(self.api_url).port or 80

    # -- inspection API ----------------------------------------------------------------------------------
    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        if self._client is None:
            raise RuntimeError("the emulator is not running")
        response = self._client.request(method, "/_emulator" + path, json=payload)
        response.raise_for_status()
        return response.json()

    def members(self, list_id: int) -> list[dict[str, Any]]:
        """``[{"email", "attributes"}]`` of a list, sorted by email, after applying due imports."""
        return self._call("GET", f"/lists/{list_id}/members")

    def contacts(self) -> list[dict[str, Any]]:
        """Every contact, as Brevo's contact details."""
        return self._call("GET", "/contacts")

    def blocklist(self, emails: Sequence[str], channel: str = "email") -> list[str]:
        """Opt these addresses out of ``channel`` (``email`` or ``sms``) as the person would; unknown ones
        become opted-out contacts. Returns the emails as stored."""
        return self._call("POST", "/contacts/blocklist", {"emails": list(emails), "channel": channel})["blocklisted"]

    def doi_requests(self) -> list[dict[str, Any]]:
        """Double opt-in requests awaiting confirmation (``email``, ``templateId``, ``includeListIds``,
        ``excludeListIds``, ``redirectionUrl``, ``attributes``, ``requested_at``)."""
        return self._call("GET", "/doi")

    def confirm_doi(self, emails: Sequence[str] | None = None) -> list[str]:
        """Confirm these pending double opt-ins (every one when ``emails`` is None), as if each person
        clicked the link; returns the confirmed emails."""
        payload = {"all": True} if emails is None else {"emails": list(emails)}
        return self._call("POST", "/doi/confirm", payload)["confirmed"]

    def request_counts(self) -> dict[str, int]:
        """Brevo requests received so far, e.g. ``{"POST /contacts/import": 3}``."""
        return self._call("GET", "/requests")

    def processes(self) -> list[dict[str, Any]]:
        """Every process with its status and info."""
        return self._call("GET", "/processes")

    def complete_processes(self) -> int:
        """Complete every pending process now; return how many."""
        return self._call("POST", "/processes/complete")["completed"]

    def create_list(self, list_id: int, name: str, folder_id: int = 1) -> None:
        """Create a list with a chosen id."""
        self._call("POST", "/lists", {"id": list_id, "name": name, "folderId": folder_id})

    def create_folder(self, folder_id: int, name: str) -> None:
        """Create a folder of lists with a chosen id (folder 1, "Your first folder", always exists)."""
        self._call("POST", "/folders", {"id": folder_id, "name": name})

    def set_faults(self, rules: Sequence[Mapping[str, Any]]) -> None:
        """Replace the fault schedule."""
        self._call("PUT", "/faults", list(rules))

    def faults(self) -> list[dict[str, Any]]:
        """The fault rules with their ``seen``/``fired`` counters."""
        return self._call("GET", "/faults")

    def reset(
        self,
        lists: Mapping[int, str] | None = None,
        attributes: Sequence[AttributeSpec] | None = None,
        **options: Any,
    ) -> None:
        """Clear contacts, processes, counters and faults; optionally replace lists/attributes.

        ``options``: ``process_delay``, ``contacts_rate``, ``hourly_budget`` (None disables), ``faults``.
        """
        payload: dict[str, Any] = dict(options)
        if lists is not None:
            payload["lists"] = {str(k): v for k, v in lists.items()}
        if attributes is not None:
            payload["attributes"] = [a.describe() if isinstance(a, Attribute) else a for a in attributes]
        self._call("POST", "/reset", payload)
