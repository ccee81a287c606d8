"""Scheduled misbehaviour, so clients can be tested against Brevo's and Cloudflare's bad days.

A rule matches ``"METHOD /path"`` (the path without ``/v3``; either the route template such as
``/processes/{processId}`` or a shell-style pattern on the concrete path such as ``/processes/*``; method
``*`` matches any), optionally only when the request body contains ``body_contains`` (to make every import
holding one poisonous contact fail, say). Every rule counts the requests it matches; it fires on matches ``after+1`` to
``after+times`` (``times: null`` = forever). When several rules fire on one request, the first listed wins.

Kinds:
- ``status``: answer ``status`` (429/500/502/503...) with a Brevo-style body; the request is NOT applied.
- ``accepted_then_status``: the request IS applied, then the client gets ``status`` (default 524, with a
  Cloudflare-style HTML body) instead of the real answer.
- ``drop``: close the connection without any response.
- ``delay``: sleep ``seconds`` then answer normally (for client time-outs).
- ``process_failed``: the process the request creates (import, remove-all) ends ``failed``, nothing applied.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["status", "accepted_then_status", "drop", "delay", "process_failed"]

_DEFAULT_STATUS = {"status": 503, "accepted_then_status": 524}


class FaultRule(BaseModel):
    """One entry of the fault schedule (the JSON accepted by ``--faults`` and ``PUT /_emulator/faults``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: str = Field(description='"METHOD /path", e.g. "POST /contacts/import" or "GET /processes/*"')
    kind: FaultKind
    times: int | None = Field(default=1, ge=0, description="matches affected; null = every match")
    after: int = Field(default=0, ge=0, description="matches to let through first")
    status: int | None = Field(default=None, ge=100, le=599)
    seconds: float = Field(default=0.0, ge=0, description="for kind=delay")
    reset: int = Field(default=1, ge=0, description="x-sib-ratelimit-reset sent with a 429")
    message: str | None = None
    body_contains: str | None = Field(default=None, description="only requests whose body holds this text")

    @model_validator(mode="after")
    def _check(self) -> FaultRule:
        if len(self.match.split(None, 1)) != 2:
            raise ValueError('match must look like "METHOD /path"')
        return self

    @property
    def method(self) -> str:
        return self.match.split(None, 1)[0].upper()

    @property
    def path(self) -> str:
        path = self.match.split(None, 1)[1].strip()
        return path.removeprefix("/v3") or "/"

    @property
    def effective_status(self) -> int:
        """The status to answer for ``status``/``accepted_then_status`` rules."""
        return self.status or _DEFAULT_STATUS.get(self.kind, 503)

    def matches(self, method: str, path: str, template: str | None, body: bytes = b"") -> bool:
        """True if the request ``method path`` (template ``template``) is one this rule watches."""
        if self.method not in ("*", method.upper()):
            return False
        if self.body_contains is not None and self.body_contains.encode() not in body:
            return False
        return self.path in (path, template) or fnmatch.fnmatchcase(path, self.path)


@dataclass
class _ArmedRule:
    rule: FaultRule
    seen: int = 0
    fired: int = 0


def parse_rules(raw: object) -> list[FaultRule]:
    """Accept a list of rules or ``{"rules": [...]}``; raise ``ValueError`` (pydantic) if malformed."""
    if isinstance(raw, Mapping) and "rules" in raw:
        raw = raw["rules"]
    if not isinstance(raw, list):
        raise ValueError("fault schedule must be a JSON array of rules")
    return [item if isinstance(item, FaultRule) else FaultRule.model_validate(item) for item in raw]


class FaultSchedule:
    """The active rules and how often each has matched and fired."""

    def __init__(self, rules: Iterable[FaultRule | Mapping[str, Any]] = ()) -> None:
        self._armed: list[_ArmedRule] = []
        self.replace(list(rules))

    def replace(self, rules: object) -> None:
        """Install a new schedule, counters at zero."""
        self._armed = [_ArmedRule(rule) for rule in parse_rules(rules)]

    def next_fault(self, method: str, path: str, template: str | None, body: bytes = b"") -> FaultRule | None:
        """Count this request against every matching rule; return the first rule that fires."""
        chosen: FaultRule | None = None
        for armed in self._armed:
            if not armed.rule.matches(method, path, template, body):
                continue
            armed.seen += 1
            if armed.seen <= armed.rule.after:
                continue
            if armed.rule.times is not None and armed.fired >= armed.rule.times:
                continue
            if chosen is None:
                armed.fired += 1
                chosen = armed.rule
        return chosen

    def describe(self) -> list[dict[str, Any]]:
        """The rules with their ``seen``/``fired`` counters, for ``GET /_emulator/faults``."""
        return [{**armed.rule.model_dump(), "seen": armed.seen, "fired": armed.fired} for armed in self._armed]
