"""Thousands of hostile requests, signed and unsigned: no 5xx, no traceback, no change, bounded RAM.

A seeded generator (tests/slack/hostile.py) makes junk of every shape the edge must survive:
bad and stale signatures, malformed timestamps, deep and huge JSON, too many form fields,
wrong types in every field Slack sends, forged form metadata, response_urls pointing at other
hosts. bench/fuzz_edge.py sends more and prints the memory curve.
"""

from __future__ import annotations

import http.client
import logging
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import func, select

from storage.models import Action, ActionUpdate
from tests.slack.conftest import SIGNING_SECRET, VEL, RunningApp
from tests.slack.fake_slack import FakeSlack
from tests.slack.hostile import HostileRequests, send

REQUESTS = 5000
RSS_GROWTH_LIMIT = 80 * 1024 * 1024


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def plan_state(app: RunningApp) -> tuple[int, list[tuple[object, ...]]]:
    with app.services.db.session(commit=False) as session:
        updates = session.exec(select(func.count()).select_from(ActionUpdate)).one()
        actions = session.exec(
            select(Action.id, Action.rag, Action.review_date, Action.latest_update)
        ).all()
    return int(updates), [tuple(a) for a in actions]


def test_hostile_traffic_gets_no_5xx_no_traceback_changes_nothing(
    app: RunningApp, fake: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    before = plan_state(app)
    generator = HostileRequests(SIGNING_SECRET, seed=20261201, linked_user=VEL)
    host, port = app.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    warm = [generator.next() for _ in range(200)]
    for request in warm:
        send(connection, request)
    rss_before = rss_bytes()

    statuses: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    for _ in range(REQUESTS):
        request = generator.next()
        status = send(connection, request)
        statuses[status] += 1
        kinds[request.kind] += 1
    connection.close()
    app.stop()  # lets the inbox worker finish what was stored

    assert not [s for s in statuses if s >= 500 or s == 0], statuses
    assert len(kinds) >= 12, kinds  # every maker was exercised
    for expected in (200, 400, 401):
        assert statuses[expected] > 0, statuses
    tracebacks = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert tracebacks == [], [r.getMessage() for r in tracebacks[:5]]
    reasons = Counter(
        str(r.args[1])
        for r in caplog.records
        if r.name == "handlers.hosting.requests"
        and r.getMessage().startswith("slack request refused")
    )
    assert reasons, "refusals are logged"
    assert max(reasons.values()) == 1, "once a minute per reason, not once per request"
    assert plan_state(app) == before
    assert not [c for c in fake.calls if "evil" in c.path]
    assert rss_bytes() - rss_before < RSS_GROWTH_LIMIT
