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
    assert (metadata["added"], metadata["updated"], metadata["sent"]) == (0, 0, 0)
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
    assert metadata["nothing_changed"] is True
    assert (metadata["sent"], metadata["unchanged"]) == (0, before["members"])
    for count in ("invalid_phones", "shared_phones", "list_members_after"):
        assert metadata[count] == before[count], count


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
    assert metadata["nothing_changed"] is False
    assert (metadata["added"], metadata["updated"]) == (1, 0)
    assert run_pipeline(profiles=sample).metadata(NEWSLETTER)["nothing_changed"] is True


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
    assert run.metadata(NEWSLETTER)["left_but_kept"] == 1
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
    assert len(listed(emulator)) == run.metadata(NEWSLETTER)["members"]


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
    assert metadata["would_add"] == 3
    assert all("***@" in masked for masked in metadata["add_sample"])
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
    assert run.metadata(NEWSLETTER)["sent"] == 3


def test_reconcile_puts_back_a_member_removed_by_hand(emulator, run_pipeline):
    run_pipeline()
    httpx.post(
        f"{emulator.api_url}/contacts/lists/12/contacts/remove",
        headers={"api-key": API_KEY},
        json={"emails": ["zoe@example.org"]},
    ).raise_for_status()
    assert run_pipeline().metadata(NEWSLETTER)["sent"] == 0, "the state alone cannot see the drift"
    run = run_pipeline(run_config=options(reconcile=True))
    assert run.result.success, run.failure_message
    assert "zoe@example.org" in listed(emulator)
    assert run.metadata(NEWSLETTER)["added"] == 1


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
        assert second.metadata(NEWSLETTER)["sent"] == 0
        with engine.connect() as connection:
            stored = connection.execute(sa.text(f'SELECT count(*) FROM "{schema}".ci_sendinblue_sync_state'))
            assert stored.scalar_one() == 3
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_a_dry_run_reconcile_leaves_the_state_alone(emulator, run_pipeline):
    run_pipeline()
    httpx.post(
        f"{emulator.api_url}/contacts/lists/12/contacts/remove",
        headers={"api-key": API_KEY},
        json={"emails": ["zoe@example.org"]},
    ).raise_for_status()
    dry = run_pipeline(run_config=options(reconcile=True, dry_run=True))
    assert dry.result.success, dry.failure_message
    assert "zoe@example.org" not in listed(emulator)
    assert run_pipeline().metadata(NEWSLETTER)["sent"] == 0, "the state still holds what Brevo last confirmed"
