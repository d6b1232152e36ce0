"""Changes to one action at the same moment take turns: every "before" is what was there.

Real threads, each its own unit of work through ChatHandlers.on_message, against the test
database (a SQLite file, or PostgreSQL when ACTIONBOT_TEST_POSTGRES_URL is set). Nothing
waits on the clock: the threads are released together by a barrier and joined.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

from bot.clock import ManualClock
from bot.domain.replies import Notice, NoticeKind, UpdateRecorded, UpdateUndone
from storage.db import Database
from tests.storage.plan_support import (
    ActionSpec,
    all_at_once,
    build_plan,
    chat,
    field_values,
    history_rows,
    message,
    stale_befores,
    start_values,
)

ANN, BOB, CAT = "Ann Owner", "Bob Owner", "Cat Chair"
SPEC = ActionSpec(board="Races", ref="7.1", owners=(ANN, BOB))
RAGS = ("amber", "red", "green")
WRITERS = 20


def _plan(db: Database, clock: ManualClock) -> int:
    ids = build_plan(db, clock, [SPEC], chairs={CAT: "Races"})
    return ids[("Races", "7.1")]


def test_twenty_updates_at_once_each_see_the_one_before(db: Database, clock: ManualClock) -> None:
    action_id = _plan(db, clock)
    handlers = chat(db, clock)
    people = (ANN, BOB, CAT)  # owners and the chair, racing each other
    texts = [f"7.1 {RAGS[i % 3]} - progress note number {i}" for i in range(WRITERS)]
    jobs = [
        (
            lambda who=people[i % 3], text=texts[i], i=i: handlers.on_message(
                message(who, text, event_id=f"race-{i}")
            )
        )
        for i in range(WRITERS)
    ]

    replies = all_at_once(jobs)

    assert all(isinstance(r, UpdateRecorded) for [r] in replies), replies
    rows = history_rows(db, action_id)
    assert len(rows) == WRITERS  # no update lost
    assert stale_befores(db, action_id, start_values(SPEC)) == []
    words = [row.changes["latest_update"][1] for row in rows]
    assert sorted(words, key=str) == sorted(
        (f"progress note number {i}" for i in range(WRITERS)), key=str
    )
    assert field_values(db, action_id)["latest_update"] == words[-1]


def test_an_undo_racing_a_later_update_never_erases_it(db: Database, clock: ManualClock) -> None:
    action_id = _plan(db, clock)
    handlers = chat(db, clock)
    outcomes: Counter[str] = Counter()
    for round_ in range(6):
        [first] = handlers.on_message(message(ANN, f"7.1 amber - ann's change {round_}"))
        assert isinstance(first, UpdateRecorded)

        bob_says = message(BOB, f"7.1 red - bob's change {round_}")
        undo, later = all_at_once(
            [
                partial(handlers.on_message, message(ANN, "undo")),
                partial(handlers.on_message, bob_says),
            ]
        )

        assert isinstance(later[0], UpdateRecorded)
        if isinstance(undo[0], UpdateUndone):
            outcomes["undone first"] += 1
        else:
            assert isinstance(undo[0], Notice), undo
            assert undo[0].kind is NoticeKind.REFUSED, undo
            outcomes["refused"] += 1
        # Bob's words always survive: an undo never puts Ann's "before" over them.
        assert field_values(db, action_id)["latest_update"] == f"bob's change {round_}"

    rows = history_rows(db, action_id)
    assert stale_befores(db, action_id, start_values(SPEC)) == []
    by_id = {row.id: row for row in rows}
    for row in rows:
        if row.undoes_id is None:
            continue
        # Nothing that still stands came between the update and its undo.
        between = [
            r for r in rows if row.undoes_id < r.id < row.id and not r.undone and not r.undoes_id
        ]
        assert between == [], (row, between)
        assert by_id[row.undoes_id].undone
    assert sum(outcomes.values()) == 6


def test_an_undo_refuses_when_its_fields_no_longer_hold_what_it_wrote(
    db: Database, clock: ManualClock
) -> None:
    action_id = _plan(db, clock)
    handlers = chat(db, clock)
    [first] = handlers.on_message(message(ANN, "7.1 amber - ann's change"))
    [second] = handlers.on_message(message(BOB, "7.1 red - bob's change"))
    assert isinstance(first, UpdateRecorded)
    assert isinstance(second, UpdateRecorded)

    [refused] = handlers.on_message(message(ANN, "undo"))

    assert isinstance(refused, Notice)
    assert refused.kind is NoticeKind.REFUSED
    assert "updated again since" in refused.text
    assert field_values(db, action_id)["rag"] == "red"
    [undone] = handlers.on_message(message(BOB, "undo"))  # Bob's own, the last word: fine
    assert isinstance(undone, UpdateUndone)
    assert field_values(db, action_id)["rag"] == "amber"
    assert stale_befores(db, action_id, start_values(SPEC)) == []
