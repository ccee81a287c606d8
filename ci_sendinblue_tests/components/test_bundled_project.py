"""The bundled project is a dg project: `dg check defs` is clean and `dg list defs` shows the demo's
lineage, from the profiles through the segments to the Brevo list."""

from __future__ import annotations

from pathlib import Path

from ci_sendinblue_tests.components.dg_cli import dagster_home, listed_definitions, run_dg

ROOT = Path(__file__).resolve().parents[2]


def test_dg_check_defs_is_clean(tmp_path):
    checked = run_dg("check", "defs", cwd=ROOT, home=dagster_home(tmp_path / "home"))
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-3000:]
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr


def test_dg_list_defs_shows_the_demo_lineage_from_its_defs_yaml(tmp_path):
    listed = listed_definitions(ROOT, dagster_home(tmp_path / "home"))
    assets = {asset["asset_key"]: asset for asset in listed["assets"]}
    assert set(assets["sendinblue/newsletter"]["dependency_keys"]) == {
        "segments/seattle_high_value",
        "segments/loyal_members",
    }
    assert assets["segments/loyal_members"]["dependency_keys"] == ["customer_profiles"]
    assert assets["sendinblue/newsletter"]["source"].startswith("ci_sendinblue/defs/demo/defs.yaml")
    assert {job["name"] for job in listed["jobs"]} >= {"newsletter_export_job", "all_exports_job"}
