"""Who may use a connection: a connection naming owners or usable_by takes only exports one of whose owners
it names, and the file says so at load with the key path, the export, the connection and every list."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue_tests.helpers import base_config


def guarded(connection: dict[str, Any] | None = None, export: dict[str, Any] | None = None) -> dict[str, Any]:
    """``base_config`` with owner settings on its connection ``brevo`` and its export ``newsletter``."""
    config = copy.deepcopy(base_config())
    config["connections"]["brevo"].update(connection or {})
    config["exports"]["newsletter"].update(export or {})
    return config


def problems_of(write_project: Callable[..., Path], config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


ADMINS = {"owners": ["team:crm-admins", "lead@example.com"], "usable_by": ["team:marketing"]}


def test_a_file_without_owners_loads_as_before(write_project):
    settings = load_settings(write_project(base_config()))
    assert settings.connections["brevo"].owners == settings.connections["brevo"].usable_by == []
    assert settings.exports["newsletter"].owners == []


def test_an_unguarded_connection_takes_any_export_even_one_with_owners(write_project):
    config = guarded(export={"owners": ["team:growth"]})
    assert load_settings(write_project(config)).exports["newsletter"].owners == ["team:growth"]


@pytest.mark.parametrize(
    "owners",
    [["team:crm-admins"], ["team:marketing"], ["Lead@Example.COM"], ["someone@example.com", "team:marketing"]],
    ids=["an administrator team", "a team it is usable by", "an administrator in another case", "one of several"],
)
def test_a_guarded_connection_takes_an_export_owned_by_someone_it_names(write_project, owners):
    settings = load_settings(write_project(guarded(ADMINS, {"owners": owners})))
    assert settings.connections["brevo"].owners == ["team:crm-admins", "lead@example.com"]
    assert settings.exports["newsletter"].owners == owners


def test_a_guarded_connection_refuses_an_export_without_owners_saying_who_may_use_it(write_project):
    assert problems_of(write_project, guarded(ADMINS)) == [
        "exports.newsletter.owners: export 'newsletter' names no owners and may not use connection 'brevo', which "
        "takes only exports owned by one of its owners (team:crm-admins, lead@example.com) or usable_by "
        "(team:marketing): name the export's owners, e.g. owners: [team:marketing]"
    ]


def test_only_administrators_by_default(write_project):
    config = guarded({"owners": ["team:crm-admins"]})
    [problem] = problems_of(write_project, config)
    assert "owners (team:crm-admins) or usable_by (none)" in problem
    assert problem.endswith("e.g. owners: [team:crm-admins]")


def test_a_guarded_connection_refuses_an_export_none_of_whose_owners_it_names(write_project):
    config = guarded(ADMINS, {"owners": ["team:growth", "ann@example.com"]})
    assert problems_of(write_project, config) == [
        "exports.newsletter.owners: export 'newsletter' (owners: team:growth, ann@example.com) may not use "
        "connection 'brevo', which takes only exports owned by one of its owners (team:crm-admins, "
        "lead@example.com) or usable_by (team:marketing): add one of those to the export's owners, or one of the "
        "export's owners to connections.brevo.usable_by"
    ]


def test_teams_compare_exactly_and_a_person_is_not_taken_for_their_team(write_project):
    for owners in (["team:Marketing"], ["marketing@example.com"]):
        [problem] = problems_of(write_project, guarded(ADMINS, {"owners": owners}))
        assert problem.startswith("exports.newsletter.owners: export 'newsletter' (owners: ")


def test_usable_by_alone_guards_the_connection(write_project):
    allowed = load_settings(write_project(guarded({"usable_by": ["team:marketing"]}, {"owners": ["team:marketing"]})))
    assert allowed.connections["brevo"].owners == []
    [problem] = problems_of(write_project, guarded({"usable_by": ["team:marketing"]}, {"owners": ["team:growth"]}))
    assert "its owners (none) or usable_by (team:marketing)" in problem


def test_a_disabled_export_is_held_to_the_same_rule(write_project):
    config = guarded(ADMINS, {"owners": ["team:growth"], "enabled": False})
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter.owners: ")


@pytest.mark.parametrize("bad", ["crm admins", "team:", "jane@example", " jane@example.com", "TEAM:crm"])
@pytest.mark.parametrize(
    ("where", "path"),
    [("connection", "connections.brevo.owners[1]"), ("export", "exports.newsletter.owners[1]")],
)
def test_an_owner_dagster_would_refuse_is_named_with_its_key_path(write_project, bad, where, path):
    owners = {"owners": ["team:crm-admins", bad]}
    config = guarded(owners, {"owners": ["team:crm-admins"]}) if where == "connection" else guarded(export=owners)
    assert problems_of(write_project, config) == [
        f"{path}: '{bad}' is not a Dagster owner: write an e-mail address (jane@example.com) or a team as "
        "team:<name> (team:crm-admins)"
    ]


def test_a_bad_usable_by_entry_is_named_with_its_key_path(write_project):
    [problem] = problems_of(write_project, guarded({"usable_by": ["marketing"]}))
    assert problem.startswith("connections.brevo.usable_by[0]: 'marketing' is not a Dagster owner")
