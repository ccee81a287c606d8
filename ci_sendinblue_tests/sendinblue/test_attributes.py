"""The pre-flight reads the account's attribute types and refuses, before anything is sent, a mapping Brevo
could never take as written."""

from __future__ import annotations

import pytest

from ci_sendinblue.sendinblue.attributes import AccountAttribute, parse_attributes, plan_conversions
from ci_sendinblue.sendinblue.errors import MappingRefused
from ci_sendinblue.sendinblue.mapping import FieldMapping
from ci_sendinblue_tests.helpers import LISTED_ATTRIBUTES

ACCOUNT = parse_attributes(LISTED_ATTRIBUTES)


def mapping(formats: dict | None = None, **attributes: str) -> FieldMapping:
    return FieldMapping.parse({"email": "Email", **attributes}, formats, {"date_format": "%d/%m/%Y"})


def test_each_attribute_is_read_with_its_kind_leniently() -> None:
    kinds = {name: attribute.kind for name, attribute in ACCOUNT.items()}
    assert kinds == {
        "FIRSTNAME": "text",
        "LTV": "float",
        "BIRTHDAY": "date",
        "OPTIN": "boolean",
        "TIER": "category",
        "SIZE": "category",
        "INTERESTS": "multiple-choice",
        "ORDER_ID": "id",
        "ORDER_TOTAL": "float",
        "ORDERS": "text",
        "ALL_ORDERS": "text",
        "SMS": "text",
        "LEGACY": "text",
    }
    assert ACCOUNT["TIER"].enumeration == ((1, "Gold"), (2, "Silver"))
    assert ACCOUNT["INTERESTS"].options == ("Yoga", "Run")


def test_a_typed_mapping_is_planned_with_the_profiles_defaults_and_its_own_options() -> None:
    planned = plan_conversions(
        mapping({"LTV": {"decimal_separator": ","}}, LTV="Value", BIRTHDAY="Born", TIER="Tier", FIRSTNAME="First"),
        ACCOUNT,
        export_name="news",
    )
    assert {a: c.kind for a, c in planned.items()} == {
        "LTV": "float",
        "BIRTHDAY": "date",
        "TIER": "category",
        "FIRSTNAME": "text",
    }
    assert planned["LTV"].format.decimal_separator == ","
    assert planned["BIRTHDAY"].format.date_format == "%d/%m/%Y"
    assert not planned["FIRSTNAME"].typed and planned["FIRSTNAME"].signature == ""


@pytest.mark.parametrize(
    ("attribute", "why"),
    [
        ("ORDER_ID", "ORDER_ID is a transactional attribute"),
        ("ORDER_TOTAL", "ORDER_TOTAL is a transactional attribute"),
        ("ORDERS", "ORDERS is a calculated attribute in the Brevo account: Brevo computes its value"),
        ("ALL_ORDERS", "ALL_ORDERS is a global attribute"),
    ],
)
def test_an_attribute_brevo_fills_itself_is_refused_naming_export_attribute_and_why(attribute: str, why: str) -> None:
    with pytest.raises(MappingRefused) as refused:
        plan_conversions(mapping(**{attribute: "Column"}), ACCOUNT, export_name="news")
    assert f"exports.news.mapping.{attribute}: {why}" in str(refused.value)
    assert "nothing was sent" in str(refused.value)


def test_an_option_that_does_not_fit_the_attribute_type_is_refused_with_the_account_type() -> None:
    wrong = mapping({"LTV": {"date_format": "%d/%m/%Y"}, "FIRSTNAME": {"separator": "|"}}, LTV="V", FIRSTNAME="F")
    with pytest.raises(MappingRefused) as refused:
        plan_conversions(wrong, ACCOUNT, export_name="news")
    message = str(refused.value)
    assert "exports.news.mapping.LTV.date_format: '%d/%m/%Y' applies to date attributes, and LTV is a float" in message
    assert "exports.news.mapping.FIRSTNAME.separator: '|' applies to multiple-choice attributes" in message


def test_a_list_column_is_refused_for_anything_but_a_multiple_choice_attribute() -> None:
    with pytest.raises(MappingRefused, match="column 'Tags' holds lists"):
        plan_conversions(mapping(FIRSTNAME="Tags"), ACCOUNT, export_name="news", list_columns=["Tags"])
    planned = plan_conversions(mapping(INTERESTS="Tags"), ACCOUNT, export_name="news", list_columns=["Tags"])
    assert planned["INTERESTS"].kind == "multiple-choice"


def test_a_change_of_type_or_option_changes_the_signature_that_keys_the_hashes() -> None:
    def signature(listed: dict, formats: dict | None = None) -> str:
        account = {"X": AccountAttribute.parse(listed)}
        return plan_conversions(mapping(formats, X="C"), account, export_name="e")["X"].signature

    floats = signature({"name": "X", "type": "float"})
    assert floats != signature({"name": "X", "type": "float"}, {"X": {"decimal_separator": ","}})
    assert floats != signature({"name": "X", "type": "date"})
    gold = {"name": "X", "category": "category", "enumeration": [{"value": 1, "label": "Gold"}]}
    assert signature(gold) != signature({**gold, "enumeration": [{"value": 2, "label": "Gold"}]})
