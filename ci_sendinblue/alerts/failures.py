"""What one failed run was, told so that two failures can be told apart at a glance.

The job, what started it (a schedule, a sensor, a person), each failed step with the first line of its error,
and the run's ID or a link to it in the UI. Only first lines: the full error and its stack trace are one click
away in the run, and are where personal data could hide. Every error line passes through the redactor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import dagster as dg

ASSET_JOB_PREFIX = "__ASSET_JOB"
"""The job Dagster runs when assets are materialized from the UI; its name tells a reader nothing."""
TRIGGER_TAGS = (
    ("dagster/schedule_name", "schedule"),
    ("dagster/sensor_name", "sensor"),
    ("dagster/backfill", "backfill"),
)


@dataclass(frozen=True)
class FailedStep:
    key: str
    error: str
    """The first line of the step's error, redacted."""


@dataclass(frozen=True)
class RunFailure:
    run_id: str
    job_name: str
    assets: tuple[str, ...]
    started_by: str
    steps: tuple[FailedStep, ...]
    run_error: str
    """The first line of the run's own failure message: all there is when no step ran (a run that could not
    start, a resource that failed to initialise)."""
    run_url: str | None

    @property
    def job_label(self) -> str:
        if self.job_name.startswith(ASSET_JOB_PREFIX) and self.assets:
            return f"materialization of {', '.join(self.assets)}"
        return self.job_name

    @property
    def where(self) -> str:
        return self.run_url or f"run ID {self.run_id}"

    def summary(self) -> str:
        """One line for the sensor's log."""
        failed = "; ".join(f"step {step.key}: {step.error}" for step in self.steps) or self.run_error
        return f"Run of {self.job_label} failed (started by {self.started_by}). {failed} [{self.where}]"

    def slack_text(self) -> str:
        """The same in Slack's mrkdwn, which needs ``&``, ``<`` and ``>`` escaped in free text."""
        lines = [f":red_circle: *Run failed: {_slack(self.job_label)}* (started by {_slack(self.started_by)})"]
        if self.steps:
            lines += [f"• step `{_slack(step.key)}`: {_slack(step.error)}" for step in self.steps]
        else:
            lines.append(f"• {_slack(self.run_error)}")
        link = f"<{self.run_url}|{self.run_id}>" if self.run_url else f"`{self.run_id}`"
        lines.append(f"Run {link}")
        return "\n".join(lines)


def describe_failure(
    context: dg.RunFailureSensorContext, *, base_url: str | None, redact: Callable[[str], str]
) -> RunFailure:
    run = context.dagster_run
    failures = context.get_step_failure_events()
    steps = tuple(FailedStep(event.step_key or "?", redact(_step_error_line(event))) for event in failures)
    return RunFailure(
        run_id=run.run_id,
        job_name=run.job_name,
        assets=tuple(sorted(key.to_user_string() for key in run.asset_selection or ())),
        started_by=_started_by(run.tags),
        steps=steps,
        run_error=redact(_first_line(context.failure_event.message or "the run failed")),
        run_url=f"{base_url.rstrip('/')}/runs/{run.run_id}" if base_url else None,
    )


def _step_error_line(event: dg.DagsterEvent) -> str:
    data = event.step_failure_data
    if data.user_failure_data is not None and data.user_failure_data.description:
        return _first_line(data.user_failure_data.description)  # a dg.Failure: its description is the message
    error = data.error
    if error is None:
        return "failed (no error recorded)"
    if error.cls_name == dg.DagsterExecutionStepExecutionError.__name__ and error.cause is not None:
        error = error.cause  # Dagster's wrapper around the exception the step's code raised
    line = _first_line(error.message)
    qualified, separator, text = line.partition(": ")
    if separator and qualified.split(".")[-1] == error.cls_name:
        line = f"{error.cls_name}: {text}"  # ValueError, not builtins.ValueError or a module path
    return line


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _started_by(tags: Mapping[str, str]) -> str:
    for tag, kind in TRIGGER_TAGS:
        if tags.get(tag):
            return f"{kind} {tags[tag]}"
    return "hand"


def _slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
