"""The whole pipeline against the emulator process, over HTTP: what the Brevo list holds afterwards."""

from __future__ import annotations

import os
import subprocess
import sys

import dagster as dg
import pytest

from ci_sendinblue.profiles.sample import generate_sample_profiles
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, e2e_config, expected_members, write_yaml

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])


def listed(emulator, list_id: int = 12) -> dict[str, dict[str, str]]:
    return {m["email"]: m["attributes"] for m in emulator.members(list_id)}


def test_the_list_holds_exactly_the_segment_members_with_their_attributes(emulator, run_pipeline, profiles_frame):
    run = run_pipeline()
    assert run.result.success, run.failure_message
    assert listed(emulator) == expected_members(profiles_frame)


def test_sample_profiles_land_exactly(emulator, run_pipeline):
    profiles = generate_sample_profiles(count=1500, seed=11)
    run = run_pipeline(profiles=profiles)
    assert run.result.success, run.failure_message
    assert listed(emulator) == expected_members(profiles)
    assert run.metadata(NEWSLETTER)["brevo_members"] == len(expected_members(profiles))


def test_a_french_account_receives_prenom_and_nom(emulator, run_pipeline, profiles_frame):
    emulator.reset(lists={12: "Newsletter"}, attributes=["PRENOM", "NOM", "SMS"], process_delay=0.05)
    mapping = {"email": "Email", "PRENOM": "FirstName", "NOM": "LastName", "SMS": "Phone"}
    run = run_pipeline(e2e_config(emulator.api_url, mapping=mapping))
    assert run.result.success, run.failure_message
    translated = {
        email: {{"FIRSTNAME": "PRENOM", "LASTNAME": "NOM"}.get(k, k): v for k, v in attributes.items()}
        for email, attributes in expected_members(profiles_frame).items()
    }
    assert listed(emulator) == translated


def test_an_english_mapping_on_a_french_account_fails_before_importing(emulator, run_pipeline):
    emulator.reset(lists={12: "Newsletter"}, attributes=["PRENOM", "NOM", "SMS"], process_delay=0.05)
    run = run_pipeline()
    assert not run.result.success
    assert "FIRSTNAME, LASTNAME" in run.failure_message and "PRENOM" in run.failure_message
    assert emulator.request_counts().get("POST /contacts/import", 0) == 0


def test_a_missing_list_fails_clearly_and_imports_nothing(emulator, run_pipeline):
    run = run_pipeline(e2e_config(emulator.api_url, list_id=404))
    assert not run.result.success
    assert "Brevo list 404 does not exist" in run.failure_message
    assert emulator.request_counts().get("POST /contacts/import", 0) == 0
    assert emulator.contacts() == []


def test_a_wrong_api_key_fails_clearly_without_printing_the_key(emulator, run_pipeline, monkeypatch):
    wrong_key = "xkeysib-wrong-key-77c1b2"
    monkeypatch.setenv(KEY_ENV, wrong_key)
    run = run_pipeline()
    assert not run.result.success
    assert "SENDINBLUE_API_KEY" in run.failure_message
    logs = [str(record) for record in run.instance.all_logs(run.result.run_id)]
    assert wrong_key not in "\n".join([run.failure_message, *logs])
    assert emulator.contacts() == []


def test_an_export_larger_than_one_import_body_takes_several_and_all_complete(emulator, run_pipeline):
    profiles = generate_sample_profiles(count=600, seed=3)
    run = run_pipeline(e2e_config(emulator.api_url, max_import_bytes=4096), profiles=profiles)
    assert run.result.success, run.failure_message
    metadata = run.metadata(NEWSLETTER)
    assert metadata["import_requests"] > 1
    assert emulator.request_counts()["POST /contacts/import"] == metadata["import_requests"]
    assert all(p["status"] == "completed" for p in emulator.processes())
    assert listed(emulator) == expected_members(profiles)


def test_the_dagster_command_line_materializes_the_list(emulator, write_project, tmp_path):
    path = write_project()
    write_yaml(path, e2e_config(emulator.api_url))
    environment = {**os.environ, KEY_ENV: API_KEY, "CI_SENDINBLUE_CONFIG": str(path), "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    completed = subprocess.run(
        [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "ci_sendinblue.definitions", "--select", "*"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert API_KEY not in completed.stdout + completed.stderr
    assert len(emulator.members(12)) == 3


@pytest.mark.parametrize(("notify", "disabled"), [(None, True), (True, False)], ids=["quiet by default", "mail asked"])
def test_imports_ask_brevo_not_to_mail_the_account_owner_unless_the_export_wants_it(
    emulator, run_pipeline, notify, disabled
):
    changes = {} if notify is None else {"notify_on_import": notify}
    run = run_pipeline(e2e_config(emulator.api_url, **changes))
    assert run.result.success, run.failure_message
    imports = [p for p in emulator.processes() if p["name"] == "IMPORTUSER"]
    assert imports and {p["options"]["disableNotification"] for p in imports} == {disabled}
