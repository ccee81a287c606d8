"""Double opt-in over HTTP against the emulator: new contacts are asked to confirm instead of imported, stay
pending until they click (confirmed through the emulator's inspection API), and are then updated by import,
never mailed twice."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue_tests.helpers import SAFE_ROUTES, e2e_config

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
MEMBERS = {"ann@example.com", "zoe@example.org", "carl@example.net"}
DOI = {"template_id": 7, "redirection_url": "https://example.com/thanks"}
DOI_ROUTE = "POST /contacts/doubleOptinConfirmation"


def with_doi(api_url: str, **changes: Any) -> dict[str, Any]:
    return e2e_config(api_url, double_opt_in=DOI, **changes)


def listed(emulator) -> set[str]:
    return {m["email"] for m in emulator.members(12)}


def drift_check(run):
    [check] = [c for c in run.result.get_asset_check_evaluations() if c.check_name == "list_matches_sync_state"]
    return check


def test_new_contacts_are_asked_to_confirm_and_are_not_in_the_list_yet(emulator, run_pipeline, profiles_frame):
    run = run_pipeline(with_doi(emulator.api_url))
    assert run.result.success, run.failure_message
    requests = {r["email"]: r for r in emulator.doi_requests()}
    assert set(requests) == MEMBERS
    ann = requests["ann@example.com"]
    assert (ann["templateId"], ann["includeListIds"], ann["redirectionUrl"]) == (7, [12], DOI["redirection_url"])
    assert ann["attributes"]["FIRSTNAME"] == "Ann"
    assert listed(emulator) == set()
    assert emulator.request_counts().get("POST /contacts/import", 0) == 0
    metadata = run.metadata(NEWSLETTER)
    assert (metadata["doi_requested"], metadata["doi_pending"], metadata["doi_confirmed"]) == (3, 3, 0)
    assert metadata["added"] == 0
    assert drift_check(run).passed


def test_a_pending_contact_is_not_mailed_again(emulator, run_pipeline):
    config = with_doi(emulator.api_url)
    run_pipeline(config)
    again = run_pipeline(config)
    assert again.result.success, again.failure_message
    assert emulator.request_counts()[DOI_ROUTE] == 3
    metadata = again.metadata(NEWSLETTER)
    assert (metadata["doi_requested"], metadata["doi_pending"], metadata["doi_confirmed"]) == (0, 3, 0)


def test_confirmed_contacts_move_to_the_state_and_are_then_updated_by_import(emulator, run_pipeline, profiles_frame):
    config = with_doi(emulator.api_url, mode="mirror")
    run_pipeline(config)
    assert emulator.confirm_doi(["ann@example.com", "zoe@example.org"]) == ["ann@example.com", "zoe@example.org"]
    assert listed(emulator) == {"ann@example.com", "zoe@example.org"}

    second = run_pipeline(config)
    assert second.result.success, second.failure_message
    assert drift_check(second).passed, "contacts who confirmed since the last run are not drift"
    metadata = second.metadata(NEWSLETTER)
    assert (metadata["doi_requested"], metadata["doi_pending"], metadata["doi_confirmed"]) == (0, 1, 2)
    assert metadata["added"] == 2
    assert metadata["contacts"]["state_members"] == 2
    assert emulator.request_counts()["POST /contacts/import"] == 1
    assert emulator.request_counts()[DOI_ROUTE] == 3, "nobody is mailed twice"

    renamed = profiles_frame.copy()
    renamed.loc[renamed["Email"].str.strip().str.lower() == "ann@example.com", "FirstName"] = "Anne"
    third = run_pipeline(config, profiles=renamed)
    assert third.result.success, third.failure_message
    assert (third.metadata(NEWSLETTER)["updated"], third.metadata(NEWSLETTER)["doi_requested"]) == (1, 0)
    [ann] = [m for m in emulator.members(12) if m["email"] == "ann@example.com"]
    assert ann["attributes"]["FIRSTNAME"] == "Anne"
    assert emulator.request_counts()[DOI_ROUTE] == 3


def test_a_contact_already_in_the_list_is_imported_not_asked(emulator, run_pipeline):
    run_pipeline(e2e_config(emulator.api_url))
    assert listed(emulator) == MEMBERS
    run = run_pipeline(
        with_doi(emulator.api_url), run_config={"ops": {"sendinblue__newsletter": {"config": {"full_refresh": True}}}}
    )
    assert run.result.success, run.failure_message
    assert emulator.request_counts().get(DOI_ROUTE, 0) == 0
    assert run.metadata(NEWSLETTER)["contacts"]["sent"] == 3


def test_a_dry_run_reports_whom_it_would_ask_and_mails_nobody(emulator, run_pipeline):
    run = run_pipeline(
        with_doi(emulator.api_url), run_config={"ops": {"sendinblue__newsletter": {"config": {"dry_run": True}}}}
    )
    assert run.result.success, run.failure_message
    [observation] = [
        e.event_specific_data.asset_observation
        for e in run.result.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert observation.metadata["doi_would_request"].value == 3
    assert observation.metadata["added"].value == 0
    assert all("***@" in masked for masked in observation.metadata["doi_request_sample"].value)
    assert emulator.request_counts().get(DOI_ROUTE, 0) == 0
    assert emulator.doi_requests() == []


def test_a_few_new_and_pending_contacts_are_looked_up_one_by_one(emulator, run_pipeline, profiles_frame):
    run_pipeline(e2e_config(emulator.api_url))
    lead = ["C6", "Dee", "Lead", "dee@example.com", "", "Seattle", "US", "1800", "Gold", "true"]
    grown = pd.concat([profiles_frame, pd.DataFrame([lead], columns=profiles_frame.columns)], ignore_index=True)
    config = with_doi(emulator.api_url)

    asked = run_pipeline(config, profiles=grown)
    assert asked.result.success, asked.failure_message
    assert [r["email"] for r in emulator.doi_requests()] == ["dee@example.com"]
    assert emulator.request_counts().get("GET /contacts/lists/{listId}/contacts", 0) == 0
    assert emulator.request_counts()["GET /contacts/{identifier}"] == 1

    emulator.confirm_doi(["dee@example.com"])
    confirmed = run_pipeline(config, profiles=grown)
    assert confirmed.result.success, confirmed.failure_message
    assert (confirmed.metadata(NEWSLETTER)["doi_confirmed"], confirmed.metadata(NEWSLETTER)["doi_pending"]) == (1, 0)
    assert emulator.request_counts()["GET /contacts/{identifier}"] == 2
    assert listed(emulator) == MEMBERS | {"dee@example.com"}


def test_a_new_contact_opted_out_in_brevo_is_never_mailed_a_confirmation_request(emulator, run_pipeline):
    emulator.blocklist(["zoe@example.org"])
    run = run_pipeline(with_doi(emulator.api_url))
    assert run.result.success, run.failure_message
    assert {r["email"] for r in emulator.doi_requests()} == MEMBERS - {"zoe@example.org"}
    metadata = run.metadata(NEWSLETTER)
    assert (metadata["doi_requested"], metadata["doi_skipped_opted_out"]) == (2, 1)
    [zoe] = [c for c in emulator.contacts() if c["email"] == "zoe@example.org"]
    assert zoe["emailBlacklisted"] and zoe["listIds"] == []
    used = {route for route, count in emulator.request_counts().items() if count}
    assert used <= SAFE_ROUTES, sorted(used - SAFE_ROUTES)
