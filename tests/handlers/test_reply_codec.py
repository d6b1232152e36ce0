"""Replies kept with a handled event come back exactly as they were sent."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan import FieldChange
from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    PlanChanged,
    Reply,
    UpdateRecorded,
    UpdateUndone,
    decode_replies,
    encode_replies,
)

_text = st.text(max_size=40)
_maybe = st.none() | _text
_changes = st.lists(st.builds(FieldChange, _text, _maybe, _maybe), max_size=4).map(tuple)
_choices = st.lists(st.builds(ActionChoice, _text, _text, _text), max_size=4).map(tuple)
_dates = st.lists(st.dates(date(2000, 1, 1), date(2100, 12, 31)), max_size=4).map(tuple)
_replies: st.SearchStrategy[Reply] = st.one_of(
    st.builds(UpdateRecorded, _text, _text, _text, _changes, st.integers(0, 2**62)),
    st.builds(UpdateUndone, _text, _text, _text, _changes),
    st.builds(PlanChanged, _text, _text, _text, _changes),
    st.builds(AskWhichAction, _choices),
    st.builds(AskWhichDate, _text, _dates),
    st.builds(Notice, st.sampled_from(NoticeKind), _text),
)


@given(st.lists(_replies, max_size=5))
def test_replies_round_trip_exactly(replies: list[Reply]) -> None:
    decoded = decode_replies(encode_replies(replies))

    assert decoded == replies
    assert [type(r) for r in decoded] == [type(r) for r in replies]


def test_an_empty_answer_round_trips() -> None:
    assert decode_replies(encode_replies([])) == []
