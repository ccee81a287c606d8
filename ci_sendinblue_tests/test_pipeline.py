"""The whole graph, materialized through Dagster against the emulator's Brevo model, run in process."""

from __future__ import annotations

import copy
import logging

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.config.loading import ProfilesNotCheckedWarning, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.sendinblue.resources import SyncStateResource
from ci_sendinblue_tests.helpers import InProcessBrevo, base_config, in_process_brevo


def resources(config_path, brevo: InProcessBrevo, **resource_overrides) -> dict:
    """The project's resources with the connection's HTTP sent to ``brevo``, its mappings as configured."""
    defs = build_definitions(load_settings(config_path))
    configured = defs.resources["sendinblue_brevo"]
    overrides = {"field_mappings": configured.field_mappings, **resource_overrides}
    return {**defs.resources, "sendinblue_brevo": brevo.resource(**overrides), "sync_state": SyncStateResource()}


def materialize(config_path, brevo: InProcessBrevo, **resource_overrides) -> dg.ExecuteInProcessResult:
    defs = build_definitions(load_settings(config_path))
    return dg.materialize(
        list(defs.assets or []),
        resources=resources(config_path, brevo, **resource_overrides),
        raise_on_error=False,
    )


def test_the_list_receives_each_segment_member_once_with_mapped_attributes(write_project):
    brevo = in_process_brevo()
    result = materialize(write_project(), brevo)
    assert result.success
    # C1 and C4 share ann@example.com: C1 comes first in the profiles, so its attributes win. C2's email has
    # no top-level domain, so C2 is rejected. C5's phone "12" is dropped, C5 is still sent.
    assert brevo.members(12) == {
        "ann@example.com": {"FIRSTNAME": "Ann", "LASTNAME": "Lee", "SMS": "+12065550142"},
        "carl@example.net": {"FIRSTNAME": "Carl", "LASTNAME": 'Say "hi"\nthere'},
        "zoe@example.org": {"FIRSTNAME": "Zoë", "LASTNAME": "Müller", "SMS": "+49301234567"},
    }
    assert sorted(contact["email"] for contact in brevo.imported) == sorted(brevo.members(12))


@pytest.mark.parametrize("engine", ["pandas", "ibis"])
def test_the_list_asset_sends_the_mapping_its_connection_resource_holds(write_project, engine):
    """A mapping changed on the resource for one run (the launchpad) is sent, on either evaluation path: where
    the profiles are queried, the segment fetches the columns the resource maps, not only the configured ones."""
    brevo = in_process_brevo()
    config = base_config()
    config["profiles"]["engine"] = engine
    path = write_project(config)
    mapping = {"email": "Email", "FIRSTNAME": "City", "LASTNAME": "LastName"}
    result = materialize(path, brevo, field_mappings={"newsletter": mapping})
    assert result.success
    assert brevo.members(12)["ann@example.com"] == {"FIRSTNAME": "Seattle", "LASTNAME": "Lee"}


def test_a_column_the_resource_maps_that_the_source_lacks_fails_the_segment_naming_the_mapping(write_project):
    brevo = in_process_brevo()
    config = base_config()
    config["profiles"]["engine"] = "ibis"
    mapping = {"email": "Email", "FIRSTNAME": "GivenName"}
    result = materialize(write_project(config), brevo, field_mappings={"newsletter": mapping})
    assert not result.success
    messages = [e.step_failure_data.error.message for e in result.get_step_failure_events()]
    assert any(
        "sendinblue_brevo field_mappings.newsletter.FIRSTNAME: column 'GivenName' is not in CSV file" in m
        for m in messages
    ), messages
    assert brevo.export_requests == []


def test_a_connection_resource_without_the_exports_mapping_fails_the_export_naming_it(write_project):
    brevo = in_process_brevo()
    result = materialize(write_project(), brevo, field_mappings={})
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert "no usable field mapping for 'newsletter'" in failure.step_failure_data.error.message
    assert brevo.export_requests == []


def test_the_materialization_reports_what_was_sent_and_set_aside(write_project):
    brevo = in_process_brevo()
    result = materialize(write_project(), brevo)
    [materialization] = [
        m
        for m in result.asset_materializations_for_node("sendinblue__newsletter")
        if m.asset_key == dg.AssetKey(["sendinblue", "newsletter"])
    ]
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert next(iter(metadata)) == "summary", "the Markdown summary comes first on the asset page"
    assert metadata["added"] == 3
    assert metadata["dagster/row_count"] == 3
    assert metadata["brevo_members"] == 3
    assert metadata["contacts"]["sent"] == 3
    assert metadata["contacts"]["merged_by_email"] == 1
    assert metadata["contacts"]["invalid_phones"] == 1
    assert metadata["import_process_ids"] == [1]
    assert "3 added, 0 updated, 0 removed" in metadata["summary"]
    assert "the list now holds 3 contacts" in metadata["summary"]


def test_segment_metadata_counts_and_masks_rejected_rows(write_project):
    result = materialize(write_project(), in_process_brevo())
    [segment] = result.asset_materializations_for_node("segments__seattle_high_value")
    metadata = {k: v.value for k, v in segment.metadata.items()}
    assert metadata["matched"] == 4
    assert metadata["rejected"] == 1
    assert metadata["rejected_sample"] == ["row 2: b***@example (not a valid email address)"]


def test_a_segment_over_its_rejected_threshold_blocks_the_export(write_project):
    config = copy.deepcopy(base_config())
    config["segments"]["seattle_high_value"]["max_rejected_share"] = 0.1
    brevo = in_process_brevo()
    result = materialize(write_project(config), brevo)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations() if e.asset_key.path[0] == "segments"}
    assert checks["rejected_share_within_threshold"].passed is False
    assert list(brevo.imported) == []


def test_a_segment_under_its_rejected_threshold_passes_with_the_reasons(write_project):
    """A few unusable addresses are normal: the check passes (no red on the first run) and says why rows left."""
    result = materialize(write_project(), in_process_brevo())
    [check] = [
        e
        for e in result.get_asset_check_evaluations()
        if e.asset_key == dg.AssetKey(["segments", "seattle_high_value"])
    ]
    assert check.passed
    assert check.metadata["refused_by_reason"].value == {"not a valid email address": 1}
    assert "within the 50.00% allowed (segments.seattle_high_value.max_rejected_share)" in check.description


def test_an_export_without_accepted_privacy_terms_sends_nothing(write_project):
    brevo = in_process_brevo()
    result = materialize(write_project(), brevo, accept_data_privacy_terms=False)
    assert not result.success
    assert brevo.export_requests == []
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "accept_data_privacy_terms: true" in failure.step_failure_data.error.message


def test_a_missing_list_fails_clearly_before_any_contact_is_sent(write_project):
    brevo = in_process_brevo(lists={})
    result = materialize(write_project(), brevo)
    assert not result.success
    assert list(brevo.imported) == []
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "Brevo list 12 does not exist" in failure.step_failure_data.error.message


def test_a_mapped_attribute_the_account_lacks_fails_before_sending(write_project):
    brevo = in_process_brevo(attributes=("PRENOM", "NOM", "SMS"))
    result = materialize(write_project(), brevo)
    assert not result.success
    assert list(brevo.imported) == []
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "FIRSTNAME, LASTNAME" in failure.step_failure_data.error.message


def test_the_profile_limit_is_enforced_before_sending(write_project):
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"]["max_profiles"] = 2
    brevo = in_process_brevo()
    result = materialize(write_project(config), brevo)
    assert not result.success
    assert list(brevo.imported) == []
    [cap] = [c for c in result.get_asset_check_evaluations() if c.check_name == "members_within_cap"]
    assert not cap.passed
    assert cap.description.startswith("3 contacts of the 2 the export allows (exports.newsletter.max_profiles)")


def test_a_failed_import_process_fails_the_export(write_project):
    brevo = in_process_brevo(faults=[{"match": "POST /contacts/import", "kind": "process_failed", "times": None}])
    result = materialize(write_project(), brevo)
    assert not result.success
    assert brevo.members(12) == {}


def test_profiles_with_missing_or_shared_keys_are_left_out_and_reported(write_project, profiles_frame):
    frame = pd.concat([profiles_frame, profiles_frame.iloc[[0]]], ignore_index=True)
    frame.loc[1, "CustomerId"] = None
    result = materialize(write_project(profiles=frame), in_process_brevo())
    [profiles] = result.asset_materializations_for_node("customer_profiles")
    metadata = {k: v.value for k, v in profiles.metadata.items()}
    assert (metadata["missing_key"], metadata["duplicate_key"], metadata["dagster/row_count"]) == (1, 2, 3)
    assert metadata["missing_key_rows"] == "2"
    assert metadata["duplicate_keys"] == ["C1"]


def test_a_disabled_export_has_no_asset(write_project):
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"]["enabled"] = False
    defs = build_definitions(load_settings(write_project(config)))
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert "sendinblue/newsletter" not in keys


@pytest.mark.parametrize("extension", ["parquet"])
def test_parquet_profiles_give_the_same_list(write_project, profiles_frame, tmp_path, extension):
    profiles_frame.to_parquet(tmp_path / f"profiles.{extension}")
    config = copy.deepcopy(base_config(f"profiles.{extension}"))
    brevo = in_process_brevo()
    assert materialize(write_project(config), brevo).success
    assert set(brevo.members(12)) == {
        "ann@example.com",
        "carl@example.net",
        "zoe@example.org",
    }


def test_samples_are_shown_in_clear_only_when_the_setting_asks(write_project):
    config = copy.deepcopy(base_config())
    config["mask_personal_data"] = False
    result = materialize(write_project(config), in_process_brevo())
    [segment] = result.asset_materializations_for_node("segments__seattle_high_value")
    assert segment.metadata["rejected_sample"].value == ["row 2: bob@example (not a valid email address)"]


def test_a_contact_brevo_counts_as_invalid_is_isolated_and_not_recorded(write_project, profiles_frame):
    # Passes the project's email rule, but Brevo (the emulator's email-validator) refuses the IDNA label.
    frame = profiles_frame.copy()
    frame.loc[2, "Email"] = "zoe@xn--zz.org"
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"]["max_refused_share"] = 0.5
    path = write_project(config, profiles=frame)
    brevo = in_process_brevo()
    defs = build_definitions(load_settings(path))
    instance = dg.DagsterInstance.ephemeral()
    first = dg.materialize(list(defs.assets or []), resources=resources(path, brevo), instance=instance)
    [event] = [m for m in first.asset_materializations_for_node("sendinblue__newsletter")]
    assert event.metadata["rejected"].value == 1
    assert event.metadata["rejected_sample"].value == ["member 3: z***@xn--zz.org (invalid email)"]
    assert event.metadata["rejected_by_reason"].value == {"invalid email": 1}
    [check] = [c for c in first.get_asset_check_evaluations() if c.check_name == "refused_share_within_threshold"]
    assert check.passed and check.metadata["refused"].value == 1
    assert set(brevo.members(12)) == {"ann@example.com", "carl@example.net"}
    imports_before = len(list(brevo.imported))
    dg.materialize(list(defs.assets or []), resources=resources(path, brevo), instance=instance)
    resent = [contact["email"] for contact in list(brevo.imported)[imports_before:]]
    assert resent == ["zoe@xn--zz.org"], "only the refused contact is tried again"


def test_brevo_refusing_more_than_the_allowed_share_fails_the_run_and_keeps_what_landed(write_project, profiles_frame):
    frame = profiles_frame.copy()
    frame.loc[2, "Email"] = "zoe@xn--zz.org"
    path = write_project(profiles=frame)  # the default max_refused_share, 5 %: 1 of 3 is over it
    brevo = in_process_brevo()
    defs = build_definitions(load_settings(path))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        list(defs.assets or []), resources=resources(path, brevo), instance=instance, raise_on_error=False
    )
    assert not result.success
    [check] = [c for c in result.get_asset_check_evaluations() if c.check_name == "refused_share_within_threshold"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "exports.newsletter.max_refused_share" in check.description
    assert set(brevo.members(12)) == {"ann@example.com", "carl@example.net"}, "what Brevo took stays recorded"
    assert len(SyncStateResource().store(instance).load("newsletter")) == 2


def test_two_exports_on_one_connection_each_log_their_own_retries(write_project):
    config = copy.deepcopy(base_config())
    config["exports"]["promo"] = {**config["exports"]["newsletter"], "list_id": 13, "schedule": None}
    path = write_project(config)
    brevo = in_process_brevo(
        lists={12: "Newsletter", 13: "Promo"},
        faults=[
            {"match": "POST /contacts/import", "kind": "status", "status": 500, "body_contains": '"listIds":[12]'},
            {"match": "POST /contacts/import", "kind": "status", "status": 503, "body_contains": '"listIds":[13]'},
        ],
    )
    defs = build_definitions(load_settings(path))
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(list(defs.assets or []), resources=resources(path, brevo), instance=instance)
    assert result.success
    warnings = {
        step: [e.user_message for e in instance.all_logs(result.run_id) if e.step_key == step and e.level >= 30]
        for step in ("sendinblue__newsletter", "sendinblue__promo")
    }
    assert any("answered 500" in line for line in warnings["sendinblue__newsletter"])
    assert not any("answered 503" in line for line in warnings["sendinblue__newsletter"])
    assert any("answered 503" in line for line in warnings["sendinblue__promo"])
    assert not any("answered 500" in line for line in warnings["sendinblue__promo"])
    assert (
        set(brevo.members(12)) == set(brevo.members(13)) == {"ann@example.com", "carl@example.net", "zoe@example.org"}
    )


def test_the_clients_of_one_connection_share_one_rate_limiter_and_other_accounts_do_not():
    brevo = in_process_brevo()
    same_connection = brevo.resource(contacts_requests_per_second=10, other_requests_per_hour=100)
    again = brevo.resource(contacts_requests_per_second=10, other_requests_per_hour=100)
    other_account = brevo.resource(api_key="another-key", contacts_requests_per_second=10, other_requests_per_hour=100)
    log = logging.getLogger(__name__)
    with (
        same_connection.list_writer(12, log=log) as first,
        again.list_writer(12, log=log) as second,
        other_account.list_writer(12, log=log) as third,
    ):
        assert first.client.limiter is second.client.limiter
        assert first.client.limiter is not third.client.limiter
        assert first.client is not second.client


def test_without_the_profiles_file_the_code_location_loads_and_the_run_fails_naming_the_path(write_project):
    path = write_project()
    profiles = path.parent / "profiles.csv"
    profiles.unlink()
    with pytest.warns(ProfilesNotCheckedWarning):
        defs = build_definitions(load_settings(path))
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_schedule_def("newsletter_schedule")
    assert defs.resolve_sensor_def("profiles_file_changed_sensor")
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["sendinblue", "newsletter"]) in graph.get_all_asset_keys()
    assert "does not exist" in graph.get(dg.AssetKey("customer_profiles")).description

    brevo = in_process_brevo()
    with pytest.warns(ProfilesNotCheckedWarning):
        run_resources = resources(path, brevo)
    result = dg.materialize(list(defs.assets or []), resources=run_resources, raise_on_error=False)
    assert not result.success
    [failure] = result.get_step_failure_events()
    assert failure.step_key == "customer_profiles"
    message = failure.step_failure_data.error.message
    assert "profiles.path" in message and f"{profiles} does not exist" in message
    assert brevo.export_requests == []
