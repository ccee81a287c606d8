"""Phone numbers into the international form Brevo's SMS attribute requires (E.164: ``+`` and country code).

A leading ``00`` (also when a space or dash follows it: ``00 44 ...``) is read as ``+`` whatever the region
(Brevo itself accepts ``0033...``; no national number starts with ``00``). National numbers are read in the
export's default region, or in the region of a per-profile country column.
A number with letters in it is refused: libphonenumber would read them as keypad digits ("1-800-FLOWERS"),
which turns a typo such as a letter O for a zero into somebody else's valid number, and a vanity number is no
mobile to text anyway.
A number that cannot be made valid is dropped from the contact (the contact is still sent) and counted.
Parsing goes through Google's libphonenumber rules (``phonenumbers``), once per distinct (number, region).

Why it is built this way. Reading every distinct pair with ``parse`` then ``is_valid_number`` costs ~52 µs a
pair (~34 + ~18); the 1M-profile benchmark has 341k distinct pairs, ~18 s, once the biggest single cost of a
full export. Each measure below gives exactly the plain reading's answer (``test_contacts.py`` compares the
two on a corpus of 50k varied numbers of every region):

- A shortcut for numbers already international, 97 % of the benchmark's pairs: ``+``, ASCII digits and plain
  separators (space, ``-``, ``.``, ``/``, parentheses). ``parse`` drops the separators, takes the first 1-3
  digits that form a known country code and strips a national prefix if the country's prefix pattern matches
  what follows; the region only matters when it finds no country code. The shortcut makes the same split and
  leaves to ``parse`` every number where ``parse`` might do more: a ``0`` or an unknown code after the ``+``
  (``parse`` then retries in the region), a national part that the prefix pattern matches (``+44 (0)20 ...``,
  ``+1 1 206 ...``) or that starts with ``0`` (kept as an Italian leading zero), one under 2 or over 17
  digits (refused), a text over 40 characters (``parse`` refuses over 250). It then asks what
  ``is_valid_number`` asks (the region of the country code by leading digits or by validity, the general
  pattern and one number type's pattern and lengths) of all the numbers of a country code at once, with
  libphonenumber's own patterns run by Arrow's RE2 kernels: the benchmark's 1M numbers normalise in 2.0-2.7 s
  (the pairs left to ``parse`` included) instead of ~6 s with per-number calls on two processes (all of
  libphonenumber's patterns compile in RE2; a test checks it).
- libphonenumber's own pattern cache (``enable_pattern_cache``, where the installed version has it) for the
  numbers ``parse`` reads: without it ``is_valid_number`` goes through ``re.compile`` for each pattern.
- From 100k distinct pairs left to ``parse`` (~5 s of work), ``spawn`` worker processes (export runs have
  threads: no fork) share them with this process, which feeds them tasks of 2000 pairs, two ahead, and works
  through the other tasks itself (two processes do ~1.4 times the work of one here, not twice). ``spawn``
  re-runs the caller's main script: a script needs the usual ``if __name__ == "__main__":`` guard; without
  one the workers cannot start and this process does all the work: slower, same answer. The pool is closed
  before ``normalize_phones`` returns.

pandas work runs on distinct values (``factorize``), not on each row: ~0.6 s for 1M rows.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import re
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import PhoneMetadata

if TYPE_CHECKING:
    import pandas as pd

_E164_SHAPE = re.compile(r"^\+[1-9]\d{6,14}$")
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.strip()`` and Python's ``\\s`` take for white space (``str.isspace``), for Arrow's kernels."""
_RE2_WHITESPACE = "".join(f"\\x{{{ord(c):x}}}" for c in _WHITESPACE)
_LEADING_00 = rf"^00[{_RE2_WHITESPACE}.\-/]*([1-9])"
"""An international prefix 00 (and what separates it from the number), as RE2 reads it: replaced by "+"."""
_PLAIN_SEPARATORS = re.compile(r"[ ()./-]")
_PLUS_AND_DIGITS = re.compile(r"\+[1-9][0-9]+")
_SHORTCUT_MAX_CHARACTERS = 40
_SHORTCUT_NATIONAL_DIGITS = range(2, 18)
_PARALLEL_FROM_PAIRS = 100_000
_PAIRS_PER_TASK = 2_000
_TASKS_AHEAD_PER_WORKER = 2
# The number types ``_number_type_helper`` tries before mobile (mobile only where its pattern differs).
_TYPED_DESCS = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
)

if hasattr(phonenumbers, "enable_pattern_cache"):
    phonenumbers.enable_pattern_cache()


def normalize_phones(phones: pd.Series, regions: pd.Series | str) -> tuple[pd.Series, pd.Series]:
    """E.164 numbers (missing where there was none or it is invalid) and a mask of the invalid ones."""
    import pandas as pd  # here, not at the top, so that worker processes start without it (~0.1 s, not ~0.7 s)

    from ci_sendinblue.text import TEXT, arrow_text

    if isinstance(regions, pd.Series):
        regions = regions.reindex(phones.index)
    else:
        regions = pd.Series(regions, index=phones.index)
    # Factorized as Arrow text (no Python string per row); only the distinct values become Python strings.
    phone_codes, phone_values = pd.factorize(phones.astype(TEXT), use_na_sentinel=False)
    region_codes, region_values = pd.factorize(regions.astype(TEXT), use_na_sentinel=False)
    # The distinct numbers stay Arrow text: trimmed and given "+" for "00" by Arrow's kernels (the same
    # characters as str.strip and Python's \s), not as Python strings through pandas' object methods.
    texts = arrow_text(pd.Series(phone_values))
    texts = pc.replace_substring_regex(pc.utf8_trim(texts, _WHITESPACE), _LEADING_00, r"+\1")
    region_texts = pd.Series(region_values.astype("string")).str.strip().str.upper().fillna("")
    present = pc.fill_null(pc.not_equal(texts, ""), False).to_numpy(zero_copy_only=False)[phone_codes]
    if not present.any():
        return pd.Series(pd.NA, index=phones.index, dtype="string"), pd.Series(False, index=phones.index)
    pair_codes, pairs = pd.factorize(phone_codes[present] * len(region_values) + region_codes[present])
    numbers = texts.to_numpy(zero_copy_only=False)[pairs // len(region_values)]
    number_regions = region_texts.to_numpy()[pairs % len(region_values)]
    formatted, quick = _international_to_e164(pa.array(numbers, type=pa.string()))
    slow = np.flatnonzero(~quick)
    formatted[slow] = _to_e164_in_processes(list(zip(numbers[slow], number_regions[slow], strict=True)))
    result = pd.Series(pd.NA, index=phones.index, dtype="string")
    result[present] = pd.array(formatted, dtype="string")[pair_codes]
    invalid = pd.Series(present, index=phones.index, dtype="boolean") & result.isna()
    return result, invalid


def _to_e164_in_processes(pairs: list[tuple[str, str]]) -> list[str | None]:
    workers = min(os.cpu_count() or 1, len(pairs) // _PARALLEL_FROM_PAIRS + 1) - 1
    if workers < 1:
        return _to_e164_each(pairs)
    tasks = [pairs[start : start + _PAIRS_PER_TASK] for start in range(0, len(pairs), _PAIRS_PER_TASK)]
    done: list[list[str | None]] = [[] for _ in tasks]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        queued: dict[Future[list[str | None]], int] = {}
        for index, task in enumerate(tasks):
            for finished in [future for future in queued if future.done()]:
                at = queued.pop(finished)
                done[at] = _result_or_here(finished, tasks[at])
            if len(queued) < _TASKS_AHEAD_PER_WORKER * workers and not _broken(pool):
                queued[pool.submit(_to_e164_each, task)] = index
            else:
                done[index] = _to_e164_each(task)
        for future, index in queued.items():
            done[index] = _result_or_here(future, tasks[index])
    return [number for task_numbers in done for number in task_numbers]


def _result_or_here(future: Future[list[str | None]], task: list[tuple[str, str]]) -> list[str | None]:
    """A worker's answer, or the same answer worked out here if the pool broke: a worker that cannot start
    (a caller's script without the ``__main__`` guard, which ``spawn`` re-runs) must cost time, not the run."""
    try:
        return future.result()
    except BrokenProcessPool:
        return _to_e164_each(task)


def _broken(pool: ProcessPoolExecutor) -> bool:
    return bool(getattr(pool, "_broken", False))


def _to_e164_each(pairs: list[tuple[str, str]]) -> list[str | None]:
    return [_parse_to_e164(number, region) for number, region in pairs]


def _international_to_e164(numbers: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """E.164 text (``None`` where not valid) of the numbers the shortcut reads, and where it reads them.

    The same reading as ``parse`` + ``is_valid_number`` for a number that is ``+``, digits and plain
    separators (see the module's docstring), column-wise: Arrow's RE2 kernels apply libphonenumber's own
    patterns to every number of a country code at once instead of one Python call per number."""
    count = len(numbers)
    digits = pc.replace_substring_regex(numbers, _PLAIN_SEPARATORS.pattern, "")
    shaped = _flags(pc.match_substring_regex(digits, f"^{_PLUS_AND_DIGITS.pattern}$"))
    shaped &= np.asarray(pc.utf8_length(numbers).fill_null(0)) <= _SHORTCUT_MAX_CHARACTERS
    # The country code: the first 1 to 3 digits after "+" that form a known one, as parse takes them.
    known_codes = np.fromiter(phonenumbers.COUNTRY_CODE_TO_REGION_CODE, dtype=np.int64)
    codes = np.zeros(count, dtype=np.int64)
    national = pa.nulls(count, pa.string())
    for end in (2, 3, 4):
        undecided = shaped & (codes == 0)
        if not undecided.any():
            break
        candidate = pc.if_else(pa.array(undecided), pc.utf8_slice_codeunits(digits, 1, end), "0")
        values = np.asarray(pc.cast(candidate, pa.int64()))
        found = undecided & np.isin(values, known_codes)
        codes[found] = values[found]
        national = pc.if_else(pa.array(found), pc.utf8_slice_codeunits(digits, end), national)
    lengths = np.asarray(pc.utf8_length(national).fill_null(0))
    quick = (codes > 0) & np.isin(lengths, np.array(_SHORTCUT_NATIONAL_DIGITS)) & ~_flags(pc.starts_with(national, "0"))
    formatted = np.full(count, None, dtype=object)
    for code in np.unique(codes[quick]):
        rows = np.flatnonzero(quick & (codes == code))
        nationals = national.take(pa.array(rows))
        try:
            prefix = _national_prefix(int(code))
            if prefix is not None:
                stripped = _flags(pc.match_substring_regex(nationals, f"^(?:{prefix.pattern})"))
                quick[rows[stripped]] = False
                rows, nationals = rows[~stripped], nationals.filter(pa.array(~stripped))
            valid = _valid_numbers(int(code), nationals)
        except pa.ArrowInvalid:  # a pattern RE2 cannot run (none today, see the tests): parse reads them
            quick[rows] = False
            continue
        total_digits = len(str(code)) + lengths[rows]
        valid &= (total_digits >= 7) & (total_digits <= 15)
        text = np.asarray(pc.binary_join_element_wise(f"+{code}", nationals, ""), dtype=object)
        formatted[rows[valid]] = text[valid]
    return formatted, quick


def _valid_numbers(code: int, nationals: pa.StringArray) -> np.ndarray:
    """``is_valid_number`` of each national number of country ``code``, its region found as
    ``region_code_for_number`` finds it (leading digits, else the first region the number is valid in)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
    if len(regions) == 1:
        return _valid_in(PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0].upper()), nationals)
    region_of = np.full(len(nationals), -1)
    for index, region in enumerate(regions):
        undecided = region_of < 0
        if not undecided.any():
            break
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            hit = _flags(pc.match_substring_regex(nationals, f"^(?:{metadata.leading_digits})"))
        else:
            hit = _valid_in(metadata, nationals)
        region_of[undecided & hit] = index
    valid = np.zeros(len(nationals), dtype=bool)
    for index in np.unique(region_of[region_of >= 0]):
        rows = np.flatnonzero(region_of == index)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[index].upper())
        valid[rows] = _valid_in(metadata, nationals.take(pa.array(rows)))
    return valid


def _valid_in(metadata: PhoneMetadata | None, nationals: pa.StringArray) -> np.ndarray:
    """libphonenumber's ``_number_type_helper(...) != UNKNOWN``: the general pattern and one type's."""
    if metadata is None:
        return np.zeros(len(nationals), dtype=bool)
    lengths = np.asarray(pc.utf8_length(nationals))

    def matching(desc: phonenumbers.PhoneNumberDesc | None) -> np.ndarray:
        if desc is None or not desc.national_number_pattern:
            return np.zeros(len(nationals), dtype=bool)
        fits = np.isin(lengths, np.array(desc.possible_length)) if desc.possible_length else lengths >= 0
        if not fits.any():
            return fits
        return fits & _flags(pc.match_substring_regex(nationals, f"^(?:{desc.national_number_pattern})$"))

    typed = np.zeros(len(nationals), dtype=bool)
    for desc in _TYPED_DESCS:
        typed |= matching(getattr(metadata, desc))
    if not metadata.same_mobile_and_fixed_line_pattern:
        typed |= matching(metadata.mobile)
    return matching(metadata.general_desc) & typed


def _flags(values: pa.BooleanArray | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(values.fill_null(False), dtype=bool)


@functools.cache
def _national_prefix(country_code: int) -> re.Pattern[str] | None:
    """The pattern ``parse`` strips as a national prefix after this country code, if the country has one."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    pattern = metadata.national_prefix_for_parsing if metadata is not None else None
    return re.compile(pattern) if pattern else None


def _parse_to_e164(number: str, region: str) -> str | None:
    if any(character.isalpha() for character in number):
        return None
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return None
    if parsed.extension or not phonenumbers.is_valid_number(parsed):
        return None
    formatted = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return formatted if _E164_SHAPE.match(formatted) else None
