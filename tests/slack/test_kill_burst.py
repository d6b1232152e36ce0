"""Acknowledged means durable: `serve` killed or stopped mid-burst loses and doubles nothing.

A real `actionbot serve` process takes a burst of owners' updates over signed HTTP, from one
client and from eight at once, and is sent SIGKILL or SIGTERM part-way through. It is then
started again; Slack's retries of what never got a 200 are sent, as Slack would. Every update
that got a 200 must be applied exactly once and answered. bench/kill_burst.py runs the same
with thousands of updates and prints the figures.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from tests.slack.burst import prepare, run_burst
from tests.slack.fake_slack import FakeSlack

TOTAL = 240


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("clients", [1, 8], ids=["sequential", "8-concurrent"])
@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
def test_every_acknowledged_update_is_applied_once_and_answered(
    db_url: str, slack: FakeSlack, clients: int, stop_signal: signal.Signals
) -> None:
    owners = prepare(db_url)

    result = run_burst(
        db_url,
        slack,
        owners,
        total=TOTAL,
        clients=clients,
        stop_signal=stop_signal,
        stop_after=TOTAL // 3,
    )

    assert result.acked >= TOTAL // 3, result.line()
    assert (result.lost, result.doubled, result.unanswered) == (0, 0, 0), result.line()
    assert result.applied == result.acked, result.line()
    if stop_signal is signal.SIGTERM:
        assert result.exit_code == 0, result.line()
