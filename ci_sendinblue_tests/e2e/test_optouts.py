"""Opt-outs over HTTP against the emulator process: a contact blocklisted in Brevo stays so whatever a run
does, every run says how many list members are blocklisted, the opt-outs flow back into their own asset read
incrementally, and a segment can leave them out."""

from __future__ import annotations

import copy
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import httpx
import pytest

import ci_sendinblue.sendinblue.optouts as optouts_module
from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import API_KEY, SAFE_ROUTES, e2e_config

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
OPTOUTS = dg.AssetKey(["sendinblue", "brevo_optouts"])
ANN, CARL, ZOE = "ann@example.com", "carl@example.net", "zoe@example.org"


def options(**values: bool) -> dict:
    return {"ops": {"sendinblue__newsletter": {"config": values}}}


def contact(emulator, email: str) -> dict:
    """The contact as Brevo holds it (the inspection API: not a request of the project's)."""
    [found] = [c for c in emulator.contacts() if c["email"] == email]
    return found


def blocklisted(emulator, email: str) -> tuple[bool, bool]:
    found = contact(emulator, email)
    return found["emailBlacklisted"], found["smsBlacklisted"]


def opt_out_everywhere(emulator, email: str) -> None:
    """The person unsubscribes from e-mail and answers STOP to an SMS, in Brevo."""
    emulator.blocklist([email], "email")
    emulator.blocklist([email], "sms")


def assert_only_safe_routes(emulator) -> None:
    used = set(emulator.request_counts())
    assert used <= SAFE_ROUTES, f"routes that could lift an opt-out: {sorted(used - SAFE_ROUTES)}"


def logged(run) -> list[str]:
    return [r.user_message for r in run.instance.all_logs(run.result.run_id) if r.user_message]


def renamed(profiles_frame, first_name: str):
    changed = profiles_frame.copy()
    changed.loc[changed["CustomerId"] == "C1", "FirstName"] = first_name
    return changed


# -- opt-outs are never undone -----------------------------------------------------------------------------


def test_a_blocklisted_contact_stays_blocklisted_after_a_normal_run_a_full_refresh_and_a_reconcile(
    emulator, run_pipeline, profiles_frame
):
    assert run_pipeline().result.success
    opt_out_everywhere(emulator, ANN)

    normal = run_pipeline(profiles=renamed(profiles_frame, "Annabel"))
    assert normal.result.success, normal.failure_message
    assert normal.metadata(NEWSLETTER)["updated"] == 1
    assert contact(emulator, ANN)["attributes"]["FIRSTNAME"] == "Annabel", "the run did change the contact"
    assert blocklisted(emulator, ANN) == (True, True)

    refresh = run_pipeline(profiles=renamed(profiles_frame, "Annabel"), run_config=options(full_refresh=True))
    assert refresh.result.success, refresh.failure_message
    assert refresh.metadata(NEWSLETTER)["contacts"]["sent"] == 3
    assert blocklisted(emulator, ANN) == (True, True)

    reconcile = run_pipeline(profiles=renamed(profiles_frame, "Anna"), run_config=options(reconcile=True))
    assert reconcile.result.success, reconcile.failure_message
    assert blocklisted(emulator, ANN) == (True, True)
    assert_only_safe_routes(emulator)


def test_a_mirror_run_only_unlinks_a_blocklisted_leaver(emulator, run_pipeline, profiles_frame):
    config = e2e_config(emulator.api_url, mode="mirror", max_removal_share=0.5)
    assert run_pipeline(config).result.success
    opt_out_everywhere(emulator, ANN)
    left = profiles_frame[~profiles_frame["Email"].str.strip().str.lower().eq(ANN)]

    run = run_pipeline(config, profiles=left)

    assert run.result.success, run.failure_message
    assert run.metadata(NEWSLETTER)["removed"] == 1
    assert 12 not in contact(emulator, ANN)["listIds"], "unlinked from the list"
    assert blocklisted(emulator, ANN) == (True, True), "the contact and its opt-out stay in Brevo"
    assert_only_safe_routes(emulator)


def test_each_run_reports_how_many_list_members_are_blocklisted(emulator, run_pipeline):
    assert run_pipeline().result.success
    emulator.blocklist([ANN, ZOE], "email")

    run = run_pipeline()

    metadata = run.metadata(NEWSLETTER)
    assert metadata["contacts"]["blocklisted_members"] == 2
    assert "| Blocklisted members (Brevo does not e-mail them; no run lifts it) | 2 |" in metadata["summary"]
    assert "list 12 now holds 3 (2 of them blocklisted)" in "\n".join(logged(run))


# -- opt-outs flow back ------------------------------------------------------------------------------------


def test_the_opt_outs_asset_holds_the_accounts_blocklisted_contacts_and_then_reads_only_what_changed(
    emulator, run_pipeline, monkeypatch
):
    monkeypatch.setattr(optouts_module, "CURSOR_OVERLAP", timedelta(0))  # the second read: only what changed
    emulator.blocklist(["Ann@Example.com", ZOE], "email")
    time.sleep(0.01)
    emulator.blocklist(["bob@example.com"], "email")
    first = run_pipeline(selection=[OPTOUTS])
    assert first.result.success, first.failure_message
    metadata = first.metadata(OPTOUTS)
    assert (metadata["dagster/row_count"], metadata["new_optouts"], metadata["contacts_read"]) == (3, 3, 3)
    assert all("***@" in line for line in metadata["sample"]), "masked"

    emulator.blocklist([CARL], "sms")
    second = run_pipeline(selection=[OPTOUTS])

    metadata = second.metadata(OPTOUTS)
    # Carl, and at most Bob again: Brevo's modifiedAt has milliseconds, so the contact at the cursor's
    # millisecond is read again (harmlessly). Ann and Zoe, modified before, are not read.
    assert metadata["new_optouts"] == 1 and 1 <= metadata["contacts_read"] <= 2
    frame = second.result.asset_value(OPTOUTS)
    assert frame["email"].tolist() == ["ann@example.com", "bob@example.com", CARL, ZOE]
    carl = frame.set_index("email").loc[CARL]
    assert (bool(carl["email_blacklisted"]), bool(carl["sms_blacklisted"])) == (False, True)
    modified = datetime.fromisoformat(contact(emulator, CARL)["modifiedAt"]).astimezone(UTC)
    assert carl["since"].to_pydatetime() == modified
    assert metadata["cursor"] == modified.isoformat()
    assert set(emulator.request_counts()) == {"GET /contacts"}


def test_a_contact_no_longer_blocklisted_leaves_the_set_and_a_deleted_one_needs_a_full_re_read(emulator, run_pipeline):
    emulator.blocklist([ANN, "bob@example.com"], "email")
    assert run_pipeline(selection=[OPTOUTS]).result.success
    account_owner = httpx.Client(base_url=emulator.api_url + "/", headers={"api-key": API_KEY})
    account_owner.put(f"contacts/{ANN}", json={"emailBlacklisted": False}).raise_for_status()
    account_owner.delete("contacts/bob@example.com").raise_for_status()
    account_owner.close()

    incremental = run_pipeline(selection=[OPTOUTS])
    assert incremental.metadata(OPTOUTS)["no_longer_blocklisted"] == 1
    assert incremental.result.asset_value(OPTOUTS)["email"].tolist() == ["bob@example.com"], (
        "Brevo lists no deleted contact"
    )

    full = run_pipeline(
        selection=[OPTOUTS], run_config={"ops": {"sendinblue__brevo_optouts": {"config": {"full_reread": True}}}}
    )
    assert full.result.success, full.failure_message
    assert (full.metadata(OPTOUTS)["dagster/row_count"], len(full.result.asset_value(OPTOUTS))) == (0, 0)


def test_a_segment_that_excludes_opt_outs_leaves_them_out_of_the_export_job(
    emulator, write_project, monkeypatch, tmp_path
):
    config = copy.deepcopy(e2e_config(emulator.api_url))
    for segment in config["segments"].values():
        segment["exclude_optouts"] = ["brevo"]
    emulator.blocklist([ANN], "email")
    emulator.blocklist([ZOE], "sms")
    monkeypatch.setenv("SENDINBLUE_API_KEY", API_KEY)
    defs = build_definitions(load_settings(write_project(config)))
    home = tmp_path / "dagster_home"
    home.mkdir()
    instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})

    result = defs.resolve_job_def("newsletter_export_job").execute_in_process(instance=instance, raise_on_error=False)

    assert result.success
    assert {m["email"] for m in emulator.members(12)} == {CARL, ZOE}, "an SMS opt-out still takes e-mail"
    [segment] = result.asset_materializations_for_node("segments__seattle_high_value")
    assert segment.metadata["excluded_optouts"].value == 2, "C1 and C4 share Ann's address"
    materialized = {e.event_specific_data.materialization.asset_key for e in result.get_asset_materialization_events()}
    assert OPTOUTS in materialized, "the job reads the opt-outs before the segments that exclude them"
