"""The right action, first time: a ref is looked for on the board the person is on.

Both seed plans are loaded, and their refs collide ("2.3" is St Helens' findings action and
Worcestershire's Social Work Practice Model). Driven through the application façade every
platform is given, on a real database: the board the console is on, the board a channel
posts for, and the board of the reminder being answered are each tried first; only actions
the person may change are ever offered, each with its board, picked by number or by the ref
and the board's name.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import Settings
from bot.domain.reminders import ReminderMessage
from bot.domain.replies import AskWhichAction, Notice, NoticeKind, Reply, UpdateRecorded
from handlers.application.boards import BoardSettings
from handlers.application.conversation import Conversation, IncomingMessage
from handlers.application.sample import SAMPLE_BOARDS, load_sample_board
from handlers.text import render_text
from handlers.wiring import Services, build_services
from storage.models import Action, ActionUpdate, Board
from tests.handlers.support import RecordingNotifier, today

ST_HELENS = "St Helens Children's Improvement Board"
WORCS = "Worcestershire Service Improvement Board"
NIGEL = "Nigel Richardson"  # chairs Worcestershire
HILARY = "Hilary Brooks"  # chairs St Helens, owns several of its actions
VEL = "Vel Kenny"  # owns Worcestershire 2.2, 2.3, 5.1 …; nothing on St Helens


@pytest.fixture
def services(db_url: str, clock: ManualClock) -> Iterator[Services]:
    built = build_services(Settings(database_url=db_url, scheduler_enabled=False), clock=clock)
    for sample in SAMPLE_BOARDS:
        load_sample_board(built.db, sample, now=clock.now(), today=today(built))
    _SEEDED[id(built)] = _history(built)
    yield built
    built.db.dispose()


@pytest.fixture
def two_board_chair(services: Services) -> str:
    """Nigel chairs St Helens as well: he may change every action on both boards."""
    services.application.boards.configure(ST_HELENS, BoardSettings(), chairs=[NIGEL])
    return NIGEL


def tell(
    services: Services,
    who: str,
    text: str,
    *,
    board_hint: str | None = None,
    platform: str = "console",
    user_id: str | None = None,
    channel: str | None = None,
    thread: str | None = None,
) -> Reply:
    conversation = Conversation(
        platform=platform,
        user_id=user_id or who,
        channel=channel or f"dm:{who}",
        thread=thread,
        is_direct=channel is None,
    )
    message = IncomingMessage(conversation, text, board_hint=board_hint)
    [reply] = services.application.chat.on_message(message)
    return reply


def latest(services: Services, board: str, ref: str) -> str | None:
    """The latest update words on that board's action with that ref."""
    with services.db.session(commit=False) as session:
        found = session.exec(
            select(Action).join(Board).where(Board.name == board, Action.ref == ref)
        ).one()
        return found.latest_update


_SEEDED: dict[int, int] = {}


def _history(services: Services) -> int:
    with services.db.session(commit=False) as session:
        return len(session.exec(select(ActionUpdate)).all())


def updates(services: Services) -> int:
    """Updates recorded since the seed plans were loaded (they bring their own history)."""
    return _history(services) - _SEEDED[id(services)]


def recorded_on(reply: Reply, board: str, ref: str) -> None:
    assert isinstance(reply, UpdateRecorded), reply
    assert (reply.board_name, reply.ref) == (board, ref)


# -- the board they are on, first ------------------------------------------------------------


@pytest.mark.parametrize("board", [ST_HELENS, WORCS])
def test_the_consoles_board_is_tried_first(
    services: Services, two_board_chair: str, board: str
) -> None:
    reply = tell(services, two_board_chair, "2.3 red - escalated at the board", board_hint=board)

    recorded_on(reply, board, "2.3")
    other = WORCS if board == ST_HELENS else ST_HELENS
    assert latest(services, board, "2.3") == "escalated at the board"
    assert latest(services, other, "2.3") != "escalated at the board"
    assert updates(services) == 1


def test_a_ref_not_on_the_consoles_board_is_found_on_another(
    services: Services, two_board_chair: str
) -> None:
    reply = tell(
        services, two_board_chair, "1.7 amber - website slipped again", board_hint=ST_HELENS
    )

    recorded_on(reply, WORCS, "1.7")  # St Helens has no 1.7


def test_a_hint_naming_no_board_is_as_if_nothing_said_which(
    services: Services, two_board_chair: str
) -> None:
    reply = tell(services, two_board_chair, "2.3 red - escalated at the board", board_hint="Narnia")

    assert isinstance(reply, AskWhichAction)
    assert {c.board_name for c in reply.choices} == {ST_HELENS, WORCS}


@pytest.mark.parametrize(
    ("platform", "account", "settings"),
    [
        ("slack", "U0NIGEL", lambda channel: BoardSettings(channel=channel)),
        ("teams", "29:nigel", lambda channel: BoardSettings(channels={"teams": channel})),
    ],
)
def test_the_channels_board_is_tried_first(
    services: Services,
    two_board_chair: str,
    platform: str,
    account: str,
    settings: object,
) -> None:
    app = services.application
    channels = {ST_HELENS: "C0STHELENS", WORCS: "C0WORCS"}
    for board, channel in channels.items():
        app.boards.configure(board, settings(channel))  # type: ignore[operator]
    app.people.link(two_board_chair, accounts={platform: account})

    for board, channel in channels.items():
        reply = tell(
            services,
            two_board_chair,
            f"2.3 red - escalated in the {board} channel",
            platform=platform,
            user_id=account,
            channel=channel,
        )
        recorded_on(reply, board, "2.3")
    assert updates(services) == 2


def test_a_reply_in_a_reminders_thread_looks_on_the_reminders_board_first(
    services: Services,
) -> None:
    services.application.boards.configure(WORCS, BoardSettings(), chairs=[HILARY])
    notifier = RecordingNotifier()
    assert services.dispatcher(notifier).send_due_reminders().sent > 0
    thread = next(
        sent.message_ref
        for who, content, sent in notifier.sent
        if who == HILARY
        and isinstance(content, ReminderMessage)
        and content.board_name == ST_HELENS
    )

    # Hilary chairs both boards and owns neither 6.2: in a St Helens reminder's thread, the
    # St Helens one is meant; in her DMs, with nothing saying which board, she is asked.
    asked = tell(services, HILARY, "6.2 red - escalated at the board")
    assert isinstance(asked, AskWhichAction)
    assert {c.board_name for c in asked.choices} == {ST_HELENS, WORCS}

    reply = tell(services, HILARY, "6.2 red - escalated at the board", thread=thread)

    recorded_on(reply, ST_HELENS, "6.2")
    assert latest(services, ST_HELENS, "6.2") == "escalated at the board"
    assert latest(services, WORCS, "6.2") != "escalated at the board"


@pytest.mark.parametrize("board_hint", [None, ST_HELENS])
def test_a_ref_on_no_board_changes_nothing(
    services: Services, two_board_chair: str, board_hint: str | None
) -> None:
    reply = tell(
        services, two_board_chair, "9.9 red - escalated at the board", board_hint=board_hint
    )

    assert isinstance(reply, Notice)
    assert reply.kind is NoticeKind.NOT_UNDERSTOOD
    assert reply.text == "I can't find an action 9.9."
    assert updates(services) == 0


# -- which one? listed with their boards, picked by number or by board ------------------------


def test_a_ref_on_both_boards_is_asked_about_with_each_board_named(
    services: Services, two_board_chair: str
) -> None:
    question = tell(services, two_board_chair, "2.3 red - escalated at the board")

    assert isinstance(question, AskWhichAction)
    assert [(c.ref, c.board_name) for c in question.choices] == [
        ("2.3", ST_HELENS),
        ("2.3", WORCS),
    ]
    text = render_text(question)
    assert "1. 2.3 Ensure all actions relating to the findi" in text
    assert f"— {ST_HELENS}\n2. 2.3 Social Work Practice Model — {WORCS}\n" in text
    assert "e.g. 1, or the ref and the board, e.g. 2.3 St Helens." in text
    assert "Nothing has been changed yet." in text
    assert updates(services) == 0


def test_a_choice_is_picked_by_its_number(services: Services, two_board_chair: str) -> None:
    tell(services, two_board_chair, "2.3 red - escalated at the board")

    reply = tell(services, two_board_chair, "2")

    recorded_on(reply, WORCS, "2.3")
    assert latest(services, ST_HELENS, "2.3") != "escalated at the board"
    assert updates(services) == 1


@pytest.mark.parametrize(
    ("answer", "board"),
    [
        ("2.3 St Helens", ST_HELENS),
        ("2.3 st helens", ST_HELENS),
        ("St Helens 2.3", ST_HELENS),
        ("2.3 on St Helens", ST_HELENS),
        ("2.3 helens", ST_HELENS),
        (f"2.3 — {ST_HELENS}", ST_HELENS),  # the listed line, copied
        ("2.3 childrens improvement", ST_HELENS),
        ("2.3 Worcestershire", WORCS),
        ("2.3 WORC", WORCS),
        ("Worcestershire", WORCS),
    ],
)
def test_a_choice_is_picked_by_its_ref_and_board(
    services: Services, two_board_chair: str, answer: str, board: str
) -> None:
    tell(services, two_board_chair, "2.3 red - escalated at the board")

    reply = tell(services, two_board_chair, answer)

    recorded_on(reply, board, "2.3")
    assert updates(services) == 1
    assert isinstance(reply, UpdateRecorded)
    assert {c.field: c.after for c in reply.changes}["latest_update"] == "escalated at the board"


@pytest.mark.parametrize("answer", ["2.3 Narnia", "2.3", "2.3 improvement board", "7", "asdf"])
def test_an_answer_that_picks_none_says_what_to_reply_and_keeps_the_question(
    services: Services, two_board_chair: str, answer: str
) -> None:
    tell(services, two_board_chair, "2.3 red - escalated at the board")

    again = tell(services, two_board_chair, answer)

    assert isinstance(again, AskWhichAction)
    assert again.unmatched == answer
    assert {c.board_name for c in again.choices} == {ST_HELENS, WORCS}
    text = render_text(again)
    assert text.startswith(f"“{answer}” doesn't pick one of these. Which action do you mean?")
    assert "or the ref and the board, e.g. 2.3 St Helens." in text
    assert updates(services) == 0

    reply = tell(services, two_board_chair, "1")  # the question still stands
    recorded_on(reply, ST_HELENS, "2.3")


def test_a_new_update_instead_of_an_answer_stands_alone(
    services: Services, two_board_chair: str
) -> None:
    tell(services, two_board_chair, "2.3 red - escalated at the board")

    reply = tell(services, two_board_chair, "1.7 amber - waiting on the website")

    recorded_on(reply, WORCS, "1.7")
    assert isinstance(reply, UpdateRecorded)
    assert {c.field: c.after for c in reply.changes}["rag"] == "amber"
    assert updates(services) == 1
    assert isinstance(tell(services, two_board_chair, "1"), Notice)  # the question lapsed


# -- only what they may change ----------------------------------------------------------------


def test_an_action_they_cannot_change_is_never_offered(services: Services) -> None:
    # Vel owns Worcestershire's 2.3; St Helens' 2.3 isn't his: no question, his is meant.
    recorded_on(tell(services, VEL, "2.3 amber - model chosen"), WORCS, "2.3")

    # Nothing he owns names a St Helens action either.
    asked = tell(services, VEL, "amber - waiting on partners")
    assert isinstance(asked, AskWhichAction)
    assert {"2.2", "2.3", "5.1"} <= {c.ref for c in asked.choices}
    assert {c.board_name for c in asked.choices} == {WORCS}
    assert ST_HELENS not in render_text(asked)


def test_on_a_board_where_the_ref_is_not_theirs_only_their_own_elsewhere_is_offered(
    services: Services,
) -> None:
    count = updates(services)

    asked = tell(services, VEL, "2.3 amber - model chosen", board_hint=ST_HELENS)

    assert isinstance(asked, AskWhichAction)
    assert asked.not_theirs_here == "2.3"
    assert [(c.ref, c.board_name) for c in asked.choices] == [("2.3", WORCS)]
    text = render_text(asked)
    assert text.startswith("You can't change 2.3 on this board. Did you mean this one?")
    assert f"1. 2.3 Social Work Practice Model — {WORCS}" in text
    assert updates(services) == count  # nothing changed silently on another board

    recorded_on(tell(services, VEL, "yes"), WORCS, "2.3")
    assert latest(services, WORCS, "2.3") == "model chosen"
    assert latest(services, ST_HELENS, "2.3") != "model chosen"


def test_a_ref_that_is_theirs_on_no_board_is_refused_naming_no_board(
    services: Services,
) -> None:
    for board_hint in (None, ST_HELENS, WORCS):
        reply = tell(services, VEL, "2.1 red - taking this over", board_hint=board_hint)

        assert isinstance(reply, Notice)
        assert reply.kind is NoticeKind.REFUSED
        assert "I can't find an action 2.1 that you can change" in reply.text
        assert ST_HELENS not in reply.text
        assert WORCS not in reply.text
    assert updates(services) == 0


@pytest.mark.parametrize(
    ("chair", "board", "ref"), [(NIGEL, WORCS, "6.2"), (HILARY, ST_HELENS, "2.3")]
)
def test_a_chair_of_one_board_gets_the_action_on_the_board_they_chair(
    services: Services, chair: str, board: str, ref: str
) -> None:
    # The ref is on both boards; the chair owns neither, and may change only their board's.
    reply = tell(services, chair, f"{ref} red - escalated at the board")

    recorded_on(reply, board, ref)
    other = WORCS if board == ST_HELENS else ST_HELENS
    assert latest(services, other, ref) != "escalated at the board"
    assert updates(services) == 1


def test_a_chair_on_the_other_boards_console_is_asked_before_anything_changes(
    services: Services,
) -> None:
    asked = tell(services, NIGEL, "6.2 red - escalated at the board", board_hint=ST_HELENS)

    assert isinstance(asked, AskWhichAction)
    assert [(c.ref, c.board_name) for c in asked.choices] == [("6.2", WORCS)]
    assert updates(services) == 0
    recorded_on(tell(services, NIGEL, "1"), WORCS, "6.2")
