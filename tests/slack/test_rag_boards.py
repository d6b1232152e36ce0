"""/rag per board: only its channel's members and its chairs hear it; several boards, it asks."""

from __future__ import annotations

from sqlmodel import select

from storage.boards import CHAIR as CHAIR_ROLE
from storage.boards import add_role, ensure_board
from storage.models import Board, Person
from tests.slack.conftest import CHAIR, SALLY, VEL, RunningApp
from tests.slack.fake_slack import FakeSlack

BOARD_CHANNEL = "C0SIBOARD"


def _tie_board_to_channel(app: RunningApp) -> None:
    with app.services.db.session() as session:
        board = session.exec(select(Board)).one()
        board.channel_id = BOARD_CHANNEL


def _answer(app: RunningApp, fake: FakeSlack, user: str, text: str = "", channel: str = "") -> str:
    before = len(fake.responses())
    assert app.slack.command(text, user_id=user, channel_id=channel or BOARD_CHANNEL).status == 200
    return fake.wait_for(fake.responses, n=before + 1).text


def test_a_member_of_the_board_channel_gets_the_answer(app: RunningApp, fake: FakeSlack) -> None:
    _tie_board_to_channel(app)
    fake.members[BOARD_CHANNEL] = [VEL]

    assert "Worcestershire Service Improvement Board" in _answer(app, fake, VEL, "red")
    _answer(app, fake, VEL, "overdue")

    assert len(fake.answered("conversations.members")) == 1  # remembered for a minute


def test_someone_outside_the_channel_is_refused(app: RunningApp, fake: FakeSlack) -> None:
    _tie_board_to_channel(app)
    fake.members[BOARD_CHANNEL] = [VEL]

    text = _answer(app, fake, SALLY, "red", channel="D0SCLEWES")

    assert "answers only to members of its channel and its chairs" in text
    assert "Social Work Practice Model" not in text


def test_the_chair_is_answered_without_being_in_the_channel(
    app: RunningApp, fake: FakeSlack
) -> None:
    _tie_board_to_channel(app)
    fake.members[BOARD_CHANNEL] = []

    assert "Worcestershire Service Improvement Board" in _answer(app, fake, CHAIR, channel="D0NR")


def test_a_chair_of_two_boards_is_asked_which_and_can_name_one(
    app: RunningApp, fake: FakeSlack
) -> None:
    with app.services.db.session() as session:
        other = ensure_board(
            session,
            "Children's Improvement Board",
            now=app.services.clock.now(),
            timezone="Europe/London",
        )
        nigel = session.exec(select(Person).where(Person.name == "Nigel Richardson")).one()
        add_role(session, other, nigel, CHAIR_ROLE)

    asked = _answer(app, fake, CHAIR, channel="D0NRICHARD")
    assert "Which board?" in asked
    assert "/rag board NAME" in asked

    named = _answer(app, fake, CHAIR, "board Children's Improvement Board", channel="D0NRICHARD")
    assert "Children's Improvement Board" in named
    red = _answer(app, fake, CHAIR, "board worcestershire red", channel="D0NRICHARD")
    assert "Social Work Practice Model" in red
