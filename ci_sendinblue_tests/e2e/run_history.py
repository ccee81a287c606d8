"""What a new process finds in the Dagster instance ``DAGSTER_HOME`` names, printed as JSON: the run history
as a webserver or daemon started later would read it (``python -m ci_sendinblue_tests.e2e.run_history``)."""

from __future__ import annotations

import json
from typing import Any

import dagster as dg


def run_history(instance: dg.DagsterInstance) -> dict[str, Any]:
    """Each run's job, status and materialized asset keys, and the storage classes that hold them."""
    runs = []
    for run in instance.get_runs():
        events = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        runs.append(
            {
                "run_id": run.run_id,
                "job_name": run.job_name,
                "status": run.status.value,
                "materialized": sorted(e.dagster_event.asset_key.to_user_string() for e in events if e.dagster_event),
            }
        )
    return {
        "storage": {
            "runs": type(instance.run_storage).__name__,
            "events": type(instance.event_log_storage).__name__,
            "schedules": type(instance.schedule_storage).__name__,
        },
        "storage_directory": instance.storage_directory(),
        "runs": runs,
    }


def main() -> None:
    with dg.DagsterInstance.get() as instance:
        print(json.dumps(run_history(instance)))


if __name__ == "__main__":
    main()
