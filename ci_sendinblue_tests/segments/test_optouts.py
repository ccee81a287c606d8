"""A segment can leave out the people who opted out in Brevo: its setting, its lineage, and what it drops."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.segments.optouts import without_optouts
from ci_sendinblue_tests.helpers import base_config

OPTOUTS = dg.AssetKey(["sendinblue", "brevo_optouts"])
PLATINUM = dg.AssetKey(["segments", "platinum"])


def optouts(*rows: tuple[str, bool, bool]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["email", "email_blacklisted", "sms_blacklisted"])
    return frame.assign(since=datetime(2026, 3, 1, tzinfo=UTC))


def excluding(*connections: str) -> dict:
    config = copy.deepcopy(base_config())
    config["segments"]["platinum"]["exclude_optouts"] = list(connections)
    return config


def test_members_opted_out_of_email_are_dropped_and_counted():
    members = pd.DataFrame(
        {"CustomerId": ["C1", "C2", "C3"], "Email": ["ann@example.com", "bob@example.com", "zoe@example.org"]}
    ).astype("string[pyarrow]")
    blocked = optouts(("Ann@Example.com", True, False), ("zoe@example.org", False, True))

    kept, excluded = without_optouts(members, "Email", [blocked])

    assert excluded == 1
    assert kept["CustomerId"].tolist() == ["C2", "C3"], "an SMS opt-out still takes e-mail"


def test_without_opt_outs_to_exclude_the_members_are_untouched():
    members = pd.DataFrame({"Email": ["ann@example.com"]}, dtype="string[pyarrow]")
    kept, excluded = without_optouts(members, "Email", [])
    assert (kept is members, excluded) == (True, 0)


def test_every_connection_has_an_opt_outs_asset_in_the_sendinblue_group(write_project):
    graph = build_definitions(load_settings(write_project())).resolve_asset_graph()
    assert graph.get(OPTOUTS).group_name == "sendinblue"
    assert OPTOUTS not in graph.get(PLATINUM).parent_keys, "only a segment that asks depends on it"


def test_a_segment_that_excludes_opt_outs_depends_on_them_and_its_export_job_reads_them_first(write_project):
    defs = build_definitions(load_settings(write_project(excluding("brevo"))))
    assert OPTOUTS in defs.resolve_asset_graph().get(PLATINUM).parent_keys
    for job in ("newsletter_export_job", "all_exports_job"):
        assert OPTOUTS in defs.resolve_job_def(job).asset_layer.selected_asset_keys, job


def test_an_unknown_connection_in_exclude_optouts_names_the_segment_and_the_connection(write_project):
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(excluding("brevo", "mailchimp")))
    assert raised.value.problems == [
        "segments.platinum.exclude_optouts[1]: no connection named 'mailchimp' (defined: brevo)"
    ]


def test_an_export_cannot_take_the_name_of_a_connections_opt_outs_asset(write_project):
    config = copy.deepcopy(base_config())
    config["exports"]["brevo_optouts"] = config["exports"].pop("newsletter")
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    assert any(p.startswith("exports.brevo_optouts: the name is taken") for p in raised.value.problems)
