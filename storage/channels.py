"""Where each board posts, platform by platform."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from storage.models import Board, BoardChannel

# Board.channel_id predates other platforms: it is the board's channel on Slack, as
# `actionbot board --channel` sets it and Slack's /rag reads it. Other platforms' are rows.
SLACK = "slack"


def board_channels(session: Session, boards: Iterable[Board]) -> dict[int, dict[str, str]]:
    """By board id: platform → the channel its digest goes to there."""
    found: dict[int, dict[str, str]] = {}
    for board in boards:
        assert board.id is not None
        found[board.id] = {SLACK: board.channel_id} if board.channel_id else {}
    if not found:
        return found
    rows = session.exec(select(BoardChannel).where(col(BoardChannel.board_id).in_(list(found))))
    for row in rows.all():
        found[row.board_id][row.platform] = row.channel_id
    return found


def link_board_channel(session: Session, board: Board, *, platform: str, channel_id: str) -> None:
    """One channel per platform per board; linking again moves it."""
    assert board.id is not None
    if platform == SLACK:
        board.channel_id = channel_id
        session.add(board)
        return
    existing = session.exec(
        select(BoardChannel).where(
            BoardChannel.board_id == board.id, BoardChannel.platform == platform
        )
    ).first()
    if existing is None:
        session.add(BoardChannel(board_id=board.id, platform=platform, channel_id=channel_id))
    else:
        existing.channel_id = channel_id
    session.flush()
