"""Imports do not e-mail the account owner unless the export asks for Brevo's mail: what the list asset sends,
through the project's resource and client, to the emulator's Brevo model."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg

from ci_sendinblue.config.loading import load_settings
from ci_sendinblue.definitions import build_definitions
from ci_sendinblue.sendinblue.resources import SyncStateResource
from ci_sendinblue_tests.helpers import base_config, in_process_brevo


def import_options(write_project: Callable[..., Path], **export: Any) -> list[bool]:
    """``disableNotification`` of every import body a run of the configured export sends."""
    config = copy.deepcopy(base_config())
    config["exports"]["newsletter"].update(export)
    defs = build_definitions(load_settings(write_project(config)))
    configured = defs.resources["sendinblue_brevo"]
    brevo = in_process_brevo()
    result = dg.materialize(
        list(defs.assets or []),
        resources={
            **defs.resources,
            "sendinblue_brevo": brevo.resource(field_mappings=configured.field_mappings),
            "sync_state": SyncStateResource(),
        },
        raise_on_error=False,
    )
    assert result.success
    bodies = [r.body for r in brevo.sent if (r.method, r.path) == ("POST", "/contacts/import")]
    assert bodies
    return [body["disableNotification"] for body in bodies]


def test_every_import_asks_brevo_not_to_mail_the_account_owner(write_project):
    assert import_options(write_project) == [True]


def test_an_export_can_turn_brevos_import_mail_back_on(write_project):
    assert import_options(write_project, notify_on_import=True) == [False]
