"""When a listening window applies others' changes (cadence.store.shared.live.RefreshThrottle)."""

from __future__ import annotations

from cadence.store.shared.live import REFRESH_EVERY_SECONDS, RefreshThrottle


def test_the_first_notice_is_applied_at_once_and_a_burst_once_per_interval():
    throttle = RefreshThrottle()
    assert REFRESH_EVERY_SECONDS == throttle.every == 0.25
    assert throttle.wait(100.0) == 0.0  # nothing applied yet: at once
    throttle.applied(100.0)
    assert throttle.wait(100.125) == 0.125  # a notice 125 ms later waits for the interval
    assert throttle.wait(100.25) == 0.0
    throttle.applied(100.25)
    assert throttle.wait(101.0) == 0.0  # after a quiet spell: at once again


def test_the_interval_can_be_set():
    throttle = RefreshThrottle(every=1.0)
    throttle.applied(10.0)
    assert throttle.wait(10.5) == 0.5
