"""The BrevoExports component: a defs.yaml builds what a configuration file builds, and a wrong setting fails
the load with its key path and its line, never with the secret it may hold."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import dagster as dg
import pytest

import ci_sendinblue.definitions as code_location_module
from ci_sendinblue.config.loading import BUNDLED_CONFIG, ConfigError, load_settings

PROFILES = BUNDLED_CONFIG.parent.parent.parent / "examples" / "profiles.csv"


def component(attributes: str) -> str:
    return "type: ci_sendinblue.BrevoExports\n\nattributes:\n" + textwrap.indent(textwrap.dedent(attributes), "  ")


MINIMAL = f"""\
profiles:
  path: {PROFILES}
  key: CustomerId
segments:
  gold:
    where: {{field: LoyaltyTier, op: eq, value: Gold}}
connections:
  brevo:
    api_key_env: BREVO_API_KEY
    api_url: http://127.0.0.1:8765/v3
exports:
  newsletter:
    connection: brevo
    list_id: 12
    segments: [gold]
    mapping: {{email: Email, FIRSTNAME: FirstName}}
"""


def root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def load_error(load_project, text: str | dict[str, str]) -> ConfigError:
    with pytest.raises(Exception) as raised:
        load_project(text if isinstance(text, dict) else {"brevo/defs.yaml": text})
    cause = root_cause(raised.value)
    assert isinstance(cause, ConfigError), cause
    return cause


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_component_builds_the_segments_the_list_and_its_job(load_project):
    defs = load_project({"brevo/defs.yaml": component(MINIMAL)})
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["sendinblue", "newsletter"])).parent_keys == {dg.AssetKey(["segments", "gold"])}
    assert defs.resolve_job_def("newsletter_export_job") is not None
    resource = defs.resources["sendinblue_brevo"]
    assert isinstance(resource.api_key, dg.EnvVar) and resource.api_key.env_var_name == "BREVO_API_KEY"


def test_a_relative_profiles_path_is_read_beside_the_defs_yaml(load_project):
    text = component(MINIMAL.replace(str(PROFILES), "profiles.csv"))
    defs = load_project({"brevo/defs.yaml": text, "brevo/profiles.csv": PROFILES.read_text("utf-8")})
    profiles = defs.resolve_assets_def(dg.AssetKey("customer_profiles"))
    path = profiles.specs_by_key[dg.AssetKey("customer_profiles")].metadata["path"].value
    assert Path(path).parent.name == "brevo" and Path(path).name == "profiles.csv"


def test_templates_resolve_before_validation(load_project, monkeypatch):
    monkeypatch.setenv("BREVO_LIST", "31")
    text = component(MINIMAL.replace("list_id: 12", 'list_id: "{{ env.BREVO_LIST }}"'))
    defs = load_project({"brevo/defs.yaml": text})
    spec = defs.resolve_assets_def(dg.AssetKey(["sendinblue", "newsletter"])).specs_by_key
    assert spec[dg.AssetKey(["sendinblue", "newsletter"])].metadata["list_id"].value == "31"


def test_a_wrong_setting_names_its_key_path_and_its_defs_yaml_line(load_project):
    text = component(MINIMAL.replace("connection: brevo", "connection: bervo").replace("FirstName", "Forename"))
    error = load_error(load_project, text)
    line = line_of(text, "connection: bervo")
    expected = f"exports.newsletter.connection: no connection named 'bervo' (defined: brevo) (defs.yaml line {line})"
    assert expected in str(error)
    assert "exports.newsletter.mapping.FIRSTNAME: column 'Forename' is not in the profiles" in str(error)
    assert f"(defs.yaml line {line_of(text, 'Forename')})" in str(error)
    assert error.source.name == "defs.yaml"


def test_a_typo_in_a_key_is_named_with_its_line(load_project):
    text = component(MINIMAL.replace("list_id: 12", "lsit_id: 12"))
    error = str(load_error(load_project, text))
    line = line_of(text, "lsit_id")
    assert f"exports.newsletter.lsit_id: unknown key (check its spelling) (defs.yaml line {line})" in error


def test_an_api_key_in_the_attributes_is_refused_without_showing_it(load_project, monkeypatch):
    secret = "xkeysib-0123456789abcdef-not-a-real-key"
    monkeypatch.setenv("BREVO_API_KEY", secret)
    text = component(MINIMAL.replace("api_key_env: BREVO_API_KEY", 'api_key: "{{ env.BREVO_API_KEY }}"'))
    error = load_error(load_project, text)
    assert "connections.brevo: api_key: an API key is a secret" in str(error)
    assert "api_key_env" in str(error)
    assert f"(defs.yaml line {line_of(text, 'api_key:')})" in str(error)
    assert secret not in str(error) and secret not in repr(error.problems)


def test_the_bundled_code_location_is_the_demo_component(monkeypatch):
    monkeypatch.delenv("CI_SENDINBLUE_CONFIG", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", code_location_module.ConfigFileDeprecationWarning)
        defs = code_location_module.code_location()
    spec = defs.resolve_assets_def(dg.AssetKey(["sendinblue", "newsletter"])).specs_by_key
    references = spec[dg.AssetKey(["sendinblue", "newsletter"])].metadata["dagster/code_references"]
    files = [Path(reference.file_path) for reference in references.code_references]
    assert BUNDLED_CONFIG in files


def test_the_configuration_file_variable_still_works_and_says_it_is_deprecated(write_project, monkeypatch):
    monkeypatch.setenv("CI_SENDINBLUE_CONFIG", str(write_project()))
    # (looked up at the call: another test reloads the module, which makes the warning's class anew)
    with pytest.warns(code_location_module.ConfigFileDeprecationWarning, match="type: ci_sendinblue.BrevoExports"):
        defs = code_location_module.code_location()
    assert defs.resolve_job_def("newsletter_export_job") is not None


def test_load_settings_reads_a_component_file_as_its_attributes():
    settings = load_settings(BUNDLED_CONFIG)
    assert "newsletter" in settings.exports
    assert settings.profiles.path == PROFILES.resolve()


def test_two_components_with_their_own_prefix_live_side_by_side(load_project):
    defs = load_project(
        {
            "crm/defs.yaml": component(MINIMAL + "key_prefix: crm\n"),
            "shop/defs.yaml": component(MINIMAL + "key_prefix: shop\n"),
        }
    )
    graph = defs.resolve_asset_graph()
    for team in ("crm", "shop"):
        assert graph.get(dg.AssetKey([team, "sendinblue", "newsletter"])).parent_keys == {
            dg.AssetKey([team, "segments", "gold"])
        }
        assert defs.resolve_job_def(f"{team}__newsletter_export_job") is not None
    assert {f"{team}__sendinblue_brevo" for team in ("crm", "shop")} <= set(defs.resources)


def test_two_components_without_prefixes_are_refused_at_load(load_project):
    error = load_error(load_project, {"crm/defs.yaml": component(MINIMAL), "shop/defs.yaml": component(MINIMAL)})
    assert "key_prefix: 2 BrevoExports components share the key_prefix (none)" in str(error)
    assert "crm/defs.yaml" in str(error) and "shop/defs.yaml" in str(error)
    assert "give each its own (e.g. key_prefix: crm)" in str(error)


def test_a_project_with_an_executor_of_its_own_takes_the_component_in(load_project):
    executor = "import dagster as dg\n\ndefs = dg.Definitions(executor=dg.multiprocess_executor)\n"
    defs = load_project({"brevo/defs.yaml": component(MINIMAL), "executor.py": executor})
    assert defs.resolve_job_def("newsletter_export_job").executor_def.name == dg.in_process_executor.name
