"""Two teams in one code location, over HTTP against the emulator: each prefixed export fills its own list,
and both keep their own sync state in the one default state database, though both export "newsletter"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue.profiles.sample import generate_sample_profiles
from ci_sendinblue.sendinblue.optout_state import OptOutStore
from ci_sendinblue.sendinblue.resources import STATE_COPIES, STATE_DATABASE
from ci_sendinblue.sendinblue.sync_state import SyncStateStore
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, e2e_config, expected_members, write_yaml

pytestmark = pytest.mark.e2e
LISTS = {"crm": 12, "shop": 13}


def listed(emulator: EmulatorProcess, list_id: int) -> dict[str, dict[str, Any]]:
    return {m["email"]: m["attributes"] for m in emulator.members(list_id)}


def team_profiles(team: str) -> pd.DataFrame:
    """Sample profiles of one team. Brevo keys contacts by email and holds one contact per SMS number in an
    account, so the shop's customers get addresses of their own and no phone: the two lists then share no
    contact, and each list's members are exactly its own export's."""
    profiles = generate_sample_profiles(count=400, seed=21 if team == "crm" else 22)
    if team == "shop":
        email = profiles["Email"]
        profiles["Email"] = email.where(email.isna(), "shop." + email.astype(str).str.strip())
        profiles["Phone"] = ""
    return profiles


def write_team(root: Path, team: str, api_url: str, prefix: Any) -> tuple[Path, pd.DataFrame]:
    """One team's folder: its profiles and its configuration (the test project behind ``prefix``, writing
    the team's own list, leaving the connection's opt-outs out of a segment)."""
    folder = root / team
    folder.mkdir()
    profiles = team_profiles(team)
    profiles.to_csv(folder / "profiles.csv", index=False)
    config = e2e_config(api_url, list_id=LISTS[team])
    config["segments"]["platinum"]["exclude_optouts"] = ["brevo"]
    config["key_prefix"] = prefix
    return write_yaml(folder / "config.yaml", config), profiles


def sent(result: dg.ExecuteInProcessResult, team: str) -> dict[str, Any]:
    [event] = [
        e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key == dg.AssetKey([team, "sendinblue", "newsletter"])
    ]
    metadata = {k: v.value for k, v in event.metadata.items()}
    return {"added": metadata["added"], "updated": metadata["updated"], "sent": metadata["contacts"]["sent"]}


def test_two_teams_fill_their_own_lists_and_keep_their_own_state_in_one_database(
    emulator: EmulatorProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    emulator.create_list(LISTS["shop"], "Shop newsletter")
    crm_config, crm_profiles = write_team(tmp_path, "crm", emulator.api_url, ["crm"])
    shop_config, shop_profiles = write_team(tmp_path, "shop", emulator.api_url, "shop")
    defs = dg.Definitions.merge(*(build_definitions(load_settings(path)) for path in (crm_config, shop_config)))
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})

    def run_both() -> dict[str, dg.ExecuteInProcessResult]:
        """Each team's all-exports job, as its profiles sensor would start it, in the one instance."""
        results = {}
        for team in LISTS:
            job = defs.resolve_job_def(f"{team}__all_exports_job")
            results[team] = job.execute_in_process(instance=instance, raise_on_error=False)
            failures = [e.step_failure_data.error.message for e in results[team].get_step_failure_events()]
            assert results[team].success, failures
        return results

    first = run_both()

    crm_members, shop_members = expected_members(crm_profiles), expected_members(shop_profiles)
    assert crm_members and shop_members and not crm_members.keys() & shop_members.keys()
    assert listed(emulator, LISTS["crm"]) == crm_members
    assert listed(emulator, LISTS["shop"]) == shop_members
    for team, members in (("crm", crm_members), ("shop", shop_members)):
        assert sent(first[team], team) == {"added": len(members), "updated": 0, "sent": len(members)}

    storage = Path(instance.storage_directory())
    with SyncStateStore(f"sqlite:///{storage / STATE_DATABASE}") as store:
        counts = {key: store.summary(key) for key in ("crm/newsletter", "shop/newsletter", "newsletter")}
        assert {key: s.member_count if s else None for key, s in counts.items()} == {
            "crm/newsletter": len(crm_members),
            "shop/newsletter": len(shop_members),
            "newsletter": None,
        }
        assert set(store.load("crm/newsletter")["email"]) == set(crm_members)
        assert set(store.load("shop/newsletter")["email"]) == set(shop_members)
        cursors = OptOutStore(store).cursors
        with store.engine.connect() as conn:
            read = set(conn.execute(sa.select(cursors.c.connection)).scalars())
        assert read == {"crm/brevo", "shop/brevo"}  # each team's read of the opt-outs, none unprefixed
    assert len(list((storage / STATE_COPIES).glob("*.arrow"))) == 2  # one local copy per team's export

    imports = emulator.request_counts()["POST /contacts/import"]
    second = run_both()

    assert emulator.request_counts()["POST /contacts/import"] == imports
    for team in LISTS:
        assert sent(second[team], team) == {"added": 0, "updated": 0, "sent": 0}
    assert listed(emulator, LISTS["crm"]) == crm_members
    assert listed(emulator, LISTS["shop"]) == shop_members
