"""The configuration file fails at definition load with the key path of every mistake."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ci_sendinblue.config.loading import (
    BUNDLED_CONFIG,
    CONFIG_ENV,
    ConfigError,
    ProfilesNotCheckedWarning,
    config_path,
    load_settings,
)
from ci_sendinblue_tests.helpers import base_config


def problems_of(write_project: Callable[..., Path], config: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_project(config))
    return raised.value.problems


def edited(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    config = copy.deepcopy(base_config())
    change(config)
    return config


def test_a_valid_file_loads_with_the_profiles_path_resolved_beside_it(write_project):
    path = write_project()
    settings = load_settings(path)
    assert settings.profiles.path == path.parent / "profiles.csv"
    assert settings.exports["newsletter"].list_id == 12


def test_the_bundled_example_is_the_default(monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    assert config_path() == BUNDLED_CONFIG.resolve()


def test_the_environment_variable_names_another_file(monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "mine.yaml"))
    assert config_path() == (tmp_path / "mine.yaml").resolve()


def test_an_unknown_key_is_named_with_its_path(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].update(lsit_id=3))
    assert "exports.newsletter.lsit_id: unknown key (check its spelling)" in problems_of(write_project, config)


def test_an_export_without_a_list_is_told_both_ways_to_name_one(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].pop("list_id"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter: name the Brevo list once: either list_id: 12 or list: {name:")


def test_an_export_naming_its_list_twice_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].update(list={"name": "Newsletter"}))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter: name the Brevo list once")


def test_a_list_by_name_loads_with_its_folder_and_no_creation_by_default(write_project):
    def by_name(config: dict[str, Any]) -> None:
        export = config["exports"]["newsletter"]
        export.pop("list_id")
        export["list"] = {"name": "Newsletter", "folder": "Marketing"}

    export = load_settings(write_project(edited(by_name))).exports["newsletter"]
    assert export.list_id is None
    assert (export.list_by_name.name, export.list_by_name.folder) == ("Newsletter", "Marketing")
    assert export.list_by_name.create_if_missing is False
    assert export.list_label == "Brevo list 'Newsletter' in folder 'Marketing'"
    assert export.with_list_id(7).list_id == 7


def test_creating_a_list_by_name_needs_its_folder(write_project):
    def by_name(config: dict[str, Any]) -> None:
        export = config["exports"]["newsletter"]
        export.pop("list_id")
        export["list"] = {"name": "Newsletter", "create_if_missing": True}

    [problem] = problems_of(write_project, edited(by_name))
    assert problem.startswith("exports.newsletter.list: create_if_missing needs folder")


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ({"template_id": 0, "redirection_url": "https://example.com/thanks"}, "double_opt_in.template_id"),
        ({"template_id": 3, "redirection_url": "http://example.com/thanks"}, "double_opt_in.redirection_url"),
        ({"template_id": 3, "redirection_url": "not a url"}, "double_opt_in.redirection_url"),
        ({"template_id": 3}, "double_opt_in.redirection_url"),
    ],
)
def test_a_bad_double_opt_in_setting_is_named(write_project, setting, path):
    config = edited(lambda c: c["exports"]["newsletter"].update(double_opt_in=setting))
    [problem] = problems_of(write_project, config)
    assert problem.startswith(f"exports.newsletter.{path}: ")


def test_double_opt_in_may_redirect_to_this_machine_over_http(write_project):
    setting = {"template_id": 3, "redirection_url": "http://127.0.0.1:8080/thanks"}
    config = edited(lambda c: c["exports"]["newsletter"].update(double_opt_in=setting))
    doi = load_settings(write_project(config)).exports["newsletter"].double_opt_in
    assert (doi.template_id, str(doi.redirection_url)) == (3, "http://127.0.0.1:8080/thanks")
    assert doi.resend_after_days is None


def test_an_export_naming_an_undefined_segment_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].update(segments=["seattle_high_value", "vip"]))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter.segments[1]: no segment named 'vip'")


def test_an_export_naming_an_undefined_connection_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].update(connection="other"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter.connection: no connection named 'other'")


def test_a_mapping_to_a_column_the_profiles_lack_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"]["mapping"].update(LASTNAME="Surname"))
    assert problems_of(write_project, config) == [
        "exports.newsletter.mapping.LASTNAME: column 'Surname' is not in the profiles"
    ]


def test_a_mapping_without_email_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"]["mapping"].pop("email"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter.mapping: mapping needs 'email: <profile column>'")


def test_an_unknown_operator_is_named_at_its_leaf(write_project):
    config = edited(lambda c: c["segments"]["seattle_high_value"]["where"]["all"][1].update(op="greater"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("segments.seattle_high_value.where.all[1].op: Input should be 'eq', 'ne'")


def test_a_rule_on_a_column_the_profiles_lack_is_refused(write_project):
    config = edited(lambda c: c["segments"]["platinum"]["where"].update(field="Tier"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("segments.platinum.where.field: column 'Tier' is not in the profiles")


def test_an_operator_given_the_wrong_kind_of_value_is_refused(write_project):
    config = edited(lambda c: c["segments"]["platinum"]["where"].update(op="between", value=[1]))
    assert problems_of(write_project, config) == [
        "segments.platinum.where: operator 'between' needs a list of two values [low, high]"
    ]


def test_a_key_column_the_profiles_lack_is_refused(write_project):
    config = edited(lambda c: c["profiles"].update(key="Id"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("profiles.key: column 'Id' is not in the profiles")


def test_a_missing_profiles_file_does_not_stop_the_load_and_a_warning_names_it(write_project):
    config = edited(lambda c: c["profiles"].update(path="nowhere.csv"))
    with pytest.warns(ProfilesNotCheckedWarning, match=r"profiles\.path: profiles file .*nowhere\.csv does not exist"):
        settings = load_settings(write_project(config))
    assert settings.profiles.path.name == "nowhere.csv"


def test_a_profiles_file_that_is_there_but_broken_still_stops_the_load(write_project, tmp_path):
    path = write_project()
    (tmp_path / "profiles.csv").write_bytes(b"")
    [problem] = problems_of(lambda config: path, {})
    assert problem.startswith("profiles.path:") and "is empty" in problem


def test_a_plain_http_url_to_another_machine_is_refused(write_project):
    config = edited(lambda c: c["connections"]["brevo"].update(api_url="http://api.brevo.com/v3"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("connections.brevo.api_url: api_url must use https://")


def test_a_bad_cron_expression_is_refused(write_project):
    config = edited(lambda c: c["exports"]["newsletter"].update(schedule="every night"))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("exports.newsletter.schedule: 'every night' is not a cron expression")


def test_a_segment_name_that_cannot_be_an_asset_name_is_refused(write_project):
    config = edited(lambda c: c["segments"].update({"high-value": c["segments"]["platinum"]}))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("segments: 'high-value' must start with a letter")


def test_a_mapping_whose_email_column_differs_from_the_segments_is_refused_with_its_key_path(write_project):
    def change(config: dict[str, Any]) -> None:
        other = copy.deepcopy(config["exports"]["newsletter"])
        other.update(list_id=13, segments=["platinum"], mapping={"email": "FirstName"})
        config["exports"]["other"] = other

    [problem] = problems_of(write_project, edited(change))
    assert problem.startswith(
        "exports.other.mapping.email: column 'FirstName' is not the email column of segment 'platinum' "
        "('Email', from profiles.email)"
    )


def test_a_segment_may_name_its_own_email_column_and_its_exports_must_send_it(write_project, profiles_frame):
    def change(config: dict[str, Any]) -> None:
        config["segments"]["platinum"]["email"] = "WorkEmail"
        config["exports"]["newsletter"]["segments"] = ["platinum"]
        config["exports"]["newsletter"]["mapping"]["email"] = "WorkEmail"

    profiles = profiles_frame.assign(WorkEmail=profiles_frame["Email"])
    settings = load_settings(write_project(edited(change), profiles))
    assert settings.segment_email_column("platinum") == "WorkEmail"
    assert settings.segment_email_column("seattle_high_value") == "Email"


def test_a_segment_email_column_the_profiles_lack_is_named_with_its_key_path(write_project):
    problems = problems_of(write_project, edited(lambda c: c["profiles"].update(email="Mail")))
    assert problems[0].startswith("profiles.email: column 'Mail' is not in the profiles")
    assert all(not p.startswith("profiles.email") for p in problems[1:]), "said once, for every segment using it"
    assert problems[1].startswith("exports.newsletter.mapping.email: column 'Email' is not the email column")


def test_the_email_column_cannot_be_the_profile_key(write_project):
    def change(config: dict[str, Any]) -> None:
        config["segments"]["platinum"]["email"] = "CustomerId"
        del config["exports"]["newsletter"]

    [problem] = problems_of(write_project, edited(change))
    assert problem == "segments.platinum.email: the email column 'CustomerId' cannot also be the profile key"


def test_every_problem_is_reported_at_once(write_project):
    def change(config: dict[str, Any]) -> None:
        config["exports"]["newsletter"]["mapping"]["LASTNAME"] = "Surname"
        config["exports"]["newsletter"]["connection"] = "other"

    assert len(problems_of(write_project, edited(change))) == 2


def test_yaml_syntax_errors_give_the_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("profiles:\n  path: [unclosed\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+"):
        load_settings(path)


def test_a_state_url_with_a_password_must_come_from_the_environment(write_project):
    config = edited(lambda c: c.update(state={"url": "postgresql+psycopg://u:secret@db/x"}))
    [problem] = problems_of(write_project, config)
    assert problem.startswith("state: url holds a password")
    assert "secret" not in problem
