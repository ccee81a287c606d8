"""Each run is a sync against the emulator: only what changed is sent, leavers are unlinked in mirror mode,
and the brake keeps a broken upstream from emptying a list."""

from __future__ import annotations

import copy

import dagster as dg
import httpx
import pytest

import ci_sendinblue.sendinblue.contacts as contacts_module
from ci_sendinblue.profiles.sample import generate_sample_profiles
from ci_sendinblue.sendinblue.sync_state import SyncStateStore
from ci_sendinblue_tests.helpers import API_KEY, e2e_config

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])


def options(**values: bool) -> dict:
    return {"ops": {"sendinblue__newsletter": {"config": values}}}


def imported_contacts(emulator) -> int:
    """Contacts Brevo took in through imports so far (new plus updated)."""
    return sum(
        p["info"]["import"]["new_contacts"] + p["info"]["import"]["updated_contacts"]
        for p in emulator.processes()
        if p["status"] == "completed" and (p.get("info") or {}).get("import")
    )


def listed(emulator) -> set[str]:
    return {m["email"] for m in emulator.members(12)}


def mirror(api_url: str, **changes) -> dict:
    return e2e_config(api_url, mode="mirror", **changes)


@pytest.fixture
def sample():
    return generate_sample_profiles(count=1000, seed=5)


def test_a_second_run_with_nothing_changed_sends_no_contacts(emulator, run_pipeline, sample):
    first = run_pipeline(profiles=sample)
    assert first.result.success, first.failure_message
    imports_before = emulator.request_counts()["POST /contacts/import"]
    second = run_pipeline(profiles=sample)
    assert second.result.success, second.failure_message
    assert emulator.request_counts()["POST /contacts/import"] == imports_before
    metadata = second.metadata(NEWSLETTER)
    assert (metadata["added"], metadata["updated"], metadata["contacts"]["sent"]) == (0, 0, 0)
    assert metadata["unchanged"] == first.metadata(NEWSLETTER)["added"]


def test_a_run_that_finds_the_members_of_the_last_run_loads_parses_and_writes_nothing(
    emulator, run_pipeline, sample, monkeypatch
):
    first = run_pipeline(profiles=sample)
    assert first.result.success, first.failure_message

    def untouchable(*args, **kwargs):
        raise AssertionError("an unchanged run must not need this")

    monkeypatch.setattr(SyncStateStore, "load", untouchable)
    monkeypatch.setattr(SyncStateStore, "record_confirmed_upserts", untouchable)
    monkeypatch.setattr(contacts_module, "normalize_phones", untouchable)
    second = run_pipeline(profiles=sample)

    assert second.result.success, second.failure_message
    metadata, before = second.metadata(NEWSLETTER), first.metadata(NEWSLETTER)
    assert metadata["run"]["nothing_changed"] is True
    assert (metadata["contacts"]["sent"], metadata["unchanged"]) == (0, before["dagster/row_count"])
    assert metadata["brevo_members"] == before["brevo_members"]
    for count in ("invalid_phones", "shared_phones"):
        assert metadata["contacts"][count] == before["contacts"][count], count


def test_a_state_written_since_the_last_run_is_loaded_and_repaired(emulator, run_pipeline, sample):
    """The shortcut trusts the state only as the last run left it: a write since withdraws that promise."""
    first = run_pipeline(profiles=sample)
    store = SyncStateStore(f"sqlite:///{first.instance.storage_directory()}/ci_sendinblue_sync_state.db")
    forgotten = sorted(store.load("newsletter")["email"])[0]
    store.record_confirmed_removals("newsletter", [forgotten])
    store.dispose()

    run = run_pipeline(profiles=sample)

    assert run.result.success, run.failure_message
    metadata = run.metadata(NEWSLETTER)
    assert metadata["run"]["nothing_changed"] is False
    assert (metadata["added"], metadata["updated"]) == (1, 0)
    assert run_pipeline(profiles=sample).metadata(NEWSLETTER)["run"]["nothing_changed"] is True


def test_after_changing_one_percent_of_profiles_only_those_are_imported(emulator, run_pipeline, sample):
    run_pipeline(profiles=sample)
    before = imported_contacts(emulator)
    members = sorted(listed(emulator))
    changed = sample.copy()
    touched = changed["Email"].str.strip().str.lower().isin(members[:: max(1, len(members) // 10)][:10])
    changed.loc[touched, "FirstName"] = changed.loc[touched, "FirstName"] + " Jr"
    run = run_pipeline(profiles=changed)
    assert run.result.success, run.failure_message
    expected = len({e.strip().lower() for e in changed.loc[touched, "Email"]})
    assert run.metadata(NEWSLETTER)["updated"] == expected
    assert imported_contacts(emulator) - before == expected
    names = {m["email"]: m["attributes"].get("FIRSTNAME", "") for m in emulator.members(12)}
    assert sum(name.endswith(" Jr") for name in names.values()) == expected


def test_mirror_mode_unlinks_members_who_left_every_segment(emulator, run_pipeline, profiles_frame):
    config = mirror(emulator.api_url, max_removal_share=0.5)
    run_pipeline(config)
    assert "carl@example.net" in listed(emulator)
    left = profiles_frame.copy()
    left.loc[left["CustomerId"] == "C5", "City"] = "Paris"
    run = run_pipeline(config, profiles=left)
    assert run.result.success, run.failure_message
    assert "carl@example.net" not in listed(emulator)
    assert run.metadata(NEWSLETTER)["removed"] == 1
    assert any(c["email"] == "carl@example.net" for c in emulator.contacts()), "the contact itself stays in Brevo"


def test_upsert_mode_keeps_members_who_left(emulator, run_pipeline, profiles_frame):
    run_pipeline()
    left = profiles_frame.copy()
    left.loc[left["CustomerId"] == "C5", "City"] = "Paris"
    run = run_pipeline(profiles=left)
    assert run.result.success, run.failure_message
    assert "carl@example.net" in listed(emulator)
    assert run.metadata(NEWSLETTER)["contacts"]["left_segments_kept_in_list"] == 1
    assert emulator.request_counts().get("POST /contacts/lists/{listId}/contacts/remove", 0) == 0


def test_the_brake_stops_a_mirror_run_that_finds_a_segment_emptied(emulator, run_pipeline, profiles_frame):
    config = mirror(emulator.api_url, max_removal_share=1.0)
    run_pipeline(config)
    before = listed(emulator)
    emptied = profiles_frame[profiles_frame["LoyaltyTier"] != "Platinum"]
    run = run_pipeline(config, profiles=emptied)
    assert not run.result.success
    assert "platinum (had 1) are empty now" in run.failure_message
    assert "allow_mass_removal: true" in run.failure_message
    assert listed(emulator) == before


def test_the_brake_stops_a_mass_removal_and_removes_nothing(emulator, run_pipeline, sample):
    config = mirror(emulator.api_url)
    run_pipeline(config, profiles=sample)
    before = listed(emulator)
    shrunk = sample.copy()
    shrunk.loc[shrunk.index[: len(shrunk) // 2], "LoyaltyTier"] = "Bronze"
    shrunk.loc[shrunk.index[: len(shrunk) // 2], "City"] = "Nowhere"
    run = run_pipeline(config, profiles=shrunk)
    assert not run.result.success
    assert "over the 20% allowed by exports.newsletter.max_removal_share" in run.failure_message
    assert listed(emulator) == before
    assert emulator.request_counts().get("POST /contacts/lists/{listId}/contacts/remove", 0) == 0


def test_a_mass_removal_goes_through_when_allowed_for_one_run(emulator, run_pipeline, sample):
    config = mirror(emulator.api_url)
    run_pipeline(config, profiles=sample)
    shrunk = sample.copy()
    shrunk.loc[shrunk.index[: len(shrunk) // 2], ["LoyaltyTier", "City"]] = ["Bronze", "Nowhere"]
    run = run_pipeline(config, profiles=shrunk, run_config=options(allow_mass_removal=True))
    assert run.result.success, run.failure_message
    assert len(listed(emulator)) == run.metadata(NEWSLETTER)["dagster/row_count"]


def test_a_dry_run_reports_the_changes_and_sends_nothing(emulator, run_pipeline, profiles_frame):
    run = run_pipeline(run_config=options(dry_run=True))
    assert run.result.success, run.failure_message
    assert emulator.request_counts().get("POST /contacts/import", 0) == 0
    assert listed(emulator) == set()
    [observation] = [
        e.event_specific_data.asset_observation
        for e in run.result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    metadata = {k: v.value for k, v in observation.metadata.items()}
    assert (metadata["dry_run"], metadata["added"], metadata["updated"], metadata["removed"]) == (True, 3, 0, 0)
    assert all("***@" in masked for masked in metadata["added_sample"])
    assert run.instance.get_run_by_id(run.result.run_id).tags["ci_sendinblue/dry_run"] == "true", (
        "it stands out in Runs"
    )
    real = run_pipeline()
    assert real.metadata(NEWSLETTER)["added"] == 3, "the dry run must not have touched the state"


def test_a_run_that_fails_before_brevo_completes_the_import_is_repaired_by_the_next(emulator, run_pipeline):
    emulator.reset(lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=30)
    config = e2e_config(emulator.api_url)
    config["connections"]["brevo"]["import_timeout"] = 0.3
    failed = run_pipeline(config)
    assert not failed.result.success
    assert "still" in failed.failure_message
    emulator.reset(lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=0.05)
    again = run_pipeline()
    assert again.result.success, again.failure_message
    assert again.metadata(NEWSLETTER)["added"] == 3
    assert listed(emulator) == {"ann@example.com", "zoe@example.org", "carl@example.net"}


def test_full_refresh_sends_every_member_again(emulator, run_pipeline):
    run_pipeline()
    run = run_pipeline(run_config=options(full_refresh=True))
    assert run.metadata(NEWSLETTER)["contacts"]["sent"] == 3
    assert run.instance.get_run_by_id(run.result.run_id).tags["ci_sendinblue/full_refresh"] == "true"


def remove_by_hand(emulator, email: str) -> None:
    httpx.post(
        f"{emulator.api_url}/contacts/lists/12/contacts/remove", headers={"api-key": API_KEY}, json={"emails": [email]}
    ).raise_for_status()


def drift_check(run):
    [check] = [c for c in run.result.get_asset_check_evaluations() if c.check_name == "list_matches_sync_state"]
    return check


def test_reconcile_puts_back_a_member_removed_by_hand(emulator, run_pipeline):
    config = e2e_config(emulator.api_url)
    config["exports"]["newsletter"]["reconcile_drift"] = False
    run_pipeline(config)
    remove_by_hand(emulator, "zoe@example.org")
    run = run_pipeline(run_config=options(reconcile=True))
    assert run.result.success, run.failure_message
    assert "zoe@example.org" in listed(emulator)
    assert run.metadata(NEWSLETTER)["added"] == 1
    assert run.instance.get_run_by_id(run.result.run_id).tags["ci_sendinblue/reconcile"] == "true"


def test_drift_is_found_and_repaired_by_the_next_ordinary_run(emulator, run_pipeline):
    first = run_pipeline()
    assert drift_check(first).passed, drift_check(first).description
    remove_by_hand(emulator, "zoe@example.org")
    run = run_pipeline()
    assert run.result.success, run.failure_message
    assert "zoe@example.org" in listed(emulator)
    check = drift_check(run)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN, "drift is never green"
    assert "repaired" in check.description
    assert (check.metadata["brevo_members_before"].value, check.metadata["state_members_before"].value) == (2, 3)
    assert check.metadata["brevo_members_after"].value == 3
    assert "3 added" not in run.metadata(NEWSLETTER)["summary"] and run.metadata(NEWSLETTER)["added"] == 1
    assert drift_check(run_pipeline()).passed, "the run after the repair finds the list in step"


def test_a_fresh_list_beside_an_old_state_is_refilled_not_reported_green(emulator, run_pipeline):
    """The failure a user met: a new emulator (an emptied list) with the old state said 'unchanged 754'."""
    run_pipeline()
    emulator.reset(lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=0.05)
    run = run_pipeline()
    assert run.result.success, run.failure_message
    assert listed(emulator) == {"ann@example.com", "zoe@example.org", "carl@example.net"}
    assert run.metadata(NEWSLETTER)["brevo_members"] == 3
    assert not drift_check(run).passed


def test_drift_without_repair_fails_the_run_with_both_numbers(emulator, run_pipeline):
    config = e2e_config(emulator.api_url)
    config["exports"]["newsletter"]["reconcile_drift"] = False
    run_pipeline(config)
    remove_by_hand(emulator, "zoe@example.org")
    run = run_pipeline(config)
    assert not run.result.success
    check = drift_check(run)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "holds 2 contacts; the sync state expects at least 3" in check.description
    assert "exports.newsletter.reconcile_drift" in check.description
    assert "zoe@example.org" not in listed(emulator)


def test_reconcile_in_mirror_mode_unlinks_a_contact_added_by_hand(emulator, run_pipeline):
    config = mirror(emulator.api_url, max_removal_share=0.5)
    run_pipeline(config)
    httpx.post(
        f"{emulator.api_url}/contacts",
        headers={"api-key": API_KEY},
        json={"email": "stranger@example.com", "listIds": [12]},
    ).raise_for_status()
    run = run_pipeline(copy.deepcopy(config), run_config=options(reconcile=True))
    assert run.result.success, run.failure_message
    assert "stranger@example.com" not in listed(emulator)


def test_the_state_can_live_in_postgresql(emulator, run_pipeline, monkeypatch):
    import os

    url = os.environ.get("CI_SENDINBLUE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CI_SENDINBLUE_TEST_POSTGRES_URL is not set: no PostgreSQL server to keep the state in")
    import uuid

    import sqlalchemy as sa

    schema = f"ci_sb_e2e_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        monkeypatch.setenv("STATE_URL", url)
        monkeypatch.setenv("PGOPTIONS", f"-c search_path={schema}")
        config = e2e_config(emulator.api_url)
        config["state"] = {"url_env": "STATE_URL"}
        first = run_pipeline(config)
        assert first.result.success, first.failure_message
        second = run_pipeline(config)
        assert second.metadata(NEWSLETTER)["contacts"]["sent"] == 0
        with engine.connect() as connection:
            stored = connection.execute(sa.text(f'SELECT count(*) FROM "{schema}".ci_sendinblue_sync_state'))
            assert stored.scalar_one() == 3
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_a_dry_run_reconcile_leaves_the_state_alone(emulator, run_pipeline):
    config = e2e_config(emulator.api_url)
    config["exports"]["newsletter"]["reconcile_drift"] = False
    run_pipeline(config)
    remove_by_hand(emulator, "zoe@example.org")
    dry = run_pipeline(config, run_config=options(reconcile=True, dry_run=True))
    assert dry.result.success, dry.failure_message
    check = drift_check(dry)
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "This dry run sent nothing" in check.description
    assert "zoe@example.org" not in listed(emulator)
    after = run_pipeline(config)
    assert not drift_check(after).passed, "the state still holds what Brevo last confirmed: the drift is still there"
    assert after.metadata(NEWSLETTER)["contacts"]["sent"] == 0


def logged(run, level: int = 20) -> list[str]:
    return [r.user_message for r in run.instance.all_logs(run.result.run_id) if r.level >= level and r.user_message]


def test_warnings_speak_only_of_what_this_run_did(emulator, run_pipeline, profiles_frame):
    """Carl's phone ("12") is not valid: the first run sends him without SMS and says so; a later run that
    sends only Ann must not warn about Carl again."""
    first = run_pipeline()
    assert any("1 contacts sent in this run without SMS" in line for line in logged(first, level=30))
    changed = profiles_frame.copy()
    changed.loc[changed["CustomerId"] == "C1", "FirstName"] = "Anna"
    second = run_pipeline(profiles=changed)
    assert second.metadata(NEWSLETTER)["updated"] == 1
    assert not [line for line in logged(second, level=30) if "SMS" in line]


def test_the_log_tells_each_import_and_closes_with_what_the_list_holds(emulator, run_pipeline):
    run = run_pipeline()
    lines = logged(run)
    assert any(line.startswith("import 1 of 1 started (3 contacts, ") for line in lines)
    assert any(line.startswith("import 1 of 1 completed in ") for line in lines)
    assert "newsletter: 3 added, 0 updated, 0 removed; list 12 now holds 3 (0 of them blocklisted)" in lines
