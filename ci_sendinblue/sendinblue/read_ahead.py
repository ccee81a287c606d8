"""Producing the next item of an iterator on a background thread while the caller uses the current one.

An export packs each import body (Arrow string kernels, which release the GIL) and then sends it (a blocking
HTTP request, which waits on the network with the GIL released). Packed one ahead, the packing of body
``k+1`` runs while body ``k`` is on the wire; a million contacts spend about 1.5 s packing and several
seconds sending, so most of the packing disappears from the run's wall time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """``items`` in order, at most ``depth`` produced ahead of the caller. An exception raised while producing
    is raised to the caller at the item it would have been; a caller that stops early stops the producer (it
    finishes the item it is on) before this generator returns."""
    if depth < 1:
        raise ValueError("depth must be at least 1")
    iterator = iter(items)
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in iterator:
                if not offer(item):
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            offer(_Raised(error))
            return
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # a generator's own clean-up runs on the thread that ran it
        offer(_DONE)

    producer = threading.Thread(target=produce, name="ci-sendinblue-read-ahead", daemon=True)
    producer.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        producer.join()
