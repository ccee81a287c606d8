"""An export that names its list: resolved over HTTP against the emulator, created with its folder when asked,
never created twice, and refused with the candidates when the name is ambiguous."""

from __future__ import annotations

from typing import Any

import dagster as dg
import httpx
import pytest

from ci_sendinblue_tests.helpers import API_KEY, e2e_config

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
MEMBERS = {"ann@example.com", "zoe@example.org", "carl@example.net"}


def by_name(api_url: str, **wanted: Any) -> dict[str, Any]:
    config = e2e_config(api_url, list=wanted)
    del config["exports"]["newsletter"]["list_id"]
    return config


def brevo(emulator, path: str) -> dict[str, Any]:
    """What Brevo's own API answers (50 at most per page, as Brevo allows)."""
    response = httpx.get(f"{emulator.api_url}{path}", headers={"api-key": API_KEY}, params={"limit": 50})
    response.raise_for_status()
    return response.json()


def lists_named(emulator, name: str) -> list[dict[str, Any]]:
    return [x for x in brevo(emulator, "/contacts/lists")["lists"] if x["name"] == name]


def test_a_list_named_by_name_is_resolved_and_its_id_is_in_the_metadata(emulator, run_pipeline):
    emulator.create_folder(2, "Marketing")
    emulator.create_list(31, "Spring leads", folder_id=2)
    run = run_pipeline(by_name(emulator.api_url, name="Spring leads", folder="Marketing"))
    assert run.result.success, run.failure_message
    assert {m["email"] for m in emulator.members(31)} == MEMBERS
    metadata = run.metadata(NEWSLETTER)
    assert (metadata["list_id"], metadata["list_name"], metadata["list_folder"]) == ("31", "Spring leads", "Marketing")
    assert metadata["list_created"] is False
    assert "Brevo list 31" in metadata["summary"]


def test_a_missing_list_and_its_folder_are_created_once_however_many_runs(emulator, run_pipeline):
    config = by_name(emulator.api_url, name="Spring leads", folder="Campaigns", create_if_missing=True)
    first = run_pipeline(config)
    assert first.result.success, first.failure_message
    [created] = lists_named(emulator, "Spring leads")
    [folder] = [f for f in brevo(emulator, "/contacts/folders")["folders"] if f["name"] == "Campaigns"]
    assert created["folderId"] == folder["id"]
    assert {m["email"] for m in emulator.members(created["id"])} == MEMBERS
    assert first.metadata(NEWSLETTER)["list_created"] is True
    assert first.metadata(NEWSLETTER)["list_id"] == str(created["id"])

    second = run_pipeline(config)
    assert second.result.success, second.failure_message
    assert len(lists_named(emulator, "Spring leads")) == 1
    assert emulator.request_counts()["POST /contacts/lists"] == 1
    assert emulator.request_counts()["POST /contacts/folders"] == 1
    assert second.metadata(NEWSLETTER)["list_created"] is False
    assert second.metadata(NEWSLETTER)["added"] == 0


def test_an_ambiguous_name_fails_listing_the_candidates_and_sends_nothing(emulator, run_pipeline):
    emulator.create_folder(2, "Marketing")
    emulator.create_list(31, "Spring leads", folder_id=1)
    emulator.create_list(32, "Spring leads", folder_id=2)
    run = run_pipeline(by_name(emulator.api_url, name="Spring leads"))
    assert not run.result.success
    message = run.failure_message
    assert "2 Brevo lists are named 'Spring leads'" in message
    assert "id 31 'Spring leads' in folder 'Your first folder'" in message
    assert "id 32 'Spring leads' in folder 'Marketing'" in message
    assert emulator.request_counts().get("POST /contacts/import", 0) == 0


def test_a_missing_list_without_create_if_missing_is_named_with_its_folder(emulator, run_pipeline):
    run = run_pipeline(by_name(emulator.api_url, name="Spring leads", folder="Your first folder"))
    assert not run.result.success
    assert "no Brevo list named 'Spring leads' in folder 'Your first folder'" in run.failure_message
    assert "exports.newsletter.list.create_if_missing" in run.failure_message
    assert lists_named(emulator, "Spring leads") == []


def test_a_dry_run_of_a_list_to_create_creates_nothing_and_reports_every_member(emulator, run_pipeline):
    config = by_name(emulator.api_url, name="Spring leads", folder="Campaigns", create_if_missing=True)
    run = run_pipeline(config, run_config={"ops": {"sendinblue__newsletter": {"config": {"dry_run": True}}}})
    assert run.result.success, run.failure_message
    [observation] = [
        e.event_specific_data.asset_observation
        for e in run.result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert observation.metadata["added"].value == 3
    assert "create the list" in observation.metadata["summary"].value
    assert lists_named(emulator, "Spring leads") == []
    assert emulator.request_counts().get("POST /contacts/folders", 0) == 0


def test_a_state_recorded_for_another_list_is_rebuilt_from_the_list_the_name_resolves_to(emulator, run_pipeline):
    emulator.create_list(31, "Old leads", folder_id=1)
    emulator.create_list(32, "Spring leads", folder_id=1)
    assert run_pipeline(e2e_config(emulator.api_url, list_id=31)).result.success
    run = run_pipeline(by_name(emulator.api_url, name="Spring leads"))
    assert run.result.success, run.failure_message
    assert {m["email"] for m in emulator.members(32)} == MEMBERS
    assert run.metadata(NEWSLETTER)["list_id"] == "32"
    assert run.metadata(NEWSLETTER)["added"] == 3, "the state of list 31 says nothing of list 32"
