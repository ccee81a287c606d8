"""The client-side limiter keeps each endpoint family under Brevo's published rates."""

from __future__ import annotations

import pytest

from ci_sendinblue.sendinblue.policies import RateLimits
from ci_sendinblue.sendinblue.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: Clock, per_second: float = 10, per_hour: float = 100) -> RateLimiter:
    return RateLimiter(RateLimits(per_second, per_hour), sleep=clock.sleep, clock=clock)


def test_contacts_requests_beyond_the_per_second_rate_wait():
    clock = Clock()
    limit = limiter(clock)
    for _ in range(30):
        limit.acquire("contacts/import")
    assert clock.now == pytest.approx(2 * 1.1), "30 requests at 10 per second take 2 s (plus the margin)"


def test_no_one_second_window_holds_more_than_the_limit():
    clock = Clock()
    limit = limiter(clock)
    sent = []
    for step in range(40):
        clock.now = max(clock.now, step * 0.03)
        limit.acquire("contacts/import")
        sent.append(clock.now)
    assert max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent) == 10


def test_other_endpoints_draw_on_an_hourly_budget():
    clock = Clock()
    limit = limiter(clock, per_hour=100)
    for _ in range(101):
        limit.acquire("processes/7")
    assert clock.now == pytest.approx(3600 * 1.1), "the 101st request waits for the first to leave the hour"


def test_families_do_not_share_a_budget():
    clock = Clock()
    limit = limiter(clock)
    for _ in range(10):
        limit.acquire("contacts/lists/12")
    limit.acquire("processes/1")
    assert clock.slept == []


def test_an_unlimited_limiter_never_waits():
    assert RateLimiter.unlimited().acquire("contacts") == 0.0
