"""A long export never looks stuck: each import is announced as "n of m" when it starts and completes, and
while the run waits on Brevo a line comes at least every 30 seconds."""

from __future__ import annotations

import itertools

import httpx
import pandas as pd

from ci_sendinblue.sendinblue.client import BrevoClient, ProcessStatus
from ci_sendinblue.sendinblue.imports import ImportBody
from ci_sendinblue.sendinblue.list_writer import ListWriter
from ci_sendinblue.sendinblue.policies import PollPolicy, RateLimits
from ci_sendinblue.sendinblue.progress import Heartbeat, data_size
from ci_sendinblue.sendinblue.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Log:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.lines: list[tuple[float, str]] = []

    def __call__(self, line: str) -> None:
        self.lines.append((self.clock(), line))

    @property
    def texts(self) -> list[str]:
        return [line for _, line in self.lines]

    def longest_silence(self, start: float, end: float) -> float:
        times = [start, *(t for t, _ in self.lines), end]
        return max(b - a for a, b in itertools.pairwise(times))


class SlowBrevo:
    """Imports that Brevo completes ``duration`` seconds after they start."""

    def __init__(self, clock: Clock, duration: float) -> None:
        self.clock, self.duration = clock, duration
        self.started: dict[int, float] = {}

    def import_contacts(self, body: bytes) -> int:
        process_id = len(self.started) + 1
        self.started[process_id] = self.clock()
        return process_id

    def process(self, process_id: int) -> ProcessStatus:
        done = self.clock() - self.started[process_id] >= self.duration
        return ProcessStatus(process_id, "completed" if done else "in_process")


def body(count: int) -> ImportBody:
    emails = pd.Series([f"p{i}@example.com" for i in range(count)])
    return ImportBody(b"x" * (120 * count), emails)


def writer_for(brevo, clock: Clock, log: Log) -> ListWriter:
    """A writer whose polls back off from 2 s to 60 s between looks, on the fake clock."""
    return ListWriter(brevo, 12, poll=PollPolicy(2, 60, 3600), heartbeat=Heartbeat(log, sleep=clock.sleep, clock=clock))


def test_each_import_is_announced_as_n_of_m_when_it_starts_and_completes():
    clock = Clock()
    log = Log(clock)
    writer = writer_for(SlowBrevo(clock, duration=41), clock, log)
    outcomes = writer.import_all([body(80_412), body(3)], total=2)
    assert [o.status.succeeded for o in outcomes] == [True, True]
    texts = log.texts
    assert texts[0] == "import 1 of 2 started (80,412 contacts, 9.6 MB; Brevo process 1)"
    assert texts[1] == "import 2 of 2 started (3 contacts, 360 bytes; Brevo process 2)"
    completed = [t for t in texts if "completed" in t]
    assert completed[0].startswith("import 1 of 2 completed in 4") and completed[0].endswith(" s")
    assert completed[1].startswith("import 2 of 2 completed in ")


def test_a_line_comes_at_least_every_30_seconds_while_brevo_works():
    clock = Clock()
    log = Log(clock)
    # Polls back off to 60 s between looks: the heartbeat must still speak every 30 s.
    writer = writer_for(SlowBrevo(clock, duration=400), clock, log)
    writer.import_all([body(10)], total=1)
    assert clock() >= 400
    assert log.longest_silence(0, clock()) <= 30
    assert any(t.startswith("waiting on Brevo: import 1 of 1 is 'in_process' after ") for t in log.texts)


def test_a_long_wait_for_the_hourly_budget_says_so():
    clock = Clock()
    log = Log(clock)
    heartbeat = Heartbeat(log, sleep=clock.sleep, clock=clock)
    limiter = RateLimiter(RateLimits(contacts_per_second=None, others_per_hour=1), sleep=clock.sleep, clock=clock)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"status": "completed"}))
    with BrevoClient(
        "http://127.0.0.1:9/v3", "key", limiter=limiter, transport=transport, heartbeat=heartbeat
    ) as client:
        client.process(1)
        client.process(1)  # /processes shares the hourly budget, here one request: this one waits an hour
    assert clock() >= 3600
    assert log.longest_silence(0, clock()) <= 30
    assert "waiting on Brevo's rate limit before GET /processes/1" in log.texts[0]


def test_sizes_read_as_people_read_them():
    assert [data_size(n) for n in (96, 7_893, 812_000, 7_912_345)] == ["96 bytes", "8 kB", "812 kB", "7.9 MB"]


def test_reading_a_large_list_back_reports_how_far_it_got():
    clock = Clock()
    log = Log(clock)

    class PagedList:
        def list_members(self, list_id: int, *, limit: int, offset: int) -> dict:
            clock.sleep(0.1 * 5)  # five requests' worth of the 10-per-second budget
            return {"contacts": [{"email": f"p{offset + i}@example.com"} for i in range(limit)], "count": 500_000}

    writer = writer_for(PagedList(), clock, log)
    assert sum(1 for _ in writer.members()) == 500_000
    assert log.longest_silence(0, clock()) <= 31
    assert "reading list 12 from Brevo: " in log.texts[0] and log.texts[0].endswith(" of 500,000 contacts")
