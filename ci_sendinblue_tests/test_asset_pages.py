"""What each asset's page in the Dagster UI tells a user: typed column schemas, column lineage from the profile
columns to the Brevo attributes they feed, row counts, a summary first, and descriptions in Markdown."""

from __future__ import annotations

import copy

import dagster as dg

from ci_sendinblue.config.loading import BUNDLED_CONFIG, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.sendinblue.resources import SendinblueResource, SyncStateResource
from ci_sendinblue_tests.helpers import base_config, in_process_brevo

PROFILES = dg.AssetKey("customer_profiles")
SEGMENT = dg.AssetKey(["segments", "seattle_high_value"])
LIST = dg.AssetKey(["sendinblue", "newsletter"])


def materialized(config_path) -> dict[dg.AssetKey, dict]:
    brevo = in_process_brevo()
    defs = build_definitions(load_settings(config_path))
    result = dg.materialize(
        list(defs.assets or []),
        resources={
            **defs.resources,
            "sendinblue_brevo": brevo.resource(field_mappings=defs.resources["sendinblue_brevo"].field_mappings),
            "sync_state": SyncStateResource(),
        },
        raise_on_error=False,
    )
    assert result.success
    return {
        e.event_specific_data.materialization.asset_key: e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def columns(metadata: dict) -> dict[str, dg.TableColumn]:
    return {c.name: c for c in metadata["dagster/column_schema"].value.columns}


def test_every_asset_reports_its_row_count(write_project):
    pages = materialized(write_project())
    assert {key: pages[key]["dagster/row_count"].value for key in (PROFILES, SEGMENT, LIST)} == {
        PROFILES: 5,
        SEGMENT: 3,
        LIST: 3,
    }


def test_profiles_read_from_csv_are_text_and_the_key_is_marked_unique(write_project):
    profile = columns(materialized(write_project())[PROFILES])
    assert {c.type for c in profile.values()} == {"string"}, "a CSV is read as text, not 'object'"
    assert profile["CustomerId"].constraints.unique and not profile["CustomerId"].constraints.nullable


def test_profiles_from_parquet_keep_the_types_the_file_declares(write_project, profiles_frame, tmp_path):
    frame = profiles_frame.assign(LifetimeValue=profiles_frame["LifetimeValue"].astype(float))
    frame.to_parquet(tmp_path / "profiles.parquet", index=False)
    config = copy.deepcopy(base_config("profiles.parquet"))
    profile = columns(materialized(write_project(config))[PROFILES])
    assert profile["LifetimeValue"].type == "float64"
    assert profile["City"].type == "string"


def test_a_segment_shows_its_contract_in_words_and_where_each_column_comes_from(write_project):
    page = materialized(write_project())[SEGMENT]
    segment = columns(page)
    email = segment["Email"]
    assert not email.constraints.nullable
    assert any("valid address by the project's email rule" in c for c in email.constraints.other)
    assert "at most 254 characters" in email.constraints.other
    assert segment["CustomerId"].constraints.unique
    assert segment["City"].type == "string", "the other profile columns pass through, typed"
    lineage = page["dagster/column_lineage"].value.deps_by_column
    assert lineage["Email"] == [dg.TableColumnDep(asset_key=PROFILES, column_name="Email")]


def test_the_list_shows_the_brevo_attributes_sent_with_their_types_and_where_they_come_from(write_project):
    page = materialized(write_project())[LIST]
    attributes = columns(page)
    assert list(attributes) == ["email", "FIRSTNAME", "LASTNAME", "SMS"]
    assert attributes["FIRSTNAME"].type == "text", "the type the Brevo account declares"
    assert "FirstName" in attributes["FIRSTNAME"].description
    lineage = page["dagster/column_lineage"].value.deps_by_column
    assert {(dep.asset_key.path[-1], dep.column_name) for dep in lineage["FIRSTNAME"]} == {
        ("seattle_high_value", "FirstName"),
        ("platinum", "FirstName"),
    }
    assert lineage["email"][0].column_name == "Email"


def test_the_list_summary_comes_first_and_few_numbers_are_plotted(write_project):
    page = materialized(write_project())[LIST]
    assert next(iter(page)) == "summary"
    assert isinstance(page["summary"], dg.MarkdownMetadataValue)
    plotted = {k for k, v in page.items() if isinstance(v, dg.IntMetadataValue | dg.FloatMetadataValue)}
    assert plotted == {
        "dagster/row_count",
        "added",
        "updated",
        "removed",
        "unchanged",
        "rejected",
        "brevo_members",
        "import_requests",
        "duration_seconds",
    }


def test_the_list_asset_declares_its_checks_and_freshness():
    defs = build_definitions(load_settings(BUNDLED_CONFIG))
    graph = defs.resolve_asset_graph()
    checks = {key.name for key in graph.get_check_keys_for_assets({LIST})}
    assert checks == {
        "list_matches_sync_state",
        "refused_share_within_threshold",
        "unconvertible_values_within_threshold",
        "members_within_cap",
    }
    for key in graph.asset_check_keys:
        assert graph.get_check_spec(key).description, f"{key.name} says what it guards"
    policy = graph.get(LIST).freshness_policy
    assert policy is not None and policy.deadline_cron == "0 3 * * *"


def test_descriptions_shown_in_the_ui_are_markdown_not_restructured_text():
    defs = build_definitions(load_settings(BUNDLED_CONFIG))
    texts = [SendinblueResource.__doc__, SyncStateResource.__doc__]
    texts += [node.description or "" for node in defs.resolve_asset_graph().asset_nodes]
    texts += [str(defs.resolve_asset_graph().get(SEGMENT).metadata["dagster/column_schema"])]
    for text in texts:
        assert "``" not in text, text
        assert "\n    " not in text, f"an indented line renders as code: {text!r}"


def test_samples_of_masked_emails_can_be_told_apart(write_project, profiles_frame):
    frame = profiles_frame.copy()
    frame.loc[0, "Email"] = "c1@example.com"
    frame.loc[2, "Email"] = "c2@example.com"
    frame.loc[2, "City"] = "Seattle"
    frame.loc[2, "LifetimeValue"] = "5000"
    sample = materialized(write_project(profiles=frame))[LIST]["added_sample"].value
    assert sample[0].endswith("c***@example.com") and sample[1].endswith("c***@example.com")
    assert len(set(sample)) == len(sample), sample


def test_the_invalid_phone_sample_names_the_member_it_is_about(write_project):
    """Carl has the phone "12"; export order is the first segment's members (Ann, Carl: Annie's row repeats
    Ann's email) then the second's (Zoë), so he is member 2, not the first of the sample's own rows."""
    sample = materialized(write_project())[LIST]["invalid_phone_sample"].value
    assert sample == ["member 2: c***@example.net"]
