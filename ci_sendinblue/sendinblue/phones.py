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
pair (~34 + ~18); the 1M-profile benchmark has 341k distinct pairs, ~18 s, the biggest single cost of a full
export. Three measures bring that to ~4.4 s on the 2-core benchmark machine (medians of 3 at quiet moments of
this shared machine: 3.9 to 4.7 s, against 16.7 to 18.8 s for the plain reading), each giving exactly the
plain reading's answer (``test_contacts.py`` compares the two on a corpus of 50k varied numbers):

- A shortcut for numbers already international, 97 % of the benchmark's pairs: ``+``, ASCII digits and plain
  separators (space, ``-``, ``.``, ``/``, parentheses). ``parse`` drops the separators, takes the first 1-3
  digits that form a known country code and strips a national prefix if the country's prefix pattern matches
  what follows; the region only matters when it finds no country code. ``_split_international`` makes the
  same split and leaves to ``parse`` every number where ``parse`` might do more: a ``0`` or an unknown code
  after the ``+`` (``parse`` then retries in the region), a national part that the prefix pattern matches
  (``+44 (0)20 ...``, ``+1 1 206 ...``) or that starts with ``0`` (kept as an Italian leading zero), one under
  2 or over 17 digits (refused), a text over 40 characters (``parse`` refuses over 250). The shortcut builds
  the ``PhoneNumber`` and asks ``is_valid_number`` as the plain reading does: ~11 µs a pair instead of ~52.
- libphonenumber's own pattern cache (``enable_pattern_cache``, where the installed version has it): without
  it ``is_valid_number`` goes through ``re.compile`` for each pattern on each call, ~14 µs instead of ~9.
- From 100k distinct pairs (~1 s of work), ``spawn`` worker processes (export runs have threads: no fork)
  share the pairs with this process, which feeds them tasks of 2000 pairs, two ahead, and works through the
  other tasks itself (two processes do ~1.4 times the work of one here, not twice). A worker starts in
  ~0.1 s, as pandas is imported inside ``normalize_phones`` only, plus what the caller's main script imports:
  ``spawn`` re-runs it (under the ``dagster`` console script that is ~2 s; under ``python -m dagster``, as
  Dagster launches runs, nothing). A script needs the usual ``if __name__ == "__main__":`` guard for that;
  without one the workers cannot start and this process does all the work: slower, same answer. The pool is
  closed before ``normalize_phones`` returns.

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

import phonenumbers

if TYPE_CHECKING:
    import pandas as pd

_E164_SHAPE = re.compile(r"^\+[1-9]\d{6,14}$")
_LEADING_00 = r"^00[\s.\-/]*(?=[1-9])"
_PLAIN_SEPARATORS = re.compile(r"[ ()./-]")
_PLUS_AND_DIGITS = re.compile(r"\+[1-9][0-9]+")
_SHORTCUT_MAX_CHARACTERS = 40
_SHORTCUT_NATIONAL_DIGITS = range(2, 18)
_PARALLEL_FROM_PAIRS = 100_000
_PAIRS_PER_TASK = 2_000
_TASKS_AHEAD_PER_WORKER = 2

if hasattr(phonenumbers, "enable_pattern_cache"):
    phonenumbers.enable_pattern_cache()


def normalize_phones(phones: pd.Series, regions: pd.Series | str) -> tuple[pd.Series, pd.Series]:
    """E.164 numbers (missing where there was none or it is invalid) and a mask of the invalid ones."""
    import pandas as pd  # here, not at the top, so that worker processes start without it (~0.1 s, not ~0.7 s)

    if isinstance(regions, pd.Series):
        regions = regions.reindex(phones.index)
    else:
        regions = pd.Series(regions, index=phones.index)
    phone_codes, phone_values = pd.factorize(phones.astype("string"), use_na_sentinel=False)
    region_codes, region_values = pd.factorize(regions.astype("string"), use_na_sentinel=False)
    texts = pd.Series(phone_values).str.strip().str.replace(_LEADING_00, "+", regex=True)
    region_texts = pd.Series(region_values).str.strip().str.upper().fillna("")
    present = (texts.notna() & (texts != "")).to_numpy(dtype=bool)[phone_codes]
    if not present.any():
        return pd.Series(pd.NA, index=phones.index, dtype="string"), pd.Series(False, index=phones.index)
    pair_codes, pairs = pd.factorize(phone_codes[present] * len(region_values) + region_codes[present])
    numbers = texts.to_numpy()[pairs // len(region_values)]
    number_regions = region_texts.to_numpy()[pairs % len(region_values)]
    formatted = _to_e164_in_processes(list(zip(numbers, number_regions, strict=True)))
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
    return [_to_e164(number, region) for number, region in pairs]


def _to_e164(number: str, region: str) -> str | None:
    international = _split_international(number)
    if international is None:
        return _parse_to_e164(number, region)
    country_code, national = international
    parsed = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    if not phonenumbers.is_valid_number(parsed):
        return None
    formatted = f"+{country_code}{national}"
    return formatted if _E164_SHAPE.match(formatted) else None


def _split_international(number: str) -> tuple[int, str] | None:
    """Country code and national number, as ``parse`` would find them, of a number that is ``+``, digits and
    plain separators; ``None`` where ``parse`` might read it otherwise (see the module's docstring)."""
    if len(number) > _SHORTCUT_MAX_CHARACTERS:
        return None
    digits = _PLAIN_SEPARATORS.sub("", number)
    if not _PLUS_AND_DIGITS.fullmatch(digits):
        return None
    for end in (2, 3, 4):
        country_code = int(digits[1:end])
        if country_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    national = digits[end:]
    if len(national) not in _SHORTCUT_NATIONAL_DIGITS or national.startswith("0"):
        return None
    national_prefix = _national_prefix(country_code)
    if national_prefix is not None and national_prefix.match(national):
        return None
    return country_code, national


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
