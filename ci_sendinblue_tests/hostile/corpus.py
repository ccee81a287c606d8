"""The hostile-input corpus: profile rows, each with the outcome it must have in the Brevo list.

Every case is one or more profile rows (overrides of ``DEFAULT_ROW``) and an outcome:

- ``lands``: each contact in ``contacts`` is in the list with exactly these attributes (no more, no fewer);
- ``rejected``: no contact of the case is in the list, and ``where`` says where the reason is reported:
  ``segment`` (the segment's ``rejected_by_reason`` holds ``reason``), ``missing_key`` / ``duplicate_key``
  (``customer_profiles`` metadata), ``not_selected`` (no segment's rule matches; ``reason`` says why).

Phones that cannot be made valid land WITHOUT ``SMS``; ``phone`` says how the export counts the drop
(``invalid`` or ``shared``). See README.md beside this file for why each outcome is the one we chose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ci_sendinblue.segments.emails import MALFORMED, MISSING, TOO_LONG
from ci_sendinblue_tests.helpers import COLUMNS

# In segment seattle_high_value (City in [Seattle, Redmond] and LifetimeValue > 1000), no phone.
DEFAULT_ROW = {
    "FirstName": "Hostile",
    "Phone": "",
    "City": "Seattle",
    "Country": "US",
    "LifetimeValue": "2000",
    "LoyaltyTier": "Gold",
    "MarketingConsent": "true",
}
PLATINUM_ONLY = {"City": "Berlin", "Country": "DE", "LifetimeValue": "10", "LoyaltyTier": "Platinum"}


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    rows: list[dict[str, str]]
    outcome: str  # "lands" | "rejected"
    contacts: list[dict[str, Any]] = field(default_factory=list)  # {"email", "attributes"} for "lands"
    where: str | None = None
    reason: str | None = None
    phone: str | None = None  # "invalid" | "shared": an SMS dropped from a contact that lands


def _row(case_id: str, **values: str) -> dict[str, str]:
    return {"CustomerId": f"K-{case_id}", "LastName": case_id, "Email": f"{case_id}@example.com", **values}


def _attrs(row: dict[str, str], sms: str | None = None) -> dict[str, str]:
    """FIRSTNAME/LASTNAME as sent: surrounding white space trimmed, empty ones not sent."""
    attributes = {}
    for attribute, column in (("FIRSTNAME", "FirstName"), ("LASTNAME", "LastName")):
        value = row.get(column, DEFAULT_ROW.get(column, "")).strip()
        if value:
            attributes[attribute] = value
    if sms:
        attributes["SMS"] = sms
    return attributes


def email_lands(case_id: str, raw: str, expected: str) -> Case:
    row = _row(case_id, Email=raw)
    return Case(case_id, "email", [row], "lands", [{"email": expected, "attributes": _attrs(row)}])


def email_rejected(case_id: str, raw: str, reason: str) -> Case:
    return Case(case_id, "email", [_row(case_id, Email=raw)], "rejected", where="segment", reason=reason)


def phone(case_id: str, raw: str, sms: str | None, country: str = "US", drop: str | None = None) -> Case:
    row = _row(case_id, Phone=raw, Country=country)
    if sms is None and drop is None:
        drop = "invalid"
    return Case(
        case_id,
        "phone",
        [row],
        "lands",
        [{"email": f"{case_id}@example.com", "attributes": _attrs(row, sms)}],
        phone=drop,
    )


def name(case_id: str, last: str, expected: str | None = None, first: str | None = None) -> Case:
    row = _row(case_id, LastName=last, **({"FirstName": first} if first is not None else {}))
    attributes = _attrs(row)
    if expected is not None:
        assert attributes.get("LASTNAME") == (expected or None) or (not expected and "LASTNAME" not in attributes)
    return Case(case_id, "name", [row], "lands", [{"email": f"{case_id}@example.com", "attributes": attributes}])


_L64 = "l" * 64
_D189 = "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"  # 189 characters: 64 + 1 + 189 = 254

EMAIL_CASES = [
    email_lands("email_surrounding_spaces", " Spaces@Example.com ", "spaces@example.com"),
    email_lands("email_upper_case", "UPPER.CASE@EXAMPLE.COM", "upper.case@example.com"),
    email_lands("email_tab_crlf_around", "\temail_ws@example.com\r\n", "email_ws@example.com"),
    email_lands("email_nbsp_around", "\u00a0nbsp@example.com\u00a0", "nbsp@example.com"),
    email_lands("email_ideographic_space_after", "Wide@Example.com\u3000", "wide@example.com"),
    email_lands("email_plus_addressing", "plus+tag@example.com", "plus+tag@example.com"),
    email_lands("email_plus_upper_case", "Plus+Other@Example.COM", "plus+other@example.com"),
    email_lands("email_apostrophe", "o'brien@example.ie", "o'brien@example.ie"),
    email_lands("email_subdomains", "sub@mail.example.co.uk", "sub@mail.example.co.uk"),
    email_lands("email_punycode_domain", "puny@xn--bcher-kva.de", "puny@xn--bcher-kva.de"),
    email_lands("email_punycode_tld", "puny@example.xn--p1ai", "puny@example.xn--p1ai"),
    email_lands("email_all_specials_local", "a!#$%&*/=?^_`{|}~-x@example.com", "a!#$%&*/=?^_`{|}~-x@example.com"),
    email_lands("email_equals_prefix", "=cmd@example.com", "=cmd@example.com"),
    email_lands("email_local_64", _L64 + "@example.com", _L64 + "@example.com"),
    email_lands("email_254_chars", _L64 + "@" + _D189, _L64 + "@" + _D189),
    email_lands("email_test_word_in_domain", "svc@test.example.com", "svc@test.example.com"),
    email_rejected("email_idn_domain", "idn@bücher.de", MALFORMED),
    email_rejected("email_idn_local", "ülrich@example.com", MALFORMED),
    email_rejected("email_dotted_capital_i", "annİ@example.com", MALFORMED),
    email_rejected("email_fullwidth_at", "ann\uff20example.com", MALFORMED),
    email_rejected("email_quoted_local", '"quoted"@example.com', MALFORMED),
    email_rejected("email_quoted_with_space", '"john doe"@example.com', MALFORMED),
    email_rejected("email_double_dot_local", "double..dot@example.com", MALFORMED),
    email_rejected("email_leading_dot", ".lead@example.com", MALFORMED),
    email_rejected("email_trailing_dot_local", "trail.@example.com", MALFORMED),
    email_rejected("email_double_dot_domain", "dd@example..com", MALFORMED),
    email_rejected("email_missing_tld", "notld@example", MALFORMED),
    email_rejected("email_localhost", "local@localhost", MALFORMED),
    email_rejected("email_trailing_dot_domain", "trailing@example.com.", MALFORMED),
    email_rejected("email_ip_literal", "ip@[192.168.1.1]", MALFORMED),
    email_rejected("email_ip_domain", "ip@192.168.1.1", MALFORMED),
    email_rejected("email_numeric_tld", "num@example.123", MALFORMED),
    email_rejected("email_one_letter_tld", "tld@example.c", MALFORMED),
    email_rejected("email_hyphen_label", "hy@-example.com", MALFORMED),
    email_rejected("email_underscore_domain", "us@exam_ple.com", MALFORMED),
    email_rejected("email_special_use_test", "svc@example.test", MALFORMED),
    email_rejected("email_special_use_local", "svc@mail.local", MALFORMED),
    email_rejected("email_local_65", "l" * 65 + "@example.com", TOO_LONG),
    email_rejected("email_255_chars", _L64 + "@" + "a" + _D189, TOO_LONG),
    email_rejected(
        "email_300_chars",
        "x@" + "d" * 60 + "." + "e" * 60 + "." + "f" * 60 + "." + "g" * 60 + "." + "h" * 50 + ".com",
        TOO_LONG,
    ),
    email_rejected("email_control_char", "ctl\x01x@example.com", MALFORMED),
    email_rejected("email_escape_sequence", "esc\x1b[31m@example.com", MALFORMED),
    email_rejected("email_delete_char", "del\x7f@example.com", MALFORMED),
    email_rejected("email_trailing_bell", "bell@example.com\x07", MALFORMED),
    email_rejected("email_zero_width_space", "zw\u200b@example.com", MALFORMED),
    email_rejected("email_space_inside", "has space@example.com", MALFORMED),
    email_rejected("email_two_ats", "two@@example.com", MALFORMED),
    email_rejected("email_no_at", "plainaddress", MALFORMED),
    email_rejected("email_no_local", "@example.com", MALFORMED),
    email_rejected("email_no_domain", "nodomain@", MALFORMED),
    email_rejected("email_comma_list", "one@example.com,two@example.com", MALFORMED),
    email_rejected("email_semicolon_list", "one@example.com;two@example.com", MALFORMED),
    email_rejected("email_display_name", "Ann <ann.display@example.com>", MALFORMED),
    email_rejected("email_mailto", "mailto:mailto@example.com", MALFORMED),
    email_rejected("email_literal_null", "NULL", MALFORMED),
    email_rejected("email_empty", "", MISSING),
    email_rejected("email_whitespace_only", "   ", MISSING),
]

PHONE_CASES = [
    phone("phone_e164", "+12065550101", "+12065550101"),
    phone("phone_parentheses", "(206) 555-0102", "+12065550102"),
    phone("phone_dashes", "206-555-0103", "+12065550103"),
    phone("phone_dots", "206.555.0104", "+12065550104"),
    phone("phone_spaces", "206 555 0105", "+12065550105"),
    phone("phone_leading_00", "0012065550106", "+12065550106"),
    phone("phone_leading_00_spaced", "00 1 206 555 0107", "+12065550107"),
    phone("phone_surrounding_white_space", "\t+1 206 555 0108 ", "+12065550108"),
    phone("phone_fullwidth_digits", "".join(chr(0xFF10 + int(d)) for d in "2065550109"), "+12065550109"),
    phone("phone_national_fr", "06 12 34 56 78", "+33612345678", country="FR"),
    phone("phone_national_de", "030 1234567", "+49301234567", country="DE"),
    phone("phone_country_lower_case", "07911 123456", "+447911123456", country="gb"),
    phone("phone_country_missing_uses_default", "206 555 0113", "+12065550113", country=""),
    phone("phone_country_not_iso_national", "030 1234568", None, country="Germany"),
    phone("phone_country_not_iso_international", "+49 30 1234569", "+49301234569", country="Germany"),
    phone("phone_letters_vanity", "1-800-FLOWERS", None),
    phone("phone_letter_o_for_zero", "206-555-O117", None),
    phone("phone_words", "call me", None),
    phone("phone_too_short", "555-0119", None),
    phone("phone_too_long", "206555012000000", None),
    phone("phone_extension_ext", "206-555-0121 ext. 12", None),
    phone("phone_extension_x", "206-555-0122 x3", None),
    phone("phone_two_numbers", "206-555-0123 / 206-555-0124", None),
    phone("phone_plus_and_00", "+0012065550125", None),
    phone("phone_unknown_country_code", "+999 1234567", None),
    phone("phone_decimal_text", "2065550126.0", None),
    phone("phone_scientific_text", "2.065550127e9", None),
    phone("phone_empty", "", None, drop="none"),
    phone("phone_whitespace_only", "   ", None, drop="none"),
]


def _shared_phone(case_id: str, first: str, second: str, sms: str) -> Case:
    rows = [_row(case_id, Phone=first), _row(f"{case_id}_2", Phone=second)]
    contacts = [
        {"email": f"{case_id}@example.com", "attributes": _attrs(rows[0], sms)},
        {"email": f"{case_id}_2@example.com", "attributes": _attrs(rows[1])},
    ]
    return Case(case_id, "phone", rows, "lands", contacts, phone="shared")


PHONE_CASES += [
    _shared_phone("phone_shared_same_text", "+12065550129", "+12065550129", "+12065550129"),
    _shared_phone("phone_shared_other_format", "+12065550130", "(206) 555-0130", "+12065550130"),
]

NAME_CASES = [
    name("name_semicolon", "O'Brien; Jr"),
    name("name_comma", "Lee, Ann"),
    name("name_double_quotes", 'Say "hi"'),
    name("name_single_quote", "O'Neil"),
    name("name_newline", "Line1\nLine2"),
    name("name_crlf", "Line1\r\nLine2"),
    name("name_tab_inside", "Tab\tInside"),
    name("name_surrounding_spaces_trimmed", "  Padded  ", "Padded"),
    name("name_surrounding_tab_newline_trimmed", "\tEdges\n", "Edges"),
    name("name_whitespace_only_not_sent", "   ", ""),
    name("name_first_name_empty_not_sent", "Lastonly", first=""),
    name("name_equals_formula", '=HYPERLINK("http://evil.example","x")'),
    name("name_plus_prefix", "+SUM(1,2)"),
    name("name_minus_prefix", "-2+3"),
    name("name_at_prefix", "@SUM(A1)"),
    name("name_emoji", "Ann \U0001f600"),
    name("name_emoji_zwj_sequence", "\U0001f469\u200d\U0001f469\u200d\U0001f467 Family"),
    name("name_flag_emoji", "\U0001f1eb\U0001f1f7 Flag"),
    name("name_arabic", "محمد بن سلمان"),
    name("name_hebrew", "שלום עליכם"),
    name("name_rtl_override", "\u202eevil\u202c"),
    name("name_combining_nfd", "Zoe\u0308"),
    name("name_cjk_extension_b", "\U0002000b\U0002000c"),
    name("name_10000_chars", "Ünïcødé-" * 1250),
    name("name_html", "<script>alert(1)</script>"),
    name("name_json", '{"a": 1, "b": [null]}'),
    name("name_backslashes", "C:\\new\\table"),
    name("name_literal_null", "NULL"),
    name("name_literal_nan", "nan"),
    name("name_literal_none", "None"),
    name("name_bell_char", "Bell\x07"),
    name("name_ansi_escape", "\x1b[31mRed\x1b[0m"),
    name("name_unit_separator_trimmed", "Unit\x1f", "Unit"),
    name("name_bom_inside", "\ufeffBom"),
    name("name_line_separator", "A\u2028B"),
    name("name_everything", 'a;b,"c"\'d\ne\tf=g+h-i@j'),
    name("name_format_strings", "%s %d {0} ${HOME}"),
    name("name_sql", "Robert'); DROP TABLE Students;--"),
]


def _duplicates(case_id: str, rows: list[dict[str, str]], winner: int) -> Case:
    email = rows[0]["Email"].strip().lower()
    return Case(case_id, "duplicate", rows, "lands", [{"email": email, "attributes": _attrs(rows[winner])}])


DUPLICATE_CASES = [
    _duplicates(
        "dup_file_order",
        [
            _row("dup_file_order", FirstName="First"),
            _row("dup_file_order_b", Email="dup_file_order@example.com", FirstName="Second"),
        ],
        0,
    ),
    _duplicates(
        "dup_case_and_spaces",
        [
            _row("dup_case_and_spaces", Email="Dup_Case_And_Spaces@Example.com ", FirstName="Upper"),
            _row("dup_case_and_spaces_b", Email="dup_case_and_spaces@example.com", FirstName="Lower"),
        ],
        0,
    ),
    _duplicates(
        "dup_segment_order",
        [
            _row("dup_segment_order", FirstName="PlatinumEarlierInFile", **PLATINUM_ONLY),
            _row("dup_segment_order_b", Email="dup_segment_order@example.com", FirstName="SeattleLater"),
        ],
        1,
    ),
    _duplicates(
        "dup_first_row_empty_attribute_no_merge",
        [
            _row("dup_first_row_empty_attribute_no_merge", LastName=""),
            _row(
                "dup_first_row_empty_attribute_no_merge_b",
                Email="dup_first_row_empty_attribute_no_merge@example.com",
                LastName="Filled",
            ),
        ],
        0,
    ),
    _duplicates(
        "dup_first_row_invalid_phone_no_merge",
        [
            _row("dup_first_row_invalid_phone_no_merge", Phone="12"),
            _row(
                "dup_first_row_invalid_phone_no_merge_b",
                Email="dup_first_row_invalid_phone_no_merge@example.com",
                Phone="+12065550140",
            ),
        ],
        0,
    ),
    _duplicates(
        "dup_three_rows",
        [
            _row("dup_three_rows", FirstName="One"),
            _row("dup_three_rows_b", Email="DUP_THREE_ROWS@EXAMPLE.COM", FirstName="Two"),
            _row("dup_three_rows_c", Email=" dup_three_rows@example.com", FirstName="Three"),
        ],
        0,
    ),
]
# The first row of dup_first_row_invalid_phone_no_merge wins and its phone "12" is invalid.
DUPLICATE_CASES[4] = Case(**{**DUPLICATE_CASES[4].__dict__, "phone": "invalid"})

KEY_CASES = [
    Case("key_missing", "key", [_row("key_missing", CustomerId="")], "rejected", where="missing_key"),
    Case(
        "key_whitespace_only", "key", [_row("key_whitespace_only", CustomerId="   ")], "rejected", where="missing_key"
    ),
    Case(
        "key_shared",
        "key",
        [_row("key_shared", CustomerId="K-SHARED"), _row("key_shared_b", CustomerId="K-SHARED")],
        "rejected",
        where="duplicate_key",
        reason="K-SHARED",
    ),
    Case(
        "key_shared_after_trim",
        "key",
        [_row("key_shared_after_trim", CustomerId="K-TRIM"), _row("key_shared_after_trim_b", CustomerId=" K-TRIM ")],
        "rejected",
        where="duplicate_key",
        reason="K-TRIM",
    ),
]
for _case_id, _key in (
    ("key_literal_null", "NULL"),
    ("key_quotes_semicolon", 'K;"1",x'),
    ("key_emoji", "\U0001f511 42"),
):
    _r = _row(_case_id, CustomerId=_key)
    KEY_CASES.append(
        Case(_case_id, "key", [_r], "lands", [{"email": f"{_case_id}@example.com", "attributes": _attrs(_r)}])
    )


def _typed(case_id: str, outcome: str, reason: str | None = None, **values: str) -> Case:
    r = _row(case_id, **values)
    if outcome == "lands":
        return Case(case_id, "rule_value", [r], "lands", [{"email": f"{case_id}@example.com", "attributes": _attrs(r)}])
    return Case(case_id, "rule_value", [r], "rejected", where="not_selected", reason=reason)


RULE_VALUE_CASES = [
    _typed(
        "ltv_not_a_number", "rejected", "LifetimeValue 'n/a' is no number: gt 1000 does not match", LifetimeValue="n/a"
    ),
    _typed(
        "ltv_thousands_separator", "rejected", "'1,500' is no number (decimal notation only)", LifetimeValue="1,500"
    ),
    _typed("ltv_decimal", "lands", LifetimeValue="1000.01"),
    _typed("ltv_scientific", "lands", LifetimeValue="1.5e3"),
    _typed("ltv_surrounding_spaces", "lands", LifetimeValue=" 2000 "),
    _typed("city_upper_case", "rejected", "eq/in compare text exactly unless ignore_case", City="SEATTLE"),
    _typed("city_trailing_space", "rejected", "'Seattle ' is not 'Seattle'", City="Seattle "),
    _typed(
        "tier_lower_case", "rejected", "'platinum' is not 'Platinum'", **{**PLATINUM_ONLY, "LoyaltyTier": "platinum"}
    ),
]

CASES: list[Case] = EMAIL_CASES + PHONE_CASES + NAME_CASES + DUPLICATE_CASES + KEY_CASES + RULE_VALUE_CASES


def profile_rows() -> list[dict[str, str]]:
    """Every case's rows, in corpus order, with the defaults filled in."""
    return [
        {column: {**DEFAULT_ROW, **row}.get(column, "") for column in COLUMNS} for case in CASES for row in case.rows
    ]


def row_numbers() -> dict[str, list[int]]:
    """Data row numbers (1 = first row after the header) of each case's rows in ``profile_rows()``."""
    numbers: dict[str, list[int]] = {}
    n = 0
    for case in CASES:
        numbers[case.id] = list(range(n + 1, n + 1 + len(case.rows)))
        n += len(case.rows)
    return numbers


def case_emails(case: Case) -> set[str]:
    """Every form of every email of the case that could show up in the list."""
    return {form for row in case.rows for form in (row["Email"], row["Email"].strip().lower())}


assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
_landing = [c["email"] for case in CASES for c in case.contacts]
assert len(set(_landing)) == len(_landing), "each landing contact must have its own email"
