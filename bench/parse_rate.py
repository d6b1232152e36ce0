"""Replies parsed per second on the phrase table (tests/domain/phrases.csv), cold, one core.

Run: python bench/parse_rate.py   (goal: >= 2,000 replies/s)
"""

from __future__ import annotations

import csv
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.domain.updates import parse_update  # noqa: E402
from bot.domain.workdays import WorkingCalendar  # noqa: E402

TABLE = ROOT / "tests" / "domain" / "phrases.csv"


def main() -> None:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    calendar = WorkingCalendar("ENG")
    today = date(2026, 12, 1)
    start = time.perf_counter()
    for text in texts:  # cold: the first time each reply is seen
        parse_update(text, today=today, calendar=calendar)
    cold = time.perf_counter() - start
    rounds = 20
    start = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            parse_update(text, today=today, calendar=calendar)
    warm = (time.perf_counter() - start) / rounds
    print(f"{len(texts)} replies: cold {len(texts) / cold:,.0f}/s, warm {len(texts) / warm:,.0f}/s")


if __name__ == "__main__":
    main()
