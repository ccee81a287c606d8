"""The email rule documented in the README: what is accepted, how it is normalised, why it is refused."""

from __future__ import annotations

import pandas as pd
import pytest

from ci_sendinblue.segments.emails import MALFORMED, MISSING, TOO_LONG, normalize_emails


def check(value: object) -> tuple[object, object]:
    emails, reasons = normalize_emails(pd.Series([value], dtype=object))
    return emails.iloc[0], reasons.iloc[0]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("ann@example.com", "ann@example.com"),
        ("  Ann@Example.COM\t", "ann@example.com"),
        ("first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("user@xn--bcher-kva.example", "user@xn--bcher-kva.example"),
        ("a@b.io", "a@b.io"),
    ],
)
def test_valid_addresses_are_trimmed_and_lower_cased(raw, normalised):
    email, reason = check(raw)
    assert email == normalised
    assert pd.isna(reason)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, MISSING),
        ("", MISSING),
        ("   ", MISSING),
        ("plainaddress", MALFORMED),
        ("ann@example", MALFORMED),
        ("ann@localhost", MALFORMED),
        ("ann@@example.com", MALFORMED),
        ("ann..lee@example.com", MALFORMED),
        (".ann@example.com", MALFORMED),
        ("ann.@example.com", MALFORMED),
        ("ann@example.com.", MALFORMED),
        ("ann@-example.com", MALFORMED),
        ("ann lee@example.com", MALFORMED),
        ('"ann lee"@example.com', MALFORMED),
        ("ann@exämple.com", MALFORMED),
        ("\u212aate@example.com", MALFORMED),  # KELVIN SIGN lower-cases to an ASCII "k": another mailbox
        ("ann@\u0130nfo.com", MALFORMED),  # "İ" lower-cases to "i" and a combining dot
        ("ann@example.c0m1", MALFORMED),
        ("ann@192.168.1.1", MALFORMED),
        ("ann\x00@example.com", MALFORMED),
        ("ann@example.com\nbcc@example.com", MALFORMED),
        ("a" * 65 + "@example.com", TOO_LONG),
        ("ann@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".com", TOO_LONG),
    ],
)
def test_unusable_addresses_get_a_reason(raw, reason):
    assert check(raw)[1] == reason


@pytest.mark.parametrize(
    "raw", ["ann@example.test", "ann@mail.local", "ann@host.localhost", "ann@x.invalid", "a@b.onion"]
)
def test_special_use_domains_that_receive_no_mail_are_refused(raw):
    """Brevo (and the emulator) refuse them; accepting them would count them as sent."""
    assert check(raw)[1] == MALFORMED


def test_a_domain_merely_containing_a_special_use_word_is_fine():
    assert pd.isna(check("ann@test.example.com")[1])
