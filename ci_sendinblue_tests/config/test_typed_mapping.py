"""A mapping entry may carry reading options for a typed attribute; the file refuses options that cannot work
(an unreadable date format, equal separators) with their key path, and the resource carries the rest."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_sendinblue.config.loading import ConfigError, load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue_tests.helpers import base_config


def typed(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    export = config["exports"]["newsletter"]
    export["mapping"].update(
        LTV={"column": "LifetimeValue", "decimal_separator": ",", "thousands_separator": "."},
        OPTIN="MarketingConsent",
    )
    config["profiles"].update(changes.pop("profiles", {}))
    export.update(changes)
    return config


def problems_of(write_project: Callable[..., Path], config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


def test_a_typed_mapping_loads_and_its_resource_carries_the_options_and_the_profiles_defaults(write_project):
    settings = load_settings(write_project(typed(profiles={"date_format": "%d.%m.%Y"})))
    export = settings.exports["newsletter"]
    assert export.mapped_columns()["LTV"] == "LifetimeValue"
    assert export.max_unconvertible_share == 0.05 and export.notify_on_import is False
    resource = build_definitions(settings).resources["sendinblue_brevo"]
    assert resource.field_mappings["newsletter"]["LTV"] == "LifetimeValue"
    assert resource.attribute_formats["newsletter"] == {"LTV": {"decimal_separator": ",", "thousands_separator": "."}}
    assert resource.value_defaults == {"decimal_separator": ".", "date_format": "%d.%m.%Y"}
    mapping = resource.mapping_for("newsletter")
    assert mapping.format_for("LTV").decimal_separator == ","
    assert mapping.format_for("BIRTHDAY").date_format == "%d.%m.%Y"


def test_a_mapped_column_the_profiles_lack_is_named(write_project):
    config = typed()
    config["exports"]["newsletter"]["mapping"]["LTV"]["column"] = "Worth"
    assert "exports.newsletter.mapping.LTV: column 'Worth' is not in the profiles" in problems_of(write_project, config)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"date_format": "%d/%m"}, "does not name a whole date"),
        ({"date_format": "%Q"}, "is not a strptime date format"),
        ({"decimal_separator": ";"}, "decimal_separator"),
        ({"decimal_separator": ",", "thousands_separator": ","}, "separators are both ','"),
        ({"separator": ""}, "separator"),
        ({"colum": "LifetimeValue"}, "unknown key"),
    ],
)
def test_reading_options_that_cannot_work_are_refused_with_their_key_path(write_project, options, problem):
    config = typed()
    config["exports"]["newsletter"]["mapping"]["LTV"] = {"column": "LifetimeValue", **options}
    if "colum" in options:
        del config["exports"]["newsletter"]["mapping"]["LTV"]["column"]
    found = problems_of(write_project, config)
    assert any(p.startswith("exports.newsletter.mapping.LTV") and problem in p for p in found), found


def test_the_profiles_defaults_are_checked_too(write_project):
    found = problems_of(write_project, typed(profiles={"date_format": "%H:%M"}))
    assert any(p.startswith("profiles.date_format") and "whole date" in p for p in found), found


def test_the_email_takes_no_reading_options(write_project):
    config = typed()
    config["exports"]["newsletter"]["mapping"]["email"] = {"column": "Email"}
    assert any("mapping 'email' is a profile column name" in p for p in problems_of(write_project, config))
