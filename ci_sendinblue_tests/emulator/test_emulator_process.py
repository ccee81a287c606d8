"""The emulator as a separate process over real HTTP: start-up, inspection, drop and delay faults."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ci_sendinblue.emulator import EmulatorProcess
from ci_sendinblue.emulator.cli import build_parser, settings_from_args
from ci_sendinblue.emulator.process import EmulatorStartError

pytestmark = pytest.mark.e2e

HEADERS = {"api-key": "test-key"}


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(lists={12: "Newsletter"}, process_delay=0.2, contacts_rate=None, hourly_budget=None) as e:
        yield e


@pytest.fixture
def fresh(emu: EmulatorProcess) -> EmulatorProcess:
    emu.reset(lists={12: "Newsletter"}, process_delay=0.2)
    return emu


def test_serves_brevo_api_on_a_loopback_port(fresh: EmulatorProcess) -> None:
    assert fresh.api_url == f"http://127.0.0.1:{fresh.port}/v3"
    response = httpx.get(fresh.api_url + "/contacts/lists", headers=HEADERS)
    assert response.json()["lists"][0]["id"] == 12


def test_import_shows_in_members_once_its_process_completes(fresh: EmulatorProcess) -> None:
    body = {"jsonBody": [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}], "listIds": [12]}
    process_id = httpx.post(fresh.api_url + "/contacts/import", json=body, headers=HEADERS).json()["processId"]
    assert fresh.members(12) == []
    time.sleep(0.25)
    status = httpx.get(f"{fresh.api_url}/processes/{process_id}", headers=HEADERS).json()["status"]
    assert status == "completed"
    assert fresh.members(12) == [{"email": "ann@example.com", "attributes": {"FIRSTNAME": "Ann"}}]
    assert fresh.request_counts() == {"POST /contacts/import": 1, "GET /processes/{processId}": 1}


def test_drop_fault_closes_the_connection_without_a_response(fresh: EmulatorProcess) -> None:
    fresh.set_faults([{"match": "GET /account", "kind": "drop"}])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        httpx.get(fresh.api_url + "/account", headers=HEADERS)
    assert httpx.get(fresh.api_url + "/account", headers=HEADERS).status_code == 200


def test_delay_fault_makes_clients_time_out(fresh: EmulatorProcess) -> None:
    fresh.set_faults([{"match": "GET /account", "kind": "delay", "seconds": 1.0}])
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(fresh.api_url + "/account", headers=HEADERS, timeout=0.2)


def test_524_fault_over_http_still_accepts_the_import(fresh: EmulatorProcess) -> None:
    fresh.set_faults([{"match": "POST /contacts/import", "kind": "accepted_then_status", "status": 524}])
    body = {"jsonBody": [{"email": "bob@example.com"}], "listIds": [12]}
    assert httpx.post(fresh.api_url + "/contacts/import", json=body, headers=HEADERS).status_code == 524
    fresh.complete_processes()
    assert [m["email"] for m in fresh.members(12)] == ["bob@example.com"]


def test_faults_file_and_flags_are_read_at_start(tmp_path: Path) -> None:
    faults = [{"match": "GET /account", "kind": "status", "status": 503}]
    with EmulatorProcess(attributes=["PRENOM", "NOM", "SMS"], faults=faults) as emu:
        assert httpx.get(emu.api_url + "/account", headers=HEADERS).status_code == 503
        names = httpx.get(emu.api_url + "/contacts/attributes", headers=HEADERS).json()["attributes"]
        assert [a["name"] for a in names] == ["PRENOM", "NOM", "SMS"]


def test_start_failure_reports_the_process_stderr() -> None:
    with pytest.raises(EmulatorStartError, match=r"(?s)exited.*stderr:.*\S"), EmulatorProcess(host="203.0.113.7"):
        pass


def test_cli_flags_become_settings(tmp_path: Path) -> None:
    faults_file = tmp_path / "faults.json"
    faults_file.write_text(json.dumps([{"match": "POST /contacts/import", "kind": "drop"}]))
    args = build_parser().parse_args(
        ["--port", "0", "--list", "12=Newsletter", "--list", "13=Promos", "--attributes", "prenom,nom",
         "--contacts-rate", "0", "--hourly-budget", "50", "--faults", str(faults_file)]
    )  # fmt: skip
    settings = settings_from_args(args)
    assert settings.lists == {12: "Newsletter", 13: "Promos"}
    assert settings.attributes == ("PRENOM", "NOM")
    assert (settings.contacts_rate, settings.hourly_budget) == (None, 50)
    assert settings.faults[0]["kind"] == "drop"


def test_typed_attributes_reach_the_process_and_its_reset() -> None:
    tier = {"name": "TIER", "category": "category", "enumeration": [{"value": 1, "label": "Gold"}]}
    with EmulatorProcess(attributes=["FIRSTNAME", "SCORE:float", tier]) as emu:
        listed = httpx.get(emu.api_url + "/contacts/attributes", headers=HEADERS).json()["attributes"]
        assert listed[1:] == [{"name": "SCORE", "category": "normal", "type": "float"}, tier]
        emu.reset(attributes=["VIP:boolean"])
        listed = httpx.get(emu.api_url + "/contacts/attributes", headers=HEADERS).json()["attributes"]
        assert listed == [{"name": "VIP", "category": "normal", "type": "boolean"}]


def test_blocklist_helper_opts_contacts_out(fresh: EmulatorProcess) -> None:
    assert fresh.blocklist(["Ann@example.com"]) == ["ann@example.com"]
    fresh.blocklist(["ann@example.com"], channel="sms")
    found = httpx.get(fresh.api_url + "/contacts/ann%40example.com", headers=HEADERS).json()
    assert (found["emailBlacklisted"], found["smsBlacklisted"]) == (True, True)


def test_doi_and_folder_helpers(fresh: EmulatorProcess) -> None:
    fresh.create_folder(5, "Marketing")
    fresh.create_list(40, "Leads", folder_id=5)
    body = {"email": "ann@example.com", "includeListIds": [40], "templateId": 3, "redirectionUrl": "https://x.test/"}
    assert (
        httpx.post(fresh.api_url + "/contacts/doubleOptinConfirmation", json=body, headers=HEADERS).status_code == 201
    )
    assert [r["email"] for r in fresh.doi_requests()] == ["ann@example.com"]
    assert fresh.members(40) == []
    assert fresh.confirm_doi(["ann@example.com"]) == ["ann@example.com"]
    assert [m["email"] for m in fresh.members(40)] == ["ann@example.com"]
    assert fresh.confirm_doi() == []
