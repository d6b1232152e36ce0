"""Attack-shaped input is recognised; real updates from the seeds are not mistaken for it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.domain.safety import looks_like_code


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE action; --",
        "red'); DELETE FROM person;--",
        "amber' OR '1'='1",
        "1 UNION SELECT email FROM person",
        "<script>alert(1)</script>",
        "green {{ config.items() }}",
        "done ${jndi:ldap://x}",
    ],
)
def test_injection_attempts_are_recognised(text: str) -> None:
    assert looks_like_code(text)


@pytest.mark.parametrize(
    "text",
    [
        "amber - slipped to 14 April",
        "Green: recruitment website live; evaluation next month",
        "red - it's not going to happen by 'March' -- need resources",
        "Update: we'll create a new panel; drop-in sessions continue",
    ],
)
def test_ordinary_updates_are_not_mistaken_for_code(text: str) -> None:
    assert not looks_like_code(text)


def test_no_real_seed_update_or_commentary_looks_like_code(shared_data: Path) -> None:
    texts: list[str] = []
    with (shared_data / "st_helens_plan.csv").open(newline="", encoding="utf-8") as handle:
        texts += [row["latest_update"] for row in csv.DictReader(handle)]
    with (shared_data / "worcestershire_sip.csv").open(newline="", encoding="utf-8") as handle:
        texts += [row["commentary"] for row in csv.DictReader(handle)]
    assert texts
    assert [t for t in texts if looks_like_code(t)] == []
