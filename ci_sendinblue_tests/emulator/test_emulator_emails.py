"""The bulk email check of imports decides every address exactly as the address-by-address rule does.

``normalize_emails`` lets a fast pattern accept plain addresses without asking email-validator; these tests
hold it to the same answers as ``normalize_email`` (email-validator itself) on hostile inputs, at every
limit of the plain-address shape, on one-character edits of plain addresses and on random near-addresses.
"""

from __future__ import annotations

import random

import pytest

from ci_sendinblue.emulator.emails import normalize_email, normalize_emails
from ci_sendinblue_tests.hostile.corpus import CASES

_LOCAL_64 = "l" * 64
_LABEL_63 = "d" * 63
_UNICODE = ["é", "İ", "\u212a", "\u017f", "\u00a0", "\u3000", "\uff20", "\uff0e", "\u3002", "\u200b", "\u0301", "ﬀ"]
_PLAIN = ["ann.lee@mail.example.com", "O'Brien+news@Example.CO.UK", "x@a-b.io"]


def _assert_same_decisions(addresses: list[object]) -> None:
    expected = [normalize_email(address) for address in addresses]
    decided = normalize_emails(addresses)
    mismatches = [(a, d, e) for a, d, e in zip(addresses, decided, expected, strict=True) if d != e]
    assert mismatches == []
    assert any(e is None for e in expected) and any(e is not None for e in expected), "corpus must cut both ways"


def _hostile_emails() -> list[object]:
    return [row["Email"] for case in CASES for row in case.rows]


def _limits() -> list[object]:
    """Addresses on each side of every limit the fast pattern encodes."""
    domain_189 = "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"
    addresses: list[object] = [
        _LOCAL_64 + "@example.com",
        _LOCAL_64 + "l@example.com",
        "l" * 200 + "@example.com",
        _LOCAL_64 + "@" + domain_189,
        _LOCAL_64 + "@a" + domain_189,
        "x@" + "a" * 249 + ".com",
        "x@" + "a" * 250 + ".com",
        f"x@{_LABEL_63}.com",
        f"x@{_LABEL_63}d.com",
        f"x@example.{'c' * 63}",
        f"x@example.{'c' * 64}",
        "x@example.c",
        "x@example.co",
        "x@example.c0m",
        "x@example.123",
        "x@example.com.",
        "x@.example.com",
        "x@example..com",
        "x@-example.com",
        "x@example-.com",
        "x@ex--ample.com",
        "x@ab--cd.com",
        "x@a--b.com",
        "x@xn--bcher-kva.de",
        "x@xn--zzzz.de",
        "x@XN--BCHER-KVA.DE",
        "x@example.xn--p1ai",
        "x@exam_ple.com",
        "x@[192.168.1.1]",
        "x@192.168.1.1",
        "x@example",
        ".x@example.com",
        "x.@example.com",
        "x..y@example.com",
        '"x"@example.com',
        "x@@example.com",
        "@example.com",
        "x@",
        "",
        " ",
        " x@example.com ",
        "\tx@example.com\n",
        "x@example.com\n",
        "Ann <x@example.com>",
    ]
    for special in ("test", "local", "localhost", "invalid", "onion", "arpa", "example"):
        for spelling in (special, special.upper(), special.capitalize()):
            addresses += [f"x@mail.{spelling}", f"x@{spelling}.example.com", f"x@{spelling}", f"x@my{spelling}.com"]
    for mailbox in ("info", "POSTMASTER", "Support"):
        addresses.append(f"{mailbox}@example.com")
    return addresses


def _one_character_edits() -> list[object]:
    """Every plain address with each ASCII and some tricky Unicode characters inserted at, or put in place
    of, each position, and with each character removed."""
    alphabet = [chr(code) for code in range(128)] + _UNICODE
    addresses: list[object] = []
    for plain in _PLAIN:
        for position in range(len(plain) + 1):
            addresses.append(plain[:position] + plain[position + 1 :])
            for character in alphabet:
                addresses.append(plain[:position] + character + plain[position:])
                addresses.append(plain[:position] + character + plain[position + 1 :])
    return addresses


def _near_addresses(count: int, seed: int) -> list[object]:
    """Random local@domain strings whose pieces sit near the edges of the rule, some with a stray fragment."""
    pieces = ["a", "Z", "0", "9", "-", "_", "+", "'", "xn--", "--", "ex", "ample", *_UNICODE[:4]]
    strays = [".", "..", "@", " ", "\t", '"', "<", ">", "[", "]", "\x00", "\x7f", *_UNICODE]
    top_levels = ["com", "co", "c", "C0M", "io", "test", "LOCAL", "xn--p1ai", "123", "é"]
    chooser = random.Random(seed)

    def word() -> str:
        return "".join(chooser.choices(pieces, k=chooser.randint(1, 4)))

    addresses: list[object] = []
    for _ in range(count):
        local = ".".join(word() for _ in range(chooser.randint(1, 3)))
        labels = [word() for _ in range(chooser.randint(0, 3))]
        address = local + "@" + ".".join([*labels, chooser.choice(top_levels)])
        if chooser.random() < 0.3:
            position = chooser.randint(0, len(address))
            address = address[:position] + chooser.choice(strays) + address[position:]
        addresses.append(address)
    return addresses


def test_bulk_check_decides_as_email_validator_on_the_hostile_inputs() -> None:
    _assert_same_decisions(_hostile_emails())


def test_bulk_check_decides_as_email_validator_at_every_limit_of_the_plain_shape() -> None:
    _assert_same_decisions(_limits())


def test_bulk_check_decides_as_email_validator_on_one_character_edits() -> None:
    _assert_same_decisions(_one_character_edits())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bulk_check_decides_as_email_validator_on_random_near_addresses(seed: int) -> None:
    _assert_same_decisions(_near_addresses(3000, seed))


def test_bulk_check_refuses_values_that_are_not_text_among_addresses() -> None:
    assert normalize_emails([None, "Ann@Example.com", 42, ["a@example.com"], True]) == [
        None,
        "ann@example.com",
        None,
        None,
        None,
    ]


def test_bulk_check_of_many_plain_addresses_lower_cases_each() -> None:
    addresses = [f"User{i}@Example.com" for i in range(1000)]
    assert normalize_emails(addresses) == [address.lower() for address in addresses]
