"""The one-command demo: bundled sample profiles exported to a local Brevo emulator, with a report.

It runs the same Dagster job a schedule would (``all_exports_job``), in process, in a throw-away Dagster
instance, against an emulator it starts and stops, so running it twice gives the same result and touches no
Brevo account.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ci_sendinblue.assembly import build_definitions
from ci_sendinblue.config.models import Settings
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue.privacy import mask_email, mask_phone

DEMO_API_KEY = "demo-key-not-a-secret"


@dataclass(frozen=True)
class DemoResult:
    success: bool
    report: str


def pointed_at(settings: Settings, api_url: str) -> Settings:
    """The same settings with every connection sent to ``api_url`` (an emulator's), lists linked to its view."""
    lists = api_url.removesuffix("/v3") + "/_emulator/lists/{list_id}/members"
    connections = {
        name: connection.model_copy(update={"api_url": api_url, "list_page_url": lists})
        for name, connection in settings.connections.items()
    }
    return settings.model_copy(update={"connections": connections})


@contextmanager
def demo_environment(settings: Settings, emulator_port: int = 0) -> Iterator[tuple[Settings, EmulatorProcess]]:
    """An emulator holding every enabled export's list, and the API key variables it accepts."""
    exports = settings.enabled_exports()
    lists = {export.list_id: f"{name} (demo)" for name, export in exports.items() if export.list_id is not None}
    with EmulatorProcess(api_key=DEMO_API_KEY, lists=lists, port=emulator_port, process_delay=0.5) as emulator:
        _create_lists_named_by_name(emulator, settings, first_id=max(lists, default=0) + 1)
        saved = {c.api_key_env: os.environ.get(c.api_key_env) for c in settings.connections.values()}
        os.environ.update({variable: DEMO_API_KEY for variable in saved})
        try:
            yield pointed_at(settings, emulator.api_url), emulator
        finally:
            for variable, value in saved.items():
                if value is None:
                    os.environ.pop(variable, None)
                else:
                    os.environ[variable] = value


def _create_lists_named_by_name(emulator: EmulatorProcess, settings: Settings, *, first_id: int) -> None:
    """Lists the exports name by name, with their folders, as an account that has them would hold them."""
    folders: dict[str, int] = {}
    for offset, export in enumerate(e for e in settings.enabled_exports().values() if e.list_by_name is not None):
        assert export.list_by_name is not None
        folder_id = 1
        if export.list_by_name.folder is not None:
            if export.list_by_name.folder not in folders:
                folders[export.list_by_name.folder] = len(folders) + 2
                emulator.create_folder(folders[export.list_by_name.folder], export.list_by_name.folder)
            folder_id = folders[export.list_by_name.folder]
        emulator.create_list(first_id + offset, export.list_by_name.name, folder_id=folder_id)


def run_demo(settings: Settings, emulator_port: int = 0) -> DemoResult:
    with demo_environment(settings, emulator_port) as (local, emulator), tempfile.TemporaryDirectory() as home:
        defs = build_definitions(local)
        quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
        with dg.DagsterInstance.local_temp(tempdir=home, overrides={"telemetry": {"enabled": False}}) as instance:
            result = defs.resolve_job_def(local.names.all_exports_job).execute_in_process(
                run_config=quiet, instance=instance, raise_on_error=False
            )
            return DemoResult(result.success, _report(local, result, emulator))


def _report(settings: Settings, result: dg.ExecuteInProcessResult, emulator: EmulatorProcess) -> str:
    lines = [f"Profiles: {settings.profiles.path}"]
    names = settings.names
    materialized = {
        event.asset_key: {k: v.value for k, v in event.metadata.items()}
        for event in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }
    profiles = materialized.get(names.customer_profiles, {})
    if profiles:
        lines.append(
            f"  {profiles['rows_read']} read, {profiles['dagster/row_count']} usable, "
            f"{profiles['missing_key']} without key, {profiles['duplicate_key']} with a shared key"
        )
    lines.append("Segments:")
    for name in settings.segments:
        meta = materialized.get(names.segment(name))
        if meta is None:
            lines.append(f"  {name:<24} not built")
            continue
        lines.append(
            f"  {name:<24} {meta['matched']:>5} matched  {meta['dagster/row_count']:>5} members  "
            f"{meta['rejected']:>4} rejected {dict(meta['rejected_by_reason']) or ''}"
        )
    lines.append("Brevo lists (local emulator):")
    for name, export in settings.enabled_exports().items():
        meta = materialized.get(names.export_list(name))
        list_id = int(meta["list_id"]) if meta else export.list_id
        members = emulator.members(list_id) if list_id is not None else []
        if meta is None:
            lines.append(f"  {name} -> {export.list_label}: not exported (see the failure above)")
        else:
            contacts = meta["contacts"]
            lines.append(
                f"  {name} -> list {list_id}: {contacts['sent']} sent in {meta['import_requests']} import(s), "
                f"{contacts['merged_by_email']} rows merged by email, {contacts['invalid_phones']} invalid phones "
                f"dropped, {meta['duration_seconds']} s"
            )
        checks = [c for c in result.get_asset_check_evaluations() if c.asset_key == names.export_list(name)]
        if checks:
            lines.append("    checks: " + ", ".join(f"{c.check_name} {_verdict(c)}" for c in checks))
        lines.append(f"    members now in the list: {len(members)}")
        for member in members[:3]:
            attributes = {
                key: mask_phone(value) if key == "SMS" else value for key, value in member["attributes"].items()
            }
            lines.append(f"      {mask_email(member['email'])} {attributes}")
    for failure in result.get_step_failure_events():
        lines.append(f"FAILED {failure.step_key}: {failure.step_failure_data.error.message.strip()}")
    lines.append("Result: " + ("success" if result.success else "failure"))
    return "\n".join(lines)


def _verdict(check: dg.AssetCheckEvaluation) -> str:
    if check.passed:
        return "passed"
    return "failed" if check.severity == dg.AssetCheckSeverity.ERROR else "warned"


def project_root(start: Path | None = None) -> Path:
    """The folder holding workspace.yaml, where ``dagster dev`` must run."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "workspace.yaml").is_file():
            return folder
    raise FileNotFoundError("no workspace.yaml here or above: run this from the ci_sendinblue project folder")
