"""Waves and pacing: no conversation gets a burst, and nobody waits on someone else's limit."""

from __future__ import annotations

from bot.domain.plan import PersonRef
from schedules.pacing import PacedNotifier, in_waves
from tests.handlers.support import RecordingNotifier


def test_waves_put_everyones_first_message_before_anyones_second() -> None:
    items = ["a1", "a2", "a3", "b1", "c1", "c2"]
    assert in_waves(items, lambda s: s[0]) == ["a1", "b1", "c1", "a2", "c2", "a3"]


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_a_second_message_to_the_same_person_waits_out_the_interval() -> None:
    fake = FakeTime()
    paced = PacedNotifier(RecordingNotifier(), interval=1.0, clock=fake.clock, sleep=fake.sleep)
    alice, bob = PersonRef(1, "Alice"), PersonRef(2, "Bob")
    paced.send_direct(alice, "one")
    paced.send_direct(bob, "one")  # a different conversation: no wait
    fake.now += 0.25
    paced.send_direct(alice, "two")
    assert fake.slept == [0.75]
