"""The Dagster webserver's GraphQL API, for what a test must know exactly and the UI shows only as colour
or icon (a check's severity, which run evaluated it) and to stop waiting as soon as a run has failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

_RUN = """query Run($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { status }
    ... on PythonError { message }
  }
}"""

_CHECKS = """query Checks($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 1) {
    runId status evaluation { severity description success }
  }
}"""


@dataclass(frozen=True)
class CheckExecution:
    run_id: str
    status: str  # SUCCEEDED, FAILED, IN_PROGRESS, ...
    severity: str | None  # WARN or ERROR
    description: str | None
    passed: bool | None


def _query(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, timeout=10.0)
    response.raise_for_status()
    answer = response.json()
    if answer.get("errors"):
        raise AssertionError(f"GraphQL errors: {answer['errors']}")
    return answer["data"]


def run_status(url: str, run_id: str) -> str:
    """QUEUED, STARTING, STARTED, SUCCESS, FAILURE, CANCELED..."""
    run = _query(url, _RUN, {"runId": run_id})["runOrError"]
    if run["__typename"] != "Run":
        raise AssertionError(f"run {run_id}: {run}")
    return run["status"]


def latest_check_execution(url: str, asset_key: list[str], check_name: str) -> CheckExecution | None:
    executions = _query(url, _CHECKS, {"assetKey": {"path": asset_key}, "checkName": check_name})
    if not executions["assetCheckExecutions"]:
        return None
    latest = executions["assetCheckExecutions"][0]
    evaluation = latest["evaluation"] or {}
    return CheckExecution(
        run_id=latest["runId"],
        status=latest["status"],
        severity=evaluation.get("severity"),
        description=evaluation.get("description"),
        passed=evaluation.get("success"),
    )
