"""Import bodies are packed one ahead of the request that sends them, without losing order or errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ci_sendinblue.sendinblue.read_ahead import read_ahead


def test_items_arrive_in_order_and_all_of_them() -> None:
    assert list(read_ahead(range(1000), depth=3)) == list(range(1000))
    assert list(read_ahead([])) == []


def test_the_next_item_is_produced_while_the_caller_still_holds_this_one() -> None:
    second_started = threading.Event()

    def produce() -> Iterator[int]:
        yield 1
        second_started.set()
        yield 2

    items = read_ahead(produce())
    assert next(items) == 1
    # Without reading ahead nothing runs the generator now, and this wait would time out.
    assert second_started.wait(timeout=10), "the second item was not produced while the first was in use"
    assert list(items) == [2]


def test_an_error_while_producing_reaches_the_caller_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise ValueError("contact too large")

    items = read_ahead(produce())
    assert next(items) == 1
    with pytest.raises(ValueError, match="contact too large"):
        next(items)


def test_a_caller_that_stops_early_stops_the_producer_and_closes_the_generator() -> None:
    produced: list[int] = []
    closed = threading.Event()

    def produce() -> Iterator[int]:
        try:
            for number in range(1_000_000):
                produced.append(number)
                yield number
        finally:
            closed.set()

    items = read_ahead(produce(), depth=2)
    assert next(items) == 0
    items.close()
    assert closed.is_set()
    assert len(produced) <= 4, "the producer ran on after the caller stopped"
