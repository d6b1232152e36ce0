"""`/rag`: which board is meant, then the domain's answer for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain import summary
from bot.domain.replies import Notice, NoticeKind
from bot.domain.summary import RagAnswer, RagQueryKind
from handlers.application import identity
from handlers.application.conversation import RagRequest
from storage.boards import (
    ADMIN,
    CHAIR,
    board_by_name,
    boards_for_channel,
    boards_with_role,
    has_role,
    list_boards,
)
from storage.channels import board_channels
from storage.db import Database
from storage.history import action_history
from storage.models import Board, Person
from storage.people import find_person, person_by_chat_id, person_ref
from storage.plan import (
    action_view,
    actions_owned_by,
    board_tally,
    find_action,
    load_board_plan,
    overdue_count,
    overdue_plan,
    owned_plan,
    red_plan,
)


class RagHandler:
    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def answer(self, request: RagRequest) -> RagAnswer | Notice:
        """Read-only: one short transaction, nothing written."""
        with self.db.session(commit=False) as session:
            request = _named_board(session, request)
            board = self._board(session, request)
            if isinstance(board, Notice):
                return board
            if not self._may_see(session, board, request):
                return Notice(
                    NoticeKind.REFUSED,
                    f"Sorry, rag for {board.name} answers only to members of its channel "
                    "and its chairs.",
                )
            return self._answer(session, board, request)

    def _may_see(self, session: Session, board: Board, request: RagRequest) -> bool:
        """A board's plan is for its channel's members and its chairs (and admins), no one else.

        The channel is the board's on the asker's platform (Slack's, or Teams')."""
        assert board.id is not None
        channel = board_channels(session, [board])[board.id].get(request.conversation.platform)
        if request.in_channel is None or channel is None:
            return True
        person = self._asker(session, request)
        if person is not None and person.id is not None:
            chairs = has_role(session, board.id, person.id, (CHAIR, ADMIN))
            return chairs or request.in_channel(channel)
        return request.in_channel(channel)

    def _asker(self, session: Session, request: RagRequest) -> Person | None:
        conv = request.conversation
        return identity.identify(session, conv.platform, conv.user_id)

    def _answer(self, session: Session, board: Board, request: RagRequest) -> RagAnswer | Notice:
        query = summary.parse_rag_query(request.text)
        today = self.clock.now().astimezone(ZoneInfo(board.timezone)).date()
        if query.kind is RagQueryKind.ACTION and query.arg:
            return self._action(session, board, query.arg, today)
        if query.kind is RagQueryKind.HELP:
            return summary.RagHelp(board.name, _problem(query.arg))
        # Red, overdue and one person's: the database picks the few; the rest read the board.
        if query.kind is RagQueryKind.RED:
            red, total = red_plan(session, board)
            return summary.red_list(red, today=today, total=total)
        if query.kind is RagQueryKind.OVERDUE:
            late, total = overdue_plan(session, board, today=today)
            return summary.overdue_list(late, today=today, total=total)
        if query.kind is RagQueryKind.PERSON and query.arg:
            person = self._person(session, request, query.arg)
            if person is None or person.id is None:
                return summary.RagHelp(board.name, f"I don't know anyone called {query.arg}.")
            owned = owned_plan(session, board, person.id)
            return summary.person_list(owned, person_ref(session, person), today=today)
        if query.kind is RagQueryKind.WORKSTREAM and query.arg:
            plan = load_board_plan(session, board)
            return summary.workstream_list(plan, query.arg, today=today)
        return self._summary(session, board, today)

    def _summary(self, session: Session, board: Board, today: date) -> summary.BoardSummary:
        """Counted by the database; only the red page is read in full, at any board size."""
        red, total = red_plan(session, board)
        overdue = overdue_count(session, board, today=today)
        return summary.summary_of(
            board.name,
            board_tally(session, board),
            red.actions,
            overdue=overdue,
            today=today,
            red_total=total,
        )

    def _action(self, session: Session, board: Board, ref: str, today: date) -> RagAnswer:
        assert board.id is not None
        action = find_action(session, board.id, ref)
        if action is None or action.id is None:
            return summary.RagHelp(board.name, f"I couldn't find action {ref} on {board.name}.")
        history = action_history(session, action.id)
        view = action_view(session, action)
        return summary.action_detail(view, history, board_name=board.name, today=today)

    def _person(self, session: Session, request: RagRequest, arg: str) -> Person | None:
        """A platform mention carries an account id; a typed @name is looked up by name."""
        platform = request.conversation.platform
        for user_id in (*request.mentioned_user_ids, arg.split("|")[0]):
            found = person_by_chat_id(session, platform, user_id)
            if found is not None:
                return found
        return find_person(session, arg.split("|")[-1])

    def _board(self, session: Session, request: RagRequest) -> Board | Notice:
        """The hint (console), else the channel's board, else the asker's only board."""
        if request.board_hint:
            found = board_by_name(session, request.board_hint)
            return found or _no_board(f"There's no board called “{request.board_hint}”.")
        in_channel = boards_for_channel(session, request.conversation.channel)
        if len(in_channel) == 1:
            return in_channel[0]
        candidates = self._boards_of_asker(session, request)
        if len(candidates) == 1:
            return candidates[0]
        names = ", ".join(b.name for b in candidates) or "none yet"
        return _no_board(
            f"Which board? Ask /rag in the board's channel, or `/rag board NAME …`. "
            f"Boards: {names}."
        )

    def _boards_of_asker(self, session: Session, request: RagRequest) -> list[Board]:
        everything = list(list_boards(session))
        if len(everything) <= 1:
            return everything
        person = self._asker(session, request)
        if person is None or person.id is None:
            return everything
        ids = {b.id for b in boards_with_role(session, person.id, "chair")}
        ids |= {a.board_id for a in actions_owned_by(session, person.id)}
        return [b for b in everything if b.id in ids] or everything


def _named_board(session: Session, request: RagRequest) -> RagRequest:
    """`/rag board Worcestershire red`: the longest run of words that names a board wins."""
    words = request.text.split()
    if len(words) < 2 or words[0].casefold() != "board":
        return request
    for end in range(len(words), 1, -1):
        board = board_by_name(session, " ".join(words[1:end]))
        if board is not None:
            return replace(request, text=" ".join(words[end:]), board_hint=board.name)
    return replace(request, text="", board_hint=" ".join(words[1:]))


def _problem(arg: str | None) -> str | None:
    return f"I didn't understand “{arg[:80]}”." if arg else None


def _no_board(text: str) -> Notice:
    return Notice(NoticeKind.INFO, text)
