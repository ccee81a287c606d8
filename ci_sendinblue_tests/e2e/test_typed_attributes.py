"""A typed mapping against the emulator over HTTP: the list holds each value as Brevo stores its attribute's
type; a value that does not fit is reported (materialization metadata and a blocking check), never silently
lost; a mapping Brevo could never take is refused before anything is sent."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ci_sendinblue.emulator.process import EmulatorProcess
from ci_sendinblue_tests.helpers import ATTRIBUTES, e2e_config

pytestmark = pytest.mark.e2e
NEWSLETTER = dg.AssetKey(["sendinblue", "newsletter"])
TYPED_ATTRIBUTES = [
    *ATTRIBUTES,
    "LTV:float",
    "BIRTHDAY:date",
    "OPTIN:boolean",
    "TIER:category(1=Gold|2=Silver|3=Platinum)",
    "INTERESTS:multiple-choice(Yoga|Running|Cooking)",
    "calculated/ORDERS:float",
    "transactional/ORDER_ID:id",
]
TYPED_MAPPING: dict[str, Any] = {
    "email": "Email",
    "FIRSTNAME": "FirstName",
    "LASTNAME": "LastName",
    "SMS": "Phone",
    "LTV": "LifetimeValue",
    "BIRTHDAY": {"column": "Birthday", "date_format": "%d/%m/%Y"},
    "OPTIN": "MarketingConsent",
    "TIER": "LoyaltyTier",
    "INTERESTS": {"column": "Interests", "separator": "|"},
}


@pytest.fixture
def typed_emulator(emulator: EmulatorProcess) -> EmulatorProcess:
    emulator.reset(
        lists={12: "Newsletter"},
        attributes=TYPED_ATTRIBUTES,
        process_delay=0.05,
        contacts_rate=None,
        hourly_budget=None,
    )
    return emulator


def typed_profiles(profiles_frame: pd.DataFrame, **edits: dict[str, str]) -> pd.DataFrame:
    """The shared profiles with a birthday and interests; ``edits`` by customer ID (C1 Ann, C3 Zoë, C5 Carl:
    the export's members)."""
    frame = profiles_frame.copy()
    frame["Birthday"] = ["11/02/1989", "01/01/1980", "03/12/1975", "", "29/02/1992"]
    frame["Interests"] = ["yoga|Running", "", "cooking", "", ""]
    frame.loc[frame["CustomerId"] == "C5", "LoyaltyTier"] = "Silver"
    for customer, values in edits.items():
        for column, value in values.items():
            frame.loc[frame["CustomerId"] == customer, column] = value
    return frame


def typed_config(api_url: str, **changes: Any) -> dict[str, Any]:
    return e2e_config(api_url, mapping=TYPED_MAPPING, **changes)


def listed(emulator: EmulatorProcess) -> dict[str, dict[str, Any]]:
    return {m["email"]: m["attributes"] for m in emulator.members(12)}


def imports(emulator: EmulatorProcess) -> int:
    return emulator.request_counts().get("POST /contacts/import", 0)


def test_typed_values_land_as_brevo_stores_each_type(typed_emulator, run_pipeline, profiles_frame):
    run = run_pipeline(typed_config(typed_emulator.api_url), typed_profiles(profiles_frame))
    assert run.result.success, run.failure_message
    held = listed(typed_emulator)
    assert held["ann@example.com"] == {
        "FIRSTNAME": "Ann",
        "LASTNAME": "Lee",
        "SMS": "+12065550142",
        "LTV": 1500.0,
        "BIRTHDAY": "1989-02-11",
        "OPTIN": True,
        "TIER": 1,
        "INTERESTS": ["Yoga", "Running"],
    }
    assert isinstance(held["ann@example.com"]["LTV"], float)
    assert {k: held["zoe@example.org"][k] for k in ("LTV", "BIRTHDAY", "TIER", "INTERESTS")} == {
        "LTV": 50.0,
        "BIRTHDAY": "1975-12-03",
        "TIER": 3,
        "INTERESTS": ["Cooking"],
    }
    carl = held["carl@example.net"]
    assert (carl["OPTIN"], carl["TIER"], carl["BIRTHDAY"], "INTERESTS" in carl) == (False, 2, "1992-02-29", False)
    check = _check(run, "unconvertible_values_within_threshold")
    assert check.passed and check.metadata["refused"].value == 0


def test_a_second_run_and_a_reconcile_resend_nothing_when_brevo_holds_the_typed_values(
    typed_emulator, run_pipeline, profiles_frame
):
    config, profiles = typed_config(typed_emulator.api_url), typed_profiles(profiles_frame)
    assert run_pipeline(config, profiles).result.success
    before = imports(typed_emulator)
    assert run_pipeline(config, profiles).result.success
    reconciled = run_pipeline(
        config, profiles, run_config={"ops": {"sendinblue__newsletter": {"config": {"reconcile": True}}}}
    )
    assert reconciled.result.success, reconciled.failure_message
    assert reconciled.metadata(NEWSLETTER)["unchanged"] == 3
    assert imports(typed_emulator) == before, "Brevo's stored typed values equal what a run sends"


def test_a_mistyped_value_is_left_out_reported_and_never_clears_brevos_value(
    typed_emulator, run_pipeline, profiles_frame
):
    config = typed_config(typed_emulator.api_url, clear_empty_attributes=True, max_unconvertible_share=0.5)
    assert run_pipeline(config, typed_profiles(profiles_frame)).result.success

    broken = typed_profiles(profiles_frame, C5={"Birthday": "31/02/1992", "LoyaltyTier": "Bronze", "FirstName": "Karl"})
    run = run_pipeline(config, broken)

    assert run.result.success, run.failure_message
    carl = listed(typed_emulator)["carl@example.net"]
    assert (carl["FIRSTNAME"], carl["BIRTHDAY"], carl["TIER"]) == ("Karl", "1992-02-29", 2), "kept, not cleared"
    reported = run.metadata(NEWSLETTER)["unconvertible_values"]
    assert reported["by_attribute_and_reason"] == {
        "BIRTHDAY: not a date in %d/%m/%Y": 1,
        "TIER: not one of Gold, Silver, Platinum": 1,
    }
    assert reported["contacts_affected"] == 1
    assert "c***@example.net: BIRTHDAY '3********2' (not a date in %d/%m/%Y)" in " ".join(reported["sample"])
    check = _check(run, "unconvertible_values_within_threshold")
    assert check.passed and check.metadata["refused_by_reason"].value["TIER: not one of Gold, Silver, Platinum"] == 1

    again = run_pipeline(config, broken)
    assert again.metadata(NEWSLETTER)["unconvertible_values"]["contacts_affected"] == 1, "reported until fixed"


def test_too_many_mistyped_values_block_the_export_and_send_nothing(typed_emulator, run_pipeline, profiles_frame):
    broken = typed_profiles(profiles_frame, C1={"Birthday": "1989-02-30"}, C3={"MarketingConsent": "perhaps"})
    run = run_pipeline(typed_config(typed_emulator.api_url), broken)
    assert not run.result.success
    assert "exports.newsletter.max_unconvertible_share" in run.failure_message
    assert (
        "BIRTHDAY: not a date in %d/%m/%Y: 1; OPTIN: not true or false: 1" in run.failure_message
        and "Nothing was sent" in run.failure_message
    )
    check = _check(run, "unconvertible_values_within_threshold")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert imports(typed_emulator) == 0 and listed(typed_emulator) == {}


@pytest.mark.parametrize(("attribute", "category"), [("ORDERS", "calculated"), ("ORDER_ID", "transactional")])
def test_mapping_to_an_attribute_brevo_fills_itself_is_refused_before_sending(
    typed_emulator, run_pipeline, profiles_frame, attribute, category
):
    config = typed_config(typed_emulator.api_url)
    config["exports"]["newsletter"]["mapping"][attribute] = "LifetimeValue"
    run = run_pipeline(config, typed_profiles(profiles_frame))
    assert not run.result.success
    assert f"exports.newsletter.mapping.{attribute}: {attribute} is a {category} attribute" in run.failure_message
    assert imports(typed_emulator) == 0


def test_an_option_that_does_not_fit_the_account_type_is_refused_before_sending(
    typed_emulator, run_pipeline, profiles_frame
):
    config = typed_config(typed_emulator.api_url)
    config["exports"]["newsletter"]["mapping"]["LTV"] = {"column": "LifetimeValue", "date_format": "%d/%m/%Y"}
    run = run_pipeline(config, typed_profiles(profiles_frame))
    assert not run.result.success
    assert "exports.newsletter.mapping.LTV.date_format" in run.failure_message
    assert "LTV is a float attribute in the Brevo account" in run.failure_message
    assert imports(typed_emulator) == 0


def _check(run, name: str) -> dg.AssetCheckEvaluation:
    [evaluation] = [
        e.event_specific_data
        for e in run.result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and e.event_specific_data.check_name == name
    ]
    return evaluation
