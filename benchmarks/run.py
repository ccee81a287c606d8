"""End-to-end benchmark: profiles file -> segment -> Brevo list, against the local Brevo emulator.

    uv run python benchmarks/run.py [--rows N] [--repeat K] [--out benchmarks/out]     (or ./dev bench ...)

What it measures (see benchmarks/README.md for results and how to read them):

1. N sample profiles (``ci_sendinblue.profiles.sample.generate_sample_profiles``), written once as CSV (and
   Parquet) under the out folder and cached there, plus a copy with 1 % of the FirstName values changed.
   Generation runs in a child process so that it does not count in the benchmark's peak memory.
2. A configuration (written to the out folder) with one segment holding every profile, one export to list 12
   (email, FIRSTNAME, LASTNAME, SMS with a per-profile phone region), client rate limits set out of the way.
3. Per repetition, a fresh Dagster instance and a freshly reset emulator (rate limits off, process delay
   0.2 s), then three runs of ``all_exports_job`` in that instance:
     a. full export (empty sync state),
     b. the same profiles again (incremental: nothing should be sent),
     c. the profiles with 1 % of FirstName values changed (only those contacts should be sent).
   Per run: wall time, CPU time of this process and of the emulator, Dagster step durations (STEP_SUCCESS
   ``duration_ms``), a finer split of where the time goes inside the steps (wrappers around the package's
   functions, set up by this script only), import requests, bytes sent, the list's metadata, peak RSS of
   this process and of the emulator.

Brevo's own server-side import time is NOT emulated (the emulator applies an import in memory after a fixed
0.2 s delay), so the figures are this project's side of an export: reading, segmenting, validating, diffing,
packing, sending and polling.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_ID = 12
ATTRIBUTES = ["FIRSTNAME", "LASTNAME", "SMS"]
API_KEY = "bench-key-not-a-secret"
EXPORT = "bench"
SELECTION = f"*sendinblue/{EXPORT}"
"""`dagster asset materialize --select`: the export's list asset and everything upstream of it."""
SEGMENT = "everyone"
TILE = 100_000
ORIGINAL_SECONDS_PER_MILLION = 90 * 60  # Dynamics 365 CI's export to Sendinblue: up to 90 min per 1M profiles
CHANGED_SHARE = 0.01
SCENARIOS = {
    "a_full": "full export, empty state",
    "b_unchanged": "second run, nothing changed",
    "c_1pct_changed": "1% of FirstName changed",
}


# ------------------------------------------------------------------------------------------------------
# Data: generated once per (N, seed), in a child process, cached under the out folder.
# ------------------------------------------------------------------------------------------------------


def data_paths(out: Path, rows: int, seed: int) -> dict[str, Path]:
    stem = out / f"profiles_{rows}_seed{seed}"
    return {
        "csv": stem.with_suffix(".csv"),
        "parquet": stem.with_suffix(".parquet"),
        "changed_csv": Path(f"{stem}_changed.csv"),
        "info": Path(f"{stem}.json"),
    }


def generate_data(out: Path, rows: int, seed: int, mode: str) -> dict[str, Any]:
    """Write the profiles (CSV + Parquet) and the 1 %-changed CSV; return what was done and how long it took."""

    from ci_sendinblue.profiles.sample import generate_sample_profiles

    paths = data_paths(out, rows, seed)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if mode == "full" or rows <= TILE:
        frame = generate_sample_profiles(count=rows, seed=seed)
        how = f"generate_sample_profiles(count={rows}, seed={seed})"
    else:
        frame = _tiled_profiles(rows, seed)
        how = (
            f"generate_sample_profiles(count={TILE}, seed={seed}) repeated {-(-rows // TILE)} times, CustomerId "
            "renumbered and '+t<tile>' inserted before the first '@' of each email in tiles after the first"
        )
    generated = time.perf_counter() - started
    changed = frame.copy()
    rows_changed = changed.index[changed.index % round(1 / CHANGED_SHARE) == 50]
    changed.loc[rows_changed, "FirstName"] = changed.loc[rows_changed, "FirstName"].fillna("") + "-b"
    started = time.perf_counter()
    frame.to_csv(paths["csv"], index=False, encoding="utf-8", lineterminator="\n")
    changed.to_csv(paths["changed_csv"], index=False, encoding="utf-8", lineterminator="\n")
    frame.to_parquet(paths["parquet"], index=False)
    written = time.perf_counter() - started
    info = {
        "rows": rows,
        "seed": seed,
        "how": how,
        "generate_seconds": round(generated, 1),
        "write_seconds": round(written, 1),
        "changed_first_names": len(rows_changed),
        "unique_emails": int(frame["Email"].nunique()),
        "unique_customer_ids": int(frame["CustomerId"].nunique()),
        "csv_bytes": paths["csv"].stat().st_size,
    }
    paths["info"].write_text(json.dumps(info, indent=2))
    return info


def _tiled_profiles(rows: int, seed: int) -> Any:
    """``rows`` profiles from repeating one 100k sample: unique ids, and emails unique where they were."""
    import pandas as pd

    from ci_sendinblue.profiles.sample import generate_sample_profiles

    base = generate_sample_profiles(count=TILE, seed=seed)
    tiles = []
    for tile in range(-(-rows // TILE)):
        part = base.iloc[: min(TILE, rows - tile * TILE)].copy()
        part["CustomerId"] = [f"C{tile * TILE + i + 1:07d}" for i in range(len(part))]
        if tile:
            # An email without '@' is invalid and stays so; a valid one stays valid ('+' is allowed).
            part["Email"] = part["Email"].str.replace("@", f"+t{tile}@", n=1, regex=False)
        tiles.append(part)
    return pd.concat(tiles, ignore_index=True)


def ensure_data(out: Path, rows: int, seed: int, mode: str) -> dict[str, Any]:
    paths = data_paths(out, rows, seed)
    if all(p.is_file() for p in paths.values()):
        info = json.loads(paths["info"].read_text())
        info["cached"] = True
        return info
    print(f"generating {rows:,} profiles (seed {seed}, mode {mode}) in a child process ...", flush=True)
    child = [sys.executable, __file__, "--generate-only", "--rows", str(rows), "--seed", str(seed)]
    subprocess.run([*child, "--out", str(out), "--generator", mode], check=True)
    info = json.loads(paths["info"].read_text())
    info["cached"] = False
    return info


# ------------------------------------------------------------------------------------------------------
# Configuration
# ------------------------------------------------------------------------------------------------------


BENCH_EMULATOR: dict[str, Any] = {
    "lists": {LIST_ID: "Bench"},
    "attributes": ATTRIBUTES,
    "process_delay": 0.2,
    "contacts_rate": None,
    "hourly_budget": None,
}
"""The emulator every benchmark starts and resets to: list 12, the mapped attributes, no rate limits, imports
applied after 0.2 s."""


def emulator_connection(api_url: str) -> dict[str, Any]:
    """The emulator as a connection, the client's rate limits and polls set out of the way."""
    return {
        "display_name": "Local Brevo emulator (benchmark)",
        "api_key_env": "SENDINBLUE_API_KEY",
        "api_url": api_url,
        "accept_data_privacy_terms": True,
        "other_requests_per_hour": 1_000_000,
        "contacts_requests_per_second": 100_000,
        "process_poll_initial": 0.2,
        "process_poll_max": 2,
        "request_timeout": 600,
    }


def list_export(segment: str) -> dict[str, Any]:
    """One export of ``segment`` to list 12: email, first and last name, phone with a per-profile region."""
    return {
        "connection": "emulator",
        "list_id": LIST_ID,
        "segments": [segment],
        "mapping": {"email": "Email", "FIRSTNAME": "FirstName", "LASTNAME": "LastName", "SMS": "Phone"},
        "phone_region_column": "Country",
        "schedule": None,
    }


def write_config(out: Path, profiles: Path, api_url: str, rows: int, engine: str = "auto") -> Path:
    import yaml

    config = {
        "profiles": {"path": str(profiles), "key": "CustomerId", "watch": False, "engine": engine},
        "segments": {
            SEGMENT: {
                "description": "every profile with a key (benchmark)",
                "max_rejected_share": 1.0,
                "where": {"field": "CustomerId", "op": "not_null"},
            }
        },
        "connections": {"emulator": emulator_connection(api_url)},
        "exports": {EXPORT: {**list_export(SEGMENT), "max_profiles": max(2_000_000, rows * 2)}},
    }
    path = out / f"bench_{rows}_{engine}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# ------------------------------------------------------------------------------------------------------
# Instrumentation: wrappers around package functions (benchmark process only, nothing is edited).
# ------------------------------------------------------------------------------------------------------

PHASES: dict[str, float] = defaultdict(float)
COUNTS: dict[str, int] = defaultdict(int)


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            PHASES[name] += time.perf_counter() - started

    return wrapper


def _timed_generator(name: str, function: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        iterator = function(*args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                PHASES[name] += time.perf_counter() - started
                return
            PHASES[name] += time.perf_counter() - started
            yield item

    return wrapper


def _wrap(owner: Any, name: str, wrapper: Callable[[str, Callable[..., Any]], Callable[..., Any]], phase: str) -> None:
    """Replace ``owner.name`` by its timed version; a name that no longer exists stops the benchmark, so a
    renamed function can never silently drop out of the "where the time goes" table."""
    original = getattr(owner, name, None)
    if original is None:
        raise SystemExit(
            f"benchmark instrumentation: {getattr(owner, '__name__', owner)}.{name} no longer exists; "
            "update instrument() in benchmarks/run.py"
        )
    setattr(owner, name, wrapper(phase, original))


def instrument() -> None:
    import dagster._core.execution.plan.execute_step as execute_step

    import ci_sendinblue.profiles.assets as profile_assets
    import ci_sendinblue.segments.assets as segment_assets
    import ci_sendinblue.sendinblue.list_sync as list_sync
    import ci_sendinblue.sendinblue.sync_plan as sync_plan
    from ci_sendinblue.frames import ArrowFrameIOManager
    from ci_sendinblue.sendinblue.client import BrevoClient
    from ci_sendinblue.sendinblue.list_writer import ListWriter
    from ci_sendinblue.sendinblue.sync_state import SyncStateStore

    _wrap(profile_assets, "read_profiles", _timed, "profiles: read file")
    _wrap(segment_assets, "evaluate", _timed, "segment: evaluate rule")
    _wrap(segment_assets, "normalize_emails", _timed, "segment: email rule")
    _wrap(list_sync, "gather_members", _timed, "list: gather members")
    _wrap(list_sync, "raw_value_hashes", _timed, "list: raw value hashes")
    _wrap(list_sync, "members_digest", _timed, "list: members digest")
    _wrap(list_sync, "plan_sync", _timed, "list: plan (diff, phones, shape)")
    _wrap(sync_plan, "_phones", _timed, "list: plan: parse phones")
    _wrap(list_sync, "import_bodies", _timed_generator, "list: pack import bodies")
    _wrap(SyncStateStore, "load", _timed, "list: state load")
    _wrap(SyncStateStore, "record_confirmed_upserts", _timed, "list: state write")
    _wrap(ListWriter, "check_ready", _timed, "list: check list/attributes")
    _wrap(ListWriter, "wait", _timed, "list: poll processes")
    _wrap(ArrowFrameIOManager, "dump_to_path", _timed, "io: write Arrow files")
    _wrap(ArrowFrameIOManager, "load_from_path", _timed, "io: read Arrow files")
    # pandera validates the segment frame in Dagster type checks: on output and again as the list step input.
    _wrap(execute_step, "do_type_check", _timed, "type checks (pandera, out+in)")

    original_import = BrevoClient.import_contacts

    @functools.wraps(original_import)
    def import_contacts(self: Any, body: bytes) -> int:
        COUNTS["import_requests"] += 1
        COUNTS["import_bytes"] += len(body)
        started = time.perf_counter()
        try:
            return original_import(self, body)
        finally:
            PHASES["list: POST /contacts/import"] += time.perf_counter() - started

    BrevoClient.import_contacts = import_contacts


# ------------------------------------------------------------------------------------------------------
# Memory and CPU of both processes
# ------------------------------------------------------------------------------------------------------


def _proc_status_kib(pid: int | str, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak(pid: int | str) -> bool:
    """Reset VmHWM (Linux >= 4.0: writing 5 to clear_refs), so the next peak is this scenario's."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_mib(pid: int | str) -> float | None:
    kib = _proc_status_kib(pid, "VmHWM")
    return None if kib is None else round(kib / 1024, 1)


def rss_mib(pid: int | str) -> float | None:
    kib = _proc_status_kib(pid, "VmRSS")
    return None if kib is None else round(kib / 1024, 1)


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------------------------------------------
# One run of the job
# ------------------------------------------------------------------------------------------------------


def run_job(defs: Any, instance: Any, emulator_pid: int) -> dict[str, Any]:
    import dagster as dg

    PHASES.clear()
    COUNTS.clear()
    peaks_reset = reset_peak("self") and reset_peak(emulator_pid)
    emu_cpu0 = cpu_seconds(emulator_pid)
    cpu0 = self_cpu()
    started = time.perf_counter()
    result = defs.resolve_job_def("all_exports_job").execute_in_process(
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        raise_on_error=False,
    )
    wall = time.perf_counter() - started
    cpu = self_cpu() - cpu0
    emu_cpu1 = cpu_seconds(emulator_pid)
    steps = {}
    for record in instance.all_logs(result.run_id):
        event = record.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.STEP_SUCCESS:
            steps[event.step_key] = round(event.event_specific_data.duration_ms / 1000, 3)
    metadata = {}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(["sendinblue", EXPORT]):
            metadata = {k: v.value for k, v in materialization.metadata.items()}
    contacts = metadata.get("contacts") or {}
    metadata.update(  # the figures the tables below were written with, from the list's metadata
        sent=contacts.get("sent"),
        members=metadata.get("dagster/row_count"),
        deduplicated=contacts.get("merged_by_email"),
        invalid_phones=contacts.get("invalid_phones"),
        shared_phones=contacts.get("shared_phones"),
        list_members_after=metadata.get("brevo_members"),
    )
    failures = [f"{f.step_key}: {f.step_failure_data.error.message.strip()}" for f in result.get_step_failure_events()]
    keep = [
        "added",
        "updated",
        "unchanged",
        "sent",
        "members",
        "deduplicated",
        "invalid_phones",
        "shared_phones",
        "rejected",
        "import_requests",
        "list_members_after",
        "duration_seconds",
    ]
    emulator_bound = PHASES.get("list: POST /contacts/import", 0.0) + PHASES.get("list: poll processes", 0.0)
    return {
        "success": result.success,
        "failures": failures,
        "wall_s": round(wall, 3),
        # Time blocked on the emulator: it parses and validates every contact inside POST /contacts/import
        # (Brevo answers with a process id and does that later) and applies the import during a poll.
        "emulator_bound_s": round(emulator_bound, 3),
        "our_side_s": round(wall - emulator_bound, 3),
        "cpu_s": round(cpu, 3),
        "emulator_cpu_s": round(emu_cpu1 - emu_cpu0, 3) if emu_cpu0 is not None and emu_cpu1 is not None else None,
        "steps_s": steps,
        "phases_s": {k: round(v, 3) for k, v in sorted(PHASES.items())},
        "import_requests": COUNTS.get("import_requests", 0),
        "import_bytes": COUNTS.get("import_bytes", 0),
        "list": {k: metadata.get(k) for k in keep},
        "peak_rss_mib": peak_mib("self") if peaks_reset else None,
        "emulator_peak_rss_mib": peak_mib(emulator_pid) if peaks_reset else None,
        "emulator_rss_after_mib": rss_mib(emulator_pid),
    }


def list_size_via_api(api_url: str) -> int:
    """The list's member count as Brevo's ``GET /contacts/lists/{id}`` reports it."""
    response = httpx.get(f"{api_url}/contacts/lists/{LIST_ID}", headers={"api-key": API_KEY}, timeout=120)
    response.raise_for_status()
    body = response.json()
    return int(body.get("uniqueSubscribers", body.get("totalSubscribers", 0)) or 0)


def list_members_via_inspection(base_url: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url}/_emulator/lists/{LIST_ID}/members", timeout=900)
    response.raise_for_status()
    return response.json()


# ------------------------------------------------------------------------------------------------------
# The floor, Dagster's fixed start cost, and the same runs through the CLI
# ------------------------------------------------------------------------------------------------------

FLOOR_COLUMNS = {"Email": "email", "FirstName": "FIRSTNAME", "LastName": "LASTNAME", "Phone": "SMS"}


def floor_work(path: Path) -> dict[str, Any]:
    """The least any export must do, without Dagster: read the profiles file and JSON-encode the mapped
    columns of every row once (pandas' CSV parser, ``to_json``). Runs in a child process (``--floor``)."""
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    encoded = frame[list(FLOOR_COLUMNS)].rename(columns=FLOOR_COLUMNS).to_json(orient="records", force_ascii=False)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "rows": len(frame), "json_bytes": len(encoded.encode())}


def measure_floor(path: Path) -> dict[str, Any]:
    child = subprocess.run([sys.executable, __file__, "--floor", str(path)], check=True, capture_output=True, text=True)
    return json.loads(child.stdout.strip().splitlines()[-1])


def run_child(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall time, exit status, CPU and peak RSS of one child process.

    The peak is the child's own VmHWM, read from /proc every 20 ms while it runs: ``wait4``'s ``ru_maxrss``
    would count the pages the child shared with this (large) process between fork and exec."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    peak = 0.0
    stderr = bytearray()
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    while process.poll() is None:
        peak = max(peak, peak_mib(process.pid) or 0.0)
        with contextlib.suppress(BlockingIOError, TypeError):
            stderr += process.stderr.read() or b""
        time.sleep(0.02)
    wall = time.perf_counter() - started
    with contextlib.suppress(BlockingIOError, TypeError):
        stderr += process.stderr.read() or b""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": round(wall, 3),
        "ok": process.returncode == 0,
        "peak_rss_mib": peak,
        "children_cpu_s_cumulative": round(usage.ru_utime + usage.ru_stime, 3),
        "stderr_tail": bytes(stderr).decode(errors="replace")[-2000:] if process.returncode else "",
    }


def dagster_home(parent: Path) -> Path:
    home = Path(tempfile.mkdtemp(prefix="ci-sb-bench-home-", dir=parent))
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def cli_env(home: Path, config: Path) -> dict[str, str]:
    return {**os.environ, "DAGSTER_HOME": str(home), "CI_SENDINBLUE_CONFIG": str(config), "SENDINBLUE_API_KEY": API_KEY}


def dagster_cli() -> str:
    return str(Path(sys.executable).with_name("dagster"))


def measure_dagster_start(out: Path) -> dict[str, Any]:
    """A one-asset materialization through the CLI: what starting Dagster costs before any work."""
    home = dagster_home(out)
    try:
        command = [dagster_cli(), "asset", "materialize", "-f", str(ROOT / "benchmarks" / "trivial_asset.py")]
        return run_child([*command, "--select", "trivial"], {**os.environ, "DAGSTER_HOME": str(home)})
    finally:
        shutil.rmtree(home, ignore_errors=True)


def run_cli_scenarios(
    emulator: Any,
    out: Path,
    config: Path,
    place: Callable[[str], None],
    repetition: int,
    runs: dict[str, list[dict[str, Any]]],
    cli_runs: dict[str, list[dict[str, Any]]],
    checks: list[dict[str, Any]],
) -> None:
    """The three scenarios again through ``dagster asset materialize`` (one process per run, as a schedule
    or the daemon runs them), on a fresh instance and a freshly reset emulator."""
    emulator.reset(**BENCH_EMULATOR)
    home = dagster_home(out)
    try:
        place("base")
        for key in SCENARIOS:
            if key == "c_1pct_changed":
                place("changed")
            imports_before = emulator.request_counts().get("POST /contacts/import", 0)
            # The export and what it depends on, as its job runs it (not the opt-outs asset, whose first read
            # lists the whole account: a cost of its own, not the export's).
            command = [dagster_cli(), "asset", "materialize", "-m", "ci_sendinblue.definitions", "--select", SELECTION]
            run = run_child(command, cli_env(home, config))
            run["import_requests"] = emulator.request_counts().get("POST /contacts/import", 0) - imports_before
            in_process = runs[key][-1]
            run["emulator_bound_in_process_s"] = in_process["emulator_bound_s"]
            cli_runs[key].append(run)
            expected = in_process["list"].get("list_members_after")
            check = {"repetition": repetition, "scenario": f"cli {key}", "members_metadata": expected}
            check["list_size_api"] = list_size_via_api(emulator.api_url)
            check["ok"] = run["ok"] and check["list_size_api"] == expected
            if key == "b_unchanged":
                check["ok"] = check["ok"] and run["import_requests"] == 0
            checks.append(check)
            print(
                f"[{repetition}] cli {key:<15} {'ok' if run['ok'] else 'FAILED'} wall {run['wall_s']:.2f} s, "
                f"imports {run['import_requests']}, peak {run['peak_rss_mib']} MiB",
                flush=True,
            )
            if not check["ok"]:
                print(f"    CHECK FAILED: {check} {run['stderr_tail']}", flush=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)


TARGETS = {"a_full": 3.0, "b_unchanged": 1.0, "c_1pct_changed": 1.5}
PEAK_RSS_TARGET_MIB = 1024


def print_targets(
    rows: int,
    summary: dict[str, dict[str, Any]],
    floors: list[dict[str, Any]],
    starts: list[dict[str, Any]],
    cli_runs: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """Each scenario's side of the work as a ratio to the floor measured in the same session."""
    floor = median([f["seconds"] for f in floors]) or 0.0
    start = median([r["wall_s"] for r in starts]) or 0.0
    print(f"\nfloor (read the CSV + JSON-encode the mapped columns once, no Dagster): {floor:.2f} s (median)")
    print(f"starting Dagster (one trivial asset through `dagster asset materialize`): {start:.2f} s (median)")
    print(
        f"\n{'scenario':<18}{'ours s':>8}{'ratio':>7}{'target':>8}{'peak MiB':>10}{'cli wall':>10}{'cli ours':>10}"
        f"{'cli ratio':>10}{'cli MiB':>9}{'imports/M':>11}"
    )
    table: dict[str, Any] = {"floor_s": floor, "dagster_start_s": start, "scenarios": {}}
    for key, target in TARGETS.items():
        s = summary[key]
        ours = s["our_side_s"] or 0.0
        cli = cli_runs.get(key) or []
        cli_wall = median([r["wall_s"] for r in cli])
        cli_ours = median([r["wall_s"] - start - r["emulator_bound_in_process_s"] for r in cli]) if cli else None
        cli_mib = median([r["peak_rss_mib"] for r in cli])
        per_million = (s["import_requests"] or 0) * 1_000_000 / rows
        row = {
            "our_side_s": ours,
            "ratio": round(ours / floor, 2) if floor else None,
            "target_ratio": target,
            "peak_rss_mib": s["peak_rss_mib"],
            "cli_wall_s": cli_wall,
            "cli_our_side_s": round(cli_ours, 3) if cli_ours is not None else None,
            "cli_ratio": round(cli_ours / floor, 2) if cli_ours is not None and floor else None,
            "cli_peak_rss_mib": cli_mib,
            "import_requests_per_million": round(per_million, 1),
        }
        table["scenarios"][key] = row
        print(
            f"{key:<18}{ours:>8.2f}{row['ratio'] or 0:>7.2f}{'<= ' + str(target):>8}{s['peak_rss_mib'] or 0:>10.0f}"
            f"{cli_wall or 0:>10.2f}{cli_ours or 0:>10.2f}{row['cli_ratio'] or 0:>10.2f}{cli_mib or 0:>9.0f}"
            f"{per_million:>11.1f}"
        )
    print(
        "ours = wall minus time blocked on the emulator; cli ours = cli wall minus Dagster's start minus the same "
        "scenario's in-process time blocked on the emulator"
    )
    return table


# ------------------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------------------


def median(values: list[float | int | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 3) if present else None


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    steps = sorted({k for r in runs for k in r["steps_s"]})
    phases = sorted({k for r in runs for k in r["phases_s"]})
    return {
        "runs": len(runs),
        "all_succeeded": all(r["success"] for r in runs),
        "wall_s": median([r["wall_s"] for r in runs]),
        "wall_s_min": min(r["wall_s"] for r in runs),
        "wall_s_max": max(r["wall_s"] for r in runs),
        "emulator_bound_s": median([r["emulator_bound_s"] for r in runs]),
        "our_side_s": median([r["our_side_s"] for r in runs]),
        "cpu_s": median([r["cpu_s"] for r in runs]),
        "emulator_cpu_s": median([r["emulator_cpu_s"] for r in runs]),
        "steps_s": {k: median([r["steps_s"].get(k) for r in runs]) for k in steps},
        "phases_s": {k: median([r["phases_s"].get(k) for r in runs]) for k in phases},
        "import_requests": median([r["import_requests"] for r in runs]),
        "import_bytes": median([r["import_bytes"] for r in runs]),
        "sent": median([r["list"].get("sent") for r in runs]),
        "members": median([r["list"].get("members") for r in runs]),
        "peak_rss_mib": median([r["peak_rss_mib"] for r in runs]),
        "emulator_peak_rss_mib": median([r["emulator_peak_rss_mib"] for r in runs]),
    }


def print_table(rows: int, summary: dict[str, dict[str, Any]]) -> None:
    print()
    print(f"N = {rows:,} profiles; medians of {summary['a_full']['runs']} run(s)")
    header = (
        f"{'scenario':<34}{'wall s':>9}{'ours s':>8}{'cpu s':>8}{'emu cpu':>9}{'sent':>10}{'imports':>8}{'MB sent':>9}"
        f"{'peak MiB':>10}{'emu MiB':>9}"
    )
    print(header)
    print("-" * len(header))
    for key, label in SCENARIOS.items():
        s = summary[key]
        mb = (s["import_bytes"] or 0) / 1e6
        print(
            f"{key + ' (' + label + ')':<34.34}{s['wall_s']:>9.2f}{s['our_side_s']:>8.2f}{s['cpu_s']:>8.2f}"
            f"{s['emulator_cpu_s'] or 0:>9.2f}"
            f"{int(s['sent'] or 0):>10,}{int(s['import_requests'] or 0):>8}{mb:>9.1f}"
            f"{s['peak_rss_mib'] or 0:>10.0f}{s['emulator_peak_rss_mib'] or 0:>9.0f}"
        )
    full = summary["a_full"]["wall_s"]
    per_million = full * 1_000_000 / rows
    print(
        f"\nfull export: {full:.1f} s for {rows:,} profiles = {per_million:.0f} s per million; the original takes up "
        f"to {ORIGINAL_SECONDS_PER_MILLION} s per million: {ORIGINAL_SECONDS_PER_MILLION / per_million:.0f}x faster"
    )
    ours = summary["a_full"]["our_side_s"] * 1_000_000 / rows
    print(
        f"excluding the time blocked on the emulator (its synchronous parsing in POST /contacts/import and the "
        f"polls): {ours:.0f} s per million, {ORIGINAL_SECONDS_PER_MILLION / ours:.0f}x"
    )
    print("Brevo's own server-side import time is not emulated: these figures are our side (reading, segmenting,")
    print("validating, diffing, packing, sending, polling); the emulator applies each import in memory after 0.2 s.")
    print("\nper step (median s):")
    for key in SCENARIOS:
        print(f"  {key:<16}" + "  ".join(f"{k}={v:.2f}" for k, v in summary[key]["steps_s"].items()))
    print("\nwhere the time goes (median s, inside the steps):")
    phases = sorted({p for key in SCENARIOS for p in summary[key]["phases_s"]})
    print(f"  {'phase':<34}" + "".join(f"{k[:14]:>16}" for k in SCENARIOS))
    for phase in phases:
        cells = [summary[key]["phases_s"].get(phase) for key in SCENARIOS]
        print(f"  {phase:<34}" + "".join(f"{'' if c is None else f'{c:.2f}':>16}" for c in cells))


# ------------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--generator",
        choices=["full", "tiled"],
        default="full",
        help="full: one generate_sample_profiles(N); tiled: repeat a 100k sample with renumbered ids/emails",
    )
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv", help="profiles file read by the job")
    parser.add_argument("--check-members", action="store_true", help="also fetch every list member (slow at 1M)")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-cli", action="store_true", help="skip the runs through `dagster asset materialize`")
    parser.add_argument(
        "--engine",
        choices=["auto", "pandas", "ibis"],
        default="auto",
        help="profiles.engine: segments evaluated in pandas, or where the file is (DuckDB through ibis)",
    )
    parser.add_argument(
        "--dataset",
        action="store_true",
        help="the Parquet-dataset benchmark instead (benchmarks/dataset.py, its own options: 20M rows by default)",
    )
    argv = sys.argv[1:] if argv is None else argv
    if "--dataset" in argv:
        from benchmarks.dataset import main as dataset_main

        return dataset_main([a for a in argv if a != "--dataset"])
    args = parser.parse_args(argv)
    out = args.out.resolve()

    if args.floor:
        print(json.dumps(floor_work(args.floor)))
        return 0

    if args.generate_only:
        info = generate_data(out, args.rows, args.seed, args.generator)
        print(f"  generated in {info['generate_seconds']} s, written in {info['write_seconds']} s", flush=True)
        return 0

    data = ensure_data(out, args.rows, args.seed, args.generator)
    paths = data_paths(out, args.rows, args.seed)
    print(
        f"profiles: {paths['csv']} ({data['rows']:,} rows, {data['csv_bytes'] / 1e6:.0f} MB; {data['how']}"
        f"{'; cached' if data['cached'] else ''}; generated in {data['generate_seconds']} s)",
        flush=True,
    )

    import dagster as dg

    from ci_sendinblue.config.loading import load_settings
    from ci_sendinblue.definitions import build_definitions
    from ci_sendinblue.emulator.process import EmulatorProcess

    instrument()
    suffix = ".parquet" if args.format == "parquet" else ".csv"
    current = out / f"current_{args.rows}{suffix}"
    sources = {
        "base": paths["parquet"] if args.format == "parquet" else paths["csv"],
        "changed": paths["changed_csv"],
    }
    if args.format == "parquet":
        import pandas as pd

        changed_parquet = out / f"profiles_{args.rows}_seed{args.seed}_changed.parquet"
        if not changed_parquet.is_file():
            pd.read_csv(paths["changed_csv"], dtype=str, keep_default_na=False, na_values=[""]).to_parquet(
                changed_parquet, index=False
            )
        sources["changed"] = changed_parquet

    def place(which: str) -> None:
        tmp = current.with_name(current.name + ".tmp")
        shutil.copyfile(sources[which], tmp)
        os.replace(tmp, current)

    runs: dict[str, list[dict[str, Any]]] = {key: [] for key in SCENARIOS}
    cli_runs: dict[str, list[dict[str, Any]]] = {key: [] for key in SCENARIOS}
    floors: list[dict[str, Any]] = []
    starts: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    os.environ["SENDINBLUE_API_KEY"] = API_KEY
    emulator = EmulatorProcess(api_key=API_KEY, **BENCH_EMULATOR)
    with emulator:
        emulator._client = httpx.Client(base_url=emulator.base_url, timeout=900)  # inspection calls at 1M rows
        assert emulator._proc is not None
        emulator_pid = emulator._proc.pid
        place("base")
        config = write_config(out, current, emulator.api_url, args.rows, args.engine)
        defs = build_definitions(load_settings(config))
        print(f"config: {config}; emulator {emulator.api_url} (pid {emulator_pid})", flush=True)
        for repetition in range(1, args.repeat + 1):
            emulator.reset(**BENCH_EMULATOR)
            place("base")
            floors.append(measure_floor(current))
            starts.append(measure_dagster_start(out))
            print(
                f"[{repetition}/{args.repeat}] floor {floors[-1]['seconds']:.2f} s (read + JSON-encode, no Dagster); "
                f"dagster start {starts[-1]['wall_s']:.2f} s (one trivial asset through the CLI)",
                flush=True,
            )
            with (
                tempfile.TemporaryDirectory(prefix="ci-sb-bench-") as home,
                dg.DagsterInstance.local_temp(tempdir=home, overrides={"telemetry": {"enabled": False}}) as instance,
            ):
                for key in SCENARIOS:
                    if key == "c_1pct_changed":
                        place("changed")
                    if key != "a_full":
                        # One floor beside every scenario: on this shared machine the same floor takes 4.3 s or
                        # 6.1 s from one minute to the next, so three samples per session were not enough.
                        floors.append(measure_floor(current))
                        print(f"[{repetition}/{args.repeat}] floor {floors[-1]['seconds']:.2f} s", flush=True)
                    run = run_job(defs, instance, emulator_pid)
                    run["repetition"] = repetition
                    runs[key].append(run)
                    lst = run["list"]
                    print(
                        f"[{repetition}/{args.repeat}] {key:<15} {'ok' if run['success'] else 'FAILED'} "
                        f"wall {run['wall_s']:.2f} s, cpu {run['cpu_s']:.2f} s, steps {run['steps_s']}, "
                        f"sent {lst.get('sent')}, imports {run['import_requests']}, "
                        f"{run['import_bytes'] / 1e6:.1f} MB, peak {run['peak_rss_mib']} MiB, "
                        f"emulator peak {run['emulator_peak_rss_mib']} MiB",
                        flush=True,
                    )
                    for failure in run["failures"]:
                        print(f"    FAILED {failure}", flush=True)
                    check = {"repetition": repetition, "scenario": key, "members_metadata": lst.get("members")}
                    check["list_size_api"] = list_size_via_api(emulator.api_url)
                    if key == "a_full" and (args.check_members or repetition == 1):
                        members = list_members_via_inspection(emulator.base_url)
                        check["list_members_inspection"] = len(members)
                        check["distinct_member_emails"] = len({m["email"] for m in members})
                        del members
                    check["ok"] = run["success"] and all(
                        check[k] == check["members_metadata"]
                        for k in ("list_size_api", "list_members_inspection", "distinct_member_emails")
                        if k in check
                    )
                    if key == "b_unchanged":
                        check["ok"] = check["ok"] and run["import_requests"] == 0 and lst.get("sent") == 0
                    checks.append(check)
                    if not check["ok"]:
                        print(f"    CHECK FAILED: {check}", flush=True)
            if not args.no_cli:
                run_cli_scenarios(emulator, out, config, place, repetition, runs, cli_runs, checks)
            place("base")

    summary = {key: summarize(value) for key, value in runs.items()}
    print_table(args.rows, summary)
    targets = print_targets(args.rows, summary, floors, starts, cli_runs)
    full = summary["a_full"]["wall_s"]
    result = {
        "rows": args.rows,
        "repeat": args.repeat,
        "format": args.format,
        "data": data,
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
        },
        "emulator": {"process_delay_s": 0.2, "rate_limits": "off", "server_side_import_time": "not emulated"},
        "original_seconds_per_million": ORIGINAL_SECONDS_PER_MILLION,
        "full_export_seconds_per_million": round(full * 1_000_000 / args.rows, 1),
        "factor_vs_original": round(ORIGINAL_SECONDS_PER_MILLION / (full * 1_000_000 / args.rows), 1),
        "our_side_seconds_per_million": round(summary["a_full"]["our_side_s"] * 1_000_000 / args.rows, 1),
        "factor_vs_original_our_side": round(
            ORIGINAL_SECONDS_PER_MILLION / (summary["a_full"]["our_side_s"] * 1_000_000 / args.rows), 1
        ),
        "benchmark_process_max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "summary": summary,
        "floor": {"runs": floors, "median_s": median([f["seconds"] for f in floors])},
        "dagster_start": {"runs": starts, "median_s": median([r["wall_s"] for r in starts])},
        "cli_runs": cli_runs,
        "targets": targets,
        "checks": checks,
        "runs": runs,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str))
    (out / f"results_{args.rows}.json").write_text(json.dumps(result, indent=2, default=str))
    print(f"\nbenchmark process max RSS (whole run): {result['benchmark_process_max_rss_mib']} MiB")
    print(f"checks: {sum(c['ok'] for c in checks)}/{len(checks)} passed")
    print(f"results: {out / 'results.json'}")
    return 0 if all(c["ok"] for c in checks) else 1


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
