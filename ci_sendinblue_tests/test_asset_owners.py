"""The owners the configuration names are the assets' owners, so the UI shows who answers for a list."""

from __future__ import annotations

import copy
from typing import Any

import dagster as dg

from ci_sendinblue.config.loading import BUNDLED_CONFIG, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import base_config

LIST = dg.AssetKey(["sendinblue", "newsletter"])
OPTOUTS = dg.AssetKey(["sendinblue", "brevo_optouts"])


def owners_of(defs: dg.Definitions, key: dg.AssetKey) -> list[str]:
    return list(defs.resolve_assets_def(key).specs_by_key[key].owners)


def with_owners(connection: dict[str, Any], export: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    config["connections"]["brevo"].update(connection)
    config["exports"]["newsletter"].update(export)
    return config


def test_the_list_shows_the_exports_owners_and_the_opt_outs_the_connections(write_project):
    config = with_owners(
        {"owners": ["team:crm-admins"], "usable_by": ["team:marketing"]}, {"owners": ["team:marketing"]}
    )
    defs = build_definitions(load_settings(write_project(config)))
    assert owners_of(defs, LIST) == ["team:marketing"]
    assert owners_of(defs, OPTOUTS) == ["team:crm-admins"]


def test_a_file_without_owners_gives_assets_without_owners(write_project):
    defs = build_definitions(load_settings(write_project()))
    assert owners_of(defs, LIST) == owners_of(defs, OPTOUTS) == []


def test_a_list_whose_export_names_no_owners_falls_back_to_the_connections(write_project):
    """Loading refuses such an export on a guarded connection; settings built without ``load_settings`` (by
    code, with the checks of its own) still show the account's administrators on the list."""
    config = with_owners({"owners": ["lead@example.com"]}, {"owners": ["lead@example.com"]})
    settings = load_settings(write_project(config))
    unowned = settings.exports["newsletter"].model_copy(update={"owners": []})
    settings = settings.model_copy(update={"exports": {"newsletter": unowned}})
    assert owners_of(build_definitions(settings), LIST) == ["lead@example.com"]


def test_the_bundled_example_shows_its_owners():
    defs = build_definitions(load_settings(BUNDLED_CONFIG))
    assert owners_of(defs, LIST) == ["team:marketing"]
    assert owners_of(defs, dg.AssetKey(["sendinblue", "brevo_local_optouts"])) == ["team:crm-admins"]
