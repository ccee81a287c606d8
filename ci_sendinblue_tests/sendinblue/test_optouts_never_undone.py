"""Opt-outs are never undone: whatever a run does (a normal run, a full refresh, a reconcile, a mirror run),
it calls only routes that cannot lift a blocklist, and a contact blocklisted in Brevo stays blocklisted.

In process, against the emulator's Brevo model; ``e2e/test_optouts.py`` shows the same over HTTP."""

from __future__ import annotations

import copy
from pathlib import Path

import dagster as dg
import pytest

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.emulator.api import resolve
from ci_sendinblue.sendinblue.resources import SyncStateResource
from ci_sendinblue_tests.helpers import SAFE_ROUTES, InProcessBrevo, base_config, blocklist_flags, in_process_brevo

ANN = "ann@example.com"
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])


class Account:
    """One in-process Brevo account and one Dagster instance, so runs follow each other as a user's would."""

    def __init__(self, write_project, home: Path) -> None:
        self.brevo: InProcessBrevo = in_process_brevo()
        self.write_project = write_project
        home.mkdir()
        self.instance = dg.DagsterInstance.local_temp(str(home), overrides={"telemetry": {"enabled": False}})

    def run(self, config: dict, profiles=None, **options: bool) -> dict:
        path = self.write_project(config, profiles)
        defs = build_definitions(load_settings(path))
        configured = defs.resources["sendinblue_brevo"]
        result = dg.materialize(
            list(defs.assets or []),
            resources={
                **defs.resources,
                "sendinblue_brevo": self.brevo.resource(field_mappings=configured.field_mappings),
                "sync_state": SyncStateResource(),
            },
            instance=self.instance,
            run_config={"ops": {"sendinblue__newsletter": {"config": options}}} if options else None,
            raise_on_error=False,
        )
        assert result.success, [e.step_failure_data.error.message for e in result.get_step_failure_events()]
        [event] = [m for m in result.asset_materializations_for_node("sendinblue__newsletter")]
        return {k: v.value for k, v in event.metadata.items()}

    def blocklist(self, email: str) -> None:
        """Ann unsubscribes (e-mail) and answers STOP to an SMS, in Brevo, outside the project."""
        self.brevo.runtime.account.blocklist([email], "email")
        self.brevo.runtime.account.blocklist([email], "sms")

    def flags(self, email: str) -> tuple[bool, bool]:
        contact = self.brevo.runtime.account.contacts.get(email)
        assert contact is not None, f"{email} must still exist in Brevo"
        return contact.email_blacklisted, contact.sms_blacklisted

    def assert_only_safe_requests(self) -> None:
        routes = {f"{r.method} {resolve(r.method, r.path).template}" for r in self.brevo.sent}
        assert routes <= SAFE_ROUTES, routes - SAFE_ROUTES
        flags = [flag for r in self.brevo.sent for flag in blocklist_flags(r.body) if flag[1] is not False]
        assert flags == [], "a request asked Brevo to change a blocklist"


@pytest.fixture
def account(write_project, tmp_path) -> Account:
    return Account(write_project, tmp_path / "dagster_home")


def renamed(profiles_frame, first_name: str):
    changed = profiles_frame.copy()
    changed.loc[changed["CustomerId"] == "C1", "FirstName"] = first_name
    return changed


def test_a_blocklisted_member_stays_blocklisted_through_every_kind_of_run(account, profiles_frame):
    config = base_config()
    account.run(config)
    account.blocklist(ANN)

    normal = account.run(config, renamed(profiles_frame, "Annabel"))
    assert normal["updated"] == 1 and account.brevo.members()[ANN]["FIRSTNAME"] == "Annabel"
    assert account.flags(ANN) == (True, True)
    assert normal["contacts"]["blocklisted_members"] == 1
    assert "| Blocklisted members (Brevo does not e-mail them; no run lifts it) | 1 |" in normal["summary"]

    account.run(config, renamed(profiles_frame, "Annabel"), full_refresh=True)
    assert account.flags(ANN) == (True, True)

    account.run(config, renamed(profiles_frame, "Anna"), reconcile=True)
    assert account.flags(ANN) == (True, True)
    account.assert_only_safe_requests()


def test_a_mirror_run_unlinks_a_blocklisted_leaver_and_leaves_the_contact_and_its_opt_out(account, profiles_frame):
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"].update(mode="mirror", max_removal_share=0.5)
    account.run(config)
    account.blocklist(ANN)
    left = profiles_frame[~profiles_frame["Email"].str.strip().str.lower().eq(ANN)]

    metadata = account.run(config, left)

    assert metadata["removed"] == 1 and ANN not in account.brevo.members()
    assert account.flags(ANN) == (True, True)
    assert metadata["contacts"]["blocklisted_members"] == 0
    account.assert_only_safe_requests()
