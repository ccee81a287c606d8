"""Typed attributes: how they are configured and listed, and what a contact write stores in each (Brevo
ignores a value that does not fit its attribute's type)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from ci_sendinblue.emulator.attributes import Attribute, parse_spec, to_cli_spec
from ci_sendinblue.emulator.cli import build_parser, settings_from_args

from .helpers import MakeClient, complete, import_json, members

TYPED = (
    "FIRSTNAME",
    "LIFETIME_VALUE:float",
    "BIRTHDAY:date",
    "VIP:boolean",
    "TIER:category(1=Gold|2=Silver)",
    "HOBBIES:multiple-choice(Sport|Music|Travel)",
    "transactional/ORDER_ID:id",
    "calculated/TOTAL:float",
    "global/SHOP:text",
)


@pytest.fixture
def typed(make_client: MakeClient) -> TestClient:
    return make_client(attributes=TYPED)


def imported(client: TestClient, attributes: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The attributes ann@example.com holds after an import of ``attributes`` into list 12."""
    import_json(client, [{"email": "ann@example.com", "attributes": attributes}], [12], **options)
    complete(client)
    return members(client, 12)[0]["attributes"]


def test_attributes_are_listed_with_category_type_and_enumeration(typed: TestClient) -> None:
    listed = typed.get("/v3/contacts/attributes").json()["attributes"]
    assert listed == [
        {"name": "FIRSTNAME", "category": "normal", "type": "text"},
        {"name": "LIFETIME_VALUE", "category": "normal", "type": "float"},
        {"name": "BIRTHDAY", "category": "normal", "type": "date"},
        {"name": "VIP", "category": "normal", "type": "boolean"},
        {"name": "TIER", "category": "category", "enumeration": [{"value": 1, "label": "Gold"},
                                                                 {"value": 2, "label": "Silver"}]},
        {"name": "HOBBIES", "category": "normal", "type": "multiple-choice",
         "multiCategoryOptions": ["Sport", "Music", "Travel"]},
        {"name": "ORDER_ID", "category": "transactional", "type": "id"},
        {"name": "TOTAL", "category": "calculated", "type": "float"},
        {"name": "SHOP", "category": "global", "type": "text"},
    ]  # fmt: skip


def test_attributes_given_as_json_objects_equal_their_compact_specs(make_client: MakeClient) -> None:
    objects = [
        {"name": "tier", "category": "category", "enumeration": [{"value": 1, "label": "Gold"}]},
        {"name": "HOBBIES", "type": "multiple-choice", "multiCategoryOptions": ["Sport"]},
        {"name": "ORDER_ID", "category": "transactional", "type": "id"},
    ]
    specs = ["TIER:category(1=Gold)", "HOBBIES:multiple-choice(Sport)", "transactional/ORDER_ID:id"]
    by_objects = make_client(attributes=objects).get("/v3/contacts/attributes").json()
    assert by_objects == make_client(attributes=specs).get("/v3/contacts/attributes").json()


def test_inspection_reset_takes_typed_attributes(client: TestClient) -> None:
    spec = {"name": "SCORE", "category": "normal", "type": "float"}
    client.post("/_emulator/reset", json={"attributes": ["FIRSTNAME", spec]}).raise_for_status()
    listed = client.get("/v3/contacts/attributes").json()["attributes"]
    assert listed == [{"name": "FIRSTNAME", "category": "normal", "type": "text"}, spec]


def test_inspection_reset_refuses_a_bad_attribute_naming_it(client: TestClient) -> None:
    response = client.post("/_emulator/reset", json={"attributes": [{"name": "X", "type": "colour"}]})
    assert response.status_code == 400
    assert "attribute X" in response.json()["message"]


def test_cli_reads_typed_specs_and_keeps_plain_names_upper_cased() -> None:
    args = build_parser().parse_args(["--attributes", "prenom, SCORE:float,TIER:category(1=Gold|2=Silver)"])
    assert settings_from_args(args).attributes == ("PRENOM", "SCORE:float", "TIER:category(1=Gold|2=Silver)")


@pytest.mark.parametrize(
    "spec", ["X:colour", "TIER:category(Gold)", "normal/ORDER_ID:id", "X:float(1)", "HOBBIES:multiple-choice()"]
)
def test_cli_refuses_a_bad_spec(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--attributes", spec])
    assert "--attributes" in capsys.readouterr().err
    with pytest.raises(ValueError):
        parse_spec(spec)


def test_compact_specs_round_trip() -> None:
    for spec in TYPED[1:]:
        assert parse_spec(to_cli_spec(spec)) == parse_spec(spec)
    assert parse_spec("FIRSTNAME") == Attribute("FIRSTNAME")


def test_a_label_the_compact_form_cannot_carry_is_refused() -> None:
    with pytest.raises(ValueError, match="TIER"):
        to_cli_spec({"name": "TIER", "category": "category", "enumeration": [{"value": 1, "label": "A|B"}]})


# -- what an import stores ----------------------------------------------------------------------------------
def test_numbers_stay_numbers_booleans_booleans_and_arrays_arrays(typed: TestClient) -> None:
    sent = {"LIFETIME_VALUE": 1299.5, "BIRTHDAY": "1989-02-11", "VIP": True, "TIER": 2, "HOBBIES": ["Sport", "Travel"]}
    assert imported(typed, sent) == sent


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LIFETIME_VALUE", "1299.50"),  # numeric text into a float
        ("LIFETIME_VALUE", True),
        ("BIRTHDAY", "11/02/1989"),
        ("BIRTHDAY", "1989-02-30"),  # not a real day
        ("BIRTHDAY", "1989-02-11T10:00:00"),
        ("VIP", "true"),
        ("VIP", 1),
        ("TIER", 3),  # not in the enumeration
        ("TIER", "Gold"),  # a label, not a value
        ("TIER", "1"),
        ("HOBBIES", "Sport"),
        ("HOBBIES", ["Sport", "Chess"]),
        ("FIRSTNAME", ["Ann"]),
        ("FIRSTNAME", {"first": "Ann"}),
        ("ORDER_ID", "A-1"),  # transactional
        ("TOTAL", 12.0),  # calculated
        ("SHOP", "Paris"),  # global
        ("UNKNOWN", "x"),
    ],
)
def test_a_value_that_does_not_fit_its_attribute_is_ignored(typed: TestClient, name: str, value: Any) -> None:
    assert imported(typed, {"FIRSTNAME": "Ann", name: value} if name != "FIRSTNAME" else {name: value}) == (
        {"FIRSTNAME": "Ann"} if name != "FIRSTNAME" else {}
    )


@pytest.mark.parametrize(("value", "stored"), [(12, "12"), (1.5, "1.5"), (True, "true"), ("  Ann ", "  Ann ")])
def test_text_attributes_keep_numbers_and_booleans_as_their_text(typed: TestClient, value: Any, stored: str) -> None:
    assert imported(typed, {"FIRSTNAME": value}) == {"FIRSTNAME": stored}


def test_a_mistyped_value_leaves_the_stored_one_alone(typed: TestClient) -> None:
    imported(typed, {"LIFETIME_VALUE": 10})
    assert imported(typed, {"LIFETIME_VALUE": "20"}) == {"LIFETIME_VALUE": 10}


def test_an_empty_value_clears_any_type_with_empty_contacts_attributes(typed: TestClient) -> None:
    imported(typed, {"LIFETIME_VALUE": 10, "VIP": False, "TIER": 1, "HOBBIES": ["Music"], "FIRSTNAME": "Ann"})
    cleared = {"LIFETIME_VALUE": "", "VIP": "", "TIER": "", "HOBBIES": ""}
    assert imported(typed, cleared) == {
        "LIFETIME_VALUE": 10,
        "VIP": False,
        "TIER": 1,
        "HOBBIES": ["Music"],
        "FIRSTNAME": "Ann",
    }
    assert imported(typed, cleared, emptyContactsAttributes=True) == {"FIRSTNAME": "Ann"}


def test_csv_cells_are_read_as_their_attributes_type(typed: TestClient) -> None:
    body = "EMAIL;LIFETIME_VALUE;BIRTHDAY;VIP;TIER;HOBBIES\nann@example.com;1299.50;1989-02-11;true;2;Sport,Music\n"
    bad = "bob@example.com;12,5;11/02/1989;yes;Gold;Chess\n"
    typed.post("/v3/contacts/import", json={"fileBody": body + bad, "listIds": [12]}).raise_for_status()
    complete(typed)
    stored = {m["email"]: m["attributes"] for m in members(typed, 12)}
    assert stored == {
        "ann@example.com": {"LIFETIME_VALUE": 1299.5, "BIRTHDAY": "1989-02-11", "VIP": True, "TIER": 2,
                            "HOBBIES": ["Sport", "Music"]},
        "bob@example.com": {},
    }  # fmt: skip


# -- other writes and reads --------------------------------------------------------------------------------
def test_create_contact_applies_the_same_typing(typed: TestClient) -> None:
    sent = {"LIFETIME_VALUE": "1299.50", "VIP": True, "TIER": 1, "ORDER_ID": "A-1"}
    assert typed.post("/v3/contacts", json={"email": "ann@example.com", "attributes": sent}).status_code == 201
    assert typed.get("/_emulator/contacts").json()[0]["attributes"] == {"VIP": True, "TIER": 1}


def test_list_contacts_return_the_stored_json_types(typed: TestClient) -> None:
    sent = {"LIFETIME_VALUE": 3, "VIP": False, "HOBBIES": ["Music"]}
    imported(typed, sent)
    contact = typed.get("/v3/contacts/lists/12/contacts").json()["contacts"][0]
    assert contact["attributes"] == sent
    assert type(contact["attributes"]["LIFETIME_VALUE"]) is int
