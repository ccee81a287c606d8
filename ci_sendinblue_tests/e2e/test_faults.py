"""Brevo's bad days, injected by the emulator's fault schedule: the list ends holding exactly the segment
members (passing faults within the same run, lasting ones and killed runs by the next run), and the run's log
says what was retried and why. The README's fault matrix is this file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import dagster as dg
import httpx
import pytest

from ci_sendinblue.profiles.sample import generate_sample_profiles
from ci_sendinblue_tests.helpers import API_KEY, KEY_ENV, e2e_config, expected_members, write_yaml

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
IMPORT = "POST /contacts/import"


def fault_config(api_url: str, **export_changes):
    config = e2e_config(api_url, **{"max_import_bytes": 20_000, **export_changes})
    config["connections"]["brevo"].update(
        retry_wait_initial=0.05, retry_wait_max=0.2, request_timeout=1.0, retry_timeout=30, max_attempts=6
    )
    return config


def listed(emulator) -> dict[str, dict[str, str]]:
    return {m["email"]: m["attributes"] for m in emulator.members(12)}


def warnings_of(run) -> str:
    return "\n".join(
        record.user_message
        for record in run.instance.all_logs(run.result.run_id)
        if record.level >= 30 and record.user_message
    )


@pytest.fixture
def profiles():
    return generate_sample_profiles(count=800, seed=21)


FAULTS = {
    "429 burst on imports": ({"match": IMPORT, "kind": "status", "status": 429, "times": 3, "reset": 1}, "429"),
    "500 on imports": ({"match": IMPORT, "kind": "status", "status": 500, "times": 2}, "500"),
    "502 on list lookup": ({"match": "GET /contacts/lists/*", "kind": "status", "status": 502}, "502"),
    "503 on process polling": ({"match": "GET /processes/*", "kind": "status", "status": 503, "times": 3}, "503"),
    "524 after the import was accepted": (
        {"match": IMPORT, "kind": "accepted_then_status", "status": 524, "times": 2},
        "524",
    ),
    "dropped connection on import": ({"match": IMPORT, "kind": "drop", "times": 2}, "could not be reached"),
    "slow answer past the time-out": (
        {"match": "GET /contacts/attributes", "kind": "delay", "seconds": 2},
        "timed out",
    ),
    "one import process failed": ({"match": IMPORT, "kind": "process_failed"}, "retrying as two imports"),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_the_list_ends_exact_despite(fault, emulator, run_pipeline, profiles):
    rule, logged = FAULTS[fault]
    emulator.set_faults([rule])
    config = fault_config(emulator.api_url)
    run = run_pipeline(config, profiles=profiles)
    assert run.result.success, f"a passing fault must be absorbed by the first run: {run.failure_message}"
    assert listed(emulator) == expected_members(profiles)
    assert logged in warnings_of(run)
    assert emulator.faults()[0]["fired"] >= 1


def test_a_contact_brevo_always_refuses_is_isolated_and_reported_masked(emulator, run_pipeline, profiles):
    expected = expected_members(profiles)
    poison = sorted(expected)[len(expected) // 2]
    emulator.set_faults([{"match": IMPORT, "kind": "process_failed", "times": None, "body_contains": f'"{poison}"'}])
    run = run_pipeline(fault_config(emulator.api_url), profiles=profiles)
    assert run.result.success, run.failure_message
    metadata = run.metadata(NEWSLETTER)
    assert metadata["rejected"] == 1
    assert metadata["rejected_by_reason"] == {"import failed": 1}
    [sample] = metadata["rejected_sample"]
    assert sample.endswith(f": {poison[0]}***@{poison.split('@')[1]} (import failed)") and sample.startswith("member ")
    del expected[poison]
    assert listed(emulator) == expected


def test_a_run_that_meets_only_failures_fails_and_the_next_converges(emulator, run_pipeline, profiles):
    emulator.set_faults([{"match": IMPORT, "kind": "status", "status": 503, "times": None}])
    config = fault_config(emulator.api_url)
    config["connections"]["brevo"].update(max_attempts=3)
    failed = run_pipeline(config, profiles=profiles)
    assert not failed.result.success
    assert "503" in failed.failure_message
    assert failed.failure_message.count("Retrying") == 0, "the failure names the cause, the log holds the retries"
    assert warnings_of(failed).count("503") >= 2
    emulator.set_faults([])
    again = run_pipeline(config, profiles=profiles)
    assert again.result.success, again.failure_message
    assert listed(emulator) == expected_members(profiles)


def test_a_run_killed_mid_export_is_completed_by_the_next(emulator, write_project, tmp_path, profiles, run_pipeline):
    emulator.reset(lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=20)
    path = write_project(profiles=profiles)
    write_yaml(path, fault_config(emulator.api_url))
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    environment = {**os.environ, KEY_ENV: API_KEY, "CI_SENDINBLUE_CONFIG": str(path), "DAGSTER_HOME": str(home)}
    command = [sys.executable, "-m", "dagster", "asset", "materialize", "-m", "ci_sendinblue.definitions"]
    process = subprocess.Popen(
        [*command, "--select", "*"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while emulator.request_counts().get(IMPORT, 0) == 0 and process.poll() is None:
        assert time.monotonic() < deadline, "the run never reached the import"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert emulator.members(12) == [], "killed while Brevo was still importing"

    emulator.reset(lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=0.05)
    again = subprocess.run([*command, "--select", "*"], env=environment, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-3000:]
    assert listed(emulator) == expected_members(profiles)


def test_the_client_stays_under_brevos_rate_limit_instead_of_hitting_it(emulator, run_pipeline, profiles):
    emulator.reset(
        lists={12: "Newsletter"}, attributes=["FIRSTNAME", "LASTNAME", "SMS"], process_delay=0.05, contacts_rate=10
    )
    config = fault_config(emulator.api_url, max_import_bytes=1024)
    config["connections"]["brevo"]["contacts_requests_per_second"] = 10
    run = run_pipeline(config, profiles=profiles)
    assert run.result.success, run.failure_message
    assert run.metadata(NEWSLETTER)["import_requests"] > 10
    assert "429" not in warnings_of(run)
    assert listed(emulator) == expected_members(profiles)


def test_a_contact_whose_number_another_brevo_contact_holds_lands_without_sms_and_is_reported(
    emulator, run_pipeline, profiles
):
    expected = expected_members(profiles)
    taken = next(email for email, attributes in sorted(expected.items()) if "SMS" in attributes)
    holder = httpx.post(
        f"{emulator.api_url}/contacts",
        headers={"api-key": API_KEY},
        json={"email": "number.holder@example.org", "attributes": {"SMS": expected[taken]["SMS"]}},
    )
    assert holder.status_code == 201
    run = run_pipeline(fault_config(emulator.api_url), profiles=profiles)
    assert run.result.success, run.failure_message
    metadata = run.metadata(NEWSLETTER)
    assert metadata["rejected"] == 0
    assert metadata["contacts"]["sms_held_by_another_brevo_contact"] == 1
    [sample] = metadata["sms_left_out_sample"]
    assert sample.endswith(f": {taken[0]}***@{taken.split('@')[1]}")
    assert "(1 duplicate SMS)" in warnings_of(run) + "\n".join(
        record.user_message for record in run.instance.all_logs(run.result.run_id) if record.user_message
    )
    del expected[taken]["SMS"]
    assert listed(emulator) == expected
