"""Which action do you mean? Only ones the asker may change; forms only for those who may."""

from __future__ import annotations

from sqlmodel import select

from bot.clock import ManualClock
from bot.domain.plan import ActionView
from bot.domain.replies import AskWhichAction, Notice, NoticeKind, UpdateRecorded
from handlers.application.taps import TapHandlers
from storage.db import Database
from storage.models import ActionUpdate
from tests.storage.plan_support import ActionSpec, build_plan, chat, console, message

ANN, PAT, ZED = "Ann Owner", "Pat Chair", "Zed Nobody"
BOARDS = ("Adults Board", "Children Board", "Secret Board")


def _plan(db: Database, clock: ManualClock) -> dict[tuple[str, str], int]:
    specs = [ActionSpec(board, "5.2", owners=(ANN,)) for board in BOARDS]
    chairs = {PAT: BOARDS[0]}
    ids = build_plan(db, clock, specs, chairs=chairs, admins={}, people=(ZED,))
    # Pat also administers the second board.
    build_plan(db, clock, [], admins={PAT: BOARDS[1]})
    return ids


def test_the_choices_offered_are_only_actions_the_asker_may_change(
    db: Database, clock: ManualClock
) -> None:
    _plan(db, clock)

    [question] = chat(db, clock).on_message(message(PAT, "5.2 red - escalated"))

    assert isinstance(question, AskWhichAction)
    assert {c.board_name for c in question.choices} == {BOARDS[0], BOARDS[1]}


def test_a_ref_only_on_boards_the_person_has_no_role_on_names_no_board(
    db: Database, clock: ManualClock
) -> None:
    _plan(db, clock)

    [reply] = chat(db, clock).on_message(message(ZED, "5.2 red - taking this over"))

    assert isinstance(reply, Notice)
    assert reply.kind is NoticeKind.REFUSED
    assert "I can't find an action 5.2 that you can change" in reply.text
    assert not any(board in reply.text for board in BOARDS)
    with db.session(commit=False) as session:
        assert session.exec(select(ActionUpdate)).all() == []


def test_a_chair_of_one_board_changes_its_action_without_being_asked(
    db: Database, clock: ManualClock
) -> None:
    build_plan(
        db,
        clock,
        [ActionSpec(board, "6.1", owners=(ANN,)) for board in BOARDS[:2]],
        chairs={PAT: BOARDS[1]},
    )

    [reply] = chat(db, clock).on_message(message(PAT, "6.1 red - escalated at the board"))

    assert isinstance(reply, UpdateRecorded)
    assert reply.board_name == BOARDS[1]


def test_a_form_opens_only_for_someone_who_may_change_the_action(
    db: Database, clock: ManualClock
) -> None:
    ids = _plan(db, clock)
    taps = TapHandlers(db=db, clock=clock)
    secret = ids[(BOARDS[2], "5.2")]

    refused = taps.form_for(console(PAT), secret)
    stranger = taps.form_for(console("Someone Unknown"), secret)

    assert isinstance(refused, Notice)
    assert refused.kind is NoticeKind.REFUSED
    assert BOARDS[2] not in refused.text
    assert isinstance(stranger, Notice)
    assert stranger.kind is NoticeKind.REFUSED
    assert isinstance(taps.form_for(console(ANN), secret), ActionView)  # the owner
    assert isinstance(taps.form_for(console(PAT), ids[(BOARDS[0], "5.2")]), ActionView)  # chair
    assert taps.describe(secret) is not None  # still there for whoever calls it


def test_invisible_characters_are_dropped_before_the_words_are_parsed_and_kept(
    db: Database, clock: ManualClock
) -> None:
    build_plan(db, clock, [ActionSpec("Solo", "8.4", owners=(ANN,))])
    text = "8.4\u200b amber - waiting\u200b on the\u2066 builders"

    [reply] = chat(db, clock).on_message(message(ANN, text))

    assert isinstance(reply, UpdateRecorded)
    with db.session(commit=False) as session:
        [update] = session.exec(select(ActionUpdate)).all()
    assert update.text == "8.4 amber - waiting on the builders"
    assert {c.field: c.after for c in reply.changes}["latest_update"] == ("waiting on the builders")
