"""The Parquet-dataset benchmark: 20M profiles queried where they live, a 1 % segment exported to the emulator.

    ./dev bench --dataset [--rows 20000000] [--parts 20] [--repeat 3] [--out benchmarks/out]

1. ``rows`` profiles as a folder of Parquet parts (``dataset_<rows>_seed<seed>/part-*.parquet``), generated
   once in a child process from repeated 100k samples (ids renumbered, emails tagged per tile, as
   ``run.py --generator tiled`` does) and cached.
2. A configuration with ``profiles.path`` on the folder (the dataset kind: DuckDB queries it through ibis), one
   segment of the profiles whose CustomerId ends in "37" (1 %), one export of it to list 12.
3. Per repetition, a fresh Dagster instance and a reset emulator, then:
   - the floor, in a child process: DuckDB alone scans the parts for the same 1 % and JSON-encodes their
     mapped columns (the least any tool must do to send them);
   - the export through ``dagster asset materialize`` (one process, as a schedule runs it), its wall time and
     peak RSS (VmHWM, read from /proc);
   - the check: the list's member count as Brevo's API reports it equals what the run's list asset recorded.
Figures go to ``<out>/dataset_<rows>.json`` and are written down in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import (  # noqa: E402  (the project root must be importable first)
    API_KEY,
    BENCH_EMULATOR,
    FLOOR_COLUMNS,
    TILE,
    cli_env,
    dagster_cli,
    dagster_home,
    emulator_connection,
    list_export,
    list_size_via_api,
    run_child,
)

EXPORT = "bench"
SEGMENT = "one_percent"
SUFFIX = "37"
"""The segment: profiles whose CustomerId ends in these two digits, one in a hundred."""
PEAK_RSS_TARGET_MIB = 2048


def dataset_dir(out: Path, rows: int, seed: int) -> Path:
    return out / f"dataset_{rows}_seed{seed}"


def generate(folder: Path, rows: int, seed: int, parts: int) -> None:
    """Write the parts; ``_info.json`` last, so an interrupted generation is never taken for a whole one."""
    import pandas as pd

    from ci_sendinblue.profiles.sample import generate_sample_profiles

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base = generate_sample_profiles(count=TILE, seed=seed)
    per_part = -(-rows // parts)
    for part in range(parts):
        first = part * per_part
        count = min(per_part, rows - first)
        tiles = []
        for start in range(first, first + count, TILE):
            tile = start // TILE
            piece = base.iloc[: min(TILE, first + count - start)].copy()
            piece["CustomerId"] = [f"C{start + i + 1:08d}" for i in range(len(piece))]
            if tile:
                piece["Email"] = piece["Email"].str.replace("@", f"+t{tile}@", n=1, regex=False)
            tiles.append(piece)
        pd.concat(tiles, ignore_index=True).to_parquet(folder / f"part-{part:05d}.parquet", index=False)
    info = {"rows": rows, "parts": parts, "seed": seed, "generate_seconds": round(time.perf_counter() - started, 1)}
    info["bytes"] = sum(p.stat().st_size for p in folder.glob("part-*.parquet"))
    (folder / "_info.json").write_text(json.dumps(info, indent=2))


def ensure_dataset(out: Path, rows: int, seed: int, parts: int) -> dict[str, Any]:
    folder = dataset_dir(out, rows, seed)
    if not (folder / "_info.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {rows:,} profiles in {parts} Parquet parts (child process) ...", flush=True)
        child = [sys.executable, __file__, "--generate-only", "--rows", str(rows), "--seed", str(seed)]
        subprocess.run([*child, "--parts", str(parts), "--out", str(out)], check=True)
    return json.loads((folder / "_info.json").read_text())


def floor_work(folder: Path) -> dict[str, Any]:
    """DuckDB alone: scan the parts for the segment and JSON-encode its mapped columns once."""
    import duckdb

    started = time.perf_counter()
    connection = duckdb.connect()
    columns = ", ".join(f'"{c}"' for c in FLOOR_COLUMNS)
    members = connection.execute(
        f"select {columns} from read_parquet(?) where ends_with(CustomerId, ?)",
        [str(folder / "*.parquet"), SUFFIX],
    ).df()
    encoded = members.rename(columns=FLOOR_COLUMNS).to_json(orient="records", force_ascii=False)
    return {"seconds": round(time.perf_counter() - started, 3), "rows": len(members), "json_bytes": len(encoded)}


def write_config(out: Path, folder: Path, api_url: str) -> Path:
    import yaml

    config = {
        "profiles": {"path": str(folder), "key": "CustomerId", "watch": False},
        "segments": {
            SEGMENT: {
                "description": f"profiles whose CustomerId ends in {SUFFIX} (1 %, benchmark)",
                "max_rejected_share": 1.0,
                "where": {"field": "CustomerId", "op": "endswith", "value": SUFFIX},
            }
        },
        "connections": {"emulator": emulator_connection(api_url)},
        "exports": {EXPORT: list_export(SEGMENT)},
    }
    path = out / "bench_dataset.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def recorded_counts(home: Path) -> tuple[int | None, int | None]:
    """What the run believes: the segment's member count, and the list's member count its list asset recorded
    from Brevo after the import (every member is new, so the two must agree with Brevo's own count)."""
    import dagster as dg

    def latest(key: list[str], name: str) -> int | None:
        event = instance.get_latest_materialization_event(dg.AssetKey(key))
        if event is None or event.asset_materialization is None:
            return None
        value = event.asset_materialization.metadata.get(name)
        return int(value.value) if value is not None else None

    with dg.DagsterInstance.from_config(str(home)) as instance:
        return latest(["segments", SEGMENT], "dagster/row_count"), latest(["sendinblue", EXPORT], "brevo_members")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--parts", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if args.floor:
        print(json.dumps(floor_work(args.floor)))
        return 0
    if args.generate_only:
        generate(dataset_dir(out, args.rows, args.seed), args.rows, args.seed, args.parts)
        return 0

    info = ensure_dataset(out, args.rows, args.seed, args.parts)
    folder = dataset_dir(out, args.rows, args.seed)
    print(f"dataset: {folder} ({info['rows']:,} rows in {info['parts']} parts, {info['bytes'] / 1e9:.2f} GB)")

    from ci_sendinblue.emulator.process import EmulatorProcess

    results: list[dict[str, Any]] = []
    emulator = EmulatorProcess(api_key=API_KEY, **BENCH_EMULATOR)
    with emulator:
        config = write_config(out, folder, emulator.api_url)
        for repetition in range(1, args.repeat + 1):
            emulator.reset(**BENCH_EMULATOR)
            floor_child = [sys.executable, __file__, "--floor", str(folder)]
            floor = json.loads(subprocess.run(floor_child, check=True, capture_output=True, text=True).stdout)
            home = dagster_home(out)
            try:
                command = [dagster_cli(), "asset", "materialize", "-m", "ci_sendinblue.definitions"]
                run = run_child([*command, "--select", f"*sendinblue/{EXPORT}"], cli_env(home, config))
                segment_rows, believed = recorded_counts(home)
            finally:
                shutil.rmtree(home, ignore_errors=True)
            in_brevo = list_size_via_api(emulator.api_url)
            ok = run["ok"] and in_brevo > 0 and segment_rows == believed == in_brevo
            result = {
                "repetition": repetition,
                "floor_s": floor["seconds"],
                "segment_rows_floor": floor["rows"],
                "export_wall_s": run["wall_s"],
                "peak_rss_mib": run["peak_rss_mib"],
                "segment_members_recorded": segment_rows,
                "list_members_recorded": believed,
                "list_members_in_brevo": in_brevo,
                "ok": ok,
            }
            results.append(result)
            print(
                f"[{repetition}/{args.repeat}] floor {floor['seconds']:.2f} s ({floor['rows']:,} rows); export "
                f"{'ok' if run['ok'] else 'FAILED'} {run['wall_s']:.1f} s, peak {run['peak_rss_mib']:.0f} MiB; "
                f"list {in_brevo:,} in Brevo, {believed} recorded, segment {segment_rows}: "
                f"{'agree' if ok else 'CHECK FAILED'}",
                flush=True,
            )
            if not run["ok"]:
                print(run["stderr_tail"], flush=True)

    floor_s = statistics.median(r["floor_s"] for r in results)
    wall = statistics.median(r["export_wall_s"] for r in results)
    peak = statistics.median(r["peak_rss_mib"] for r in results)
    summary = {
        "rows": args.rows,
        "parts": args.parts,
        "floor_s_median": floor_s,
        "export_wall_s_median": wall,
        "ratio_to_floor": round(wall / floor_s, 2),
        "peak_rss_mib_median": peak,
        "peak_rss_mib_max": max(r["peak_rss_mib"] for r in results),
        "peak_rss_target_mib": PEAK_RSS_TARGET_MIB,
        "all_checks_ok": all(r["ok"] for r in results),
        "runs": results,
    }
    (out / f"dataset_{args.rows}.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nmedians of {len(results)}: floor {floor_s:.2f} s, export {wall:.1f} s ({summary['ratio_to_floor']} x "
        f"floor), peak RSS {peak:.0f} MiB (max {summary['peak_rss_mib_max']:.0f}, target <= {PEAK_RSS_TARGET_MIB}); "
        f"checks {'all passed' if summary['all_checks_ok'] else 'FAILED'}"
    )
    return 0 if summary["all_checks_ok"] and summary["peak_rss_mib_max"] <= PEAK_RSS_TARGET_MIB else 1


if __name__ == "__main__":
    sys.exit(main())
