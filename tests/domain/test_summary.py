"""The /rag query language and the answers built from a plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.plan import HistoryEntry, PersonRef
from bot.domain.rag import Rag
from bot.domain.summary import (
    ActionList,
    RagHelp,
    RagQuery,
    RagQueryKind,
    action_detail,
    board_summary,
    find_action,
    natural_ref_key,
    overdue_list,
    parse_rag_query,
    person_list,
    red_list,
    workstream_list,
)
from tests.domain.builders import BEC, PAULA, TINA, action, plan, worcestershire_plan

TODAY = date(2027, 3, 15)
K = RagQueryKind


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", RagQuery(K.BOARD)),
        ("   ", RagQuery(K.BOARD)),
        ("red", RagQuery(K.RED)),
        ("  RED ", RagQuery(K.RED)),
        ("overdue", RagQuery(K.OVERDUE)),
        ("Overdue", RagQuery(K.OVERDUE)),
        ("2.3", RagQuery(K.ACTION, "2.3")),
        ("10", RagQuery(K.ACTION, "10")),
        ("1.2.10", RagQuery(K.ACTION, "1.2.10")),
        ("action 2.3", RagQuery(K.ACTION, "2.3")),
        ("Action   2.3", RagQuery(K.ACTION, "2.3")),
        ("@someone", RagQuery(K.PERSON, "someone")),
        ("@Paula Swindlehurst", RagQuery(K.PERSON, "Paula Swindlehurst")),
        ("@ Paula   Swindlehurst ", RagQuery(K.PERSON, "Paula Swindlehurst")),
        ("<@U123ABC|paula>", RagQuery(K.PERSON, "U123ABC|paula")),
        ("<@U123ABC>", RagQuery(K.PERSON, "U123ABC")),
        ("workstream 4", RagQuery(K.WORKSTREAM, "4")),
        ("ws 4", RagQuery(K.WORKSTREAM, "4")),
        ("WS 4", RagQuery(K.WORKSTREAM, "4")),
        ("workstream Workforce", RagQuery(K.WORKSTREAM, "Workforce")),
        ("workstream  Voice of the child", RagQuery(K.WORKSTREAM, "Voice of the child")),
        ("help", RagQuery(K.HELP)),
        ("HELP", RagQuery(K.HELP)),
        ("what is going on", RagQuery(K.HELP, "what is going on")),
        ("🔥🔥", RagQuery(K.HELP, "🔥🔥")),
        ("2.3a", RagQuery(K.HELP, "2.3a")),
        ("٣.٢", RagQuery(K.HELP, "٣.٢")),
        ("@", RagQuery(K.HELP, "@")),
        ("<@>", RagQuery(K.HELP, "<@>")),
        ("workstream", RagQuery(K.HELP, "workstream")),
    ],
)
def test_parse_rag_query(text: str, expected: RagQuery) -> None:
    assert parse_rag_query(text) == expected


def test_parse_caps_huge_input() -> None:
    query = parse_rag_query("x" * 10_000)
    assert query.kind is K.HELP
    assert query.arg is not None
    assert len(query.arg) <= 500


@given(st.text(max_size=2_000))
def test_parse_never_raises(text: str) -> None:
    query = parse_rag_query(text)
    assert isinstance(query.kind, RagQueryKind)
    assert query.arg is None or len(query.arg) <= 500


def test_natural_ref_key_orders_as_people_read() -> None:
    refs = ["1.10", "1.2", "10.1", "1.9", "2.1", "1", "1.1"]
    assert sorted(refs, key=natural_ref_key) == ["1", "1.1", "1.2", "1.9", "1.10", "2.1", "10.1"]
    assert natural_ref_key("02.3") == natural_ref_key("2.3")
    assert sorted(["A2", "a10", "B1"], key=natural_ref_key) == ["A2", "a10", "B1"]


def test_board_summary_on_worcestershire_shape() -> None:
    summary = board_summary(worcestershire_plan(), today=TODAY)

    assert summary.total == 47
    assert summary.counts[Rag.RED] == 8
    assert summary.counts[Rag.AMBER] == 18
    assert summary.counts[Rag.GREEN] == 21
    assert summary.counts[None] == 0
    assert [w.ref for w in summary.workstreams] == [str(n) for n in range(1, 9)]
    first = summary.workstreams[0]
    assert first.name == "Support and Develop Our Workforce"
    assert (first.total, first.counts[Rag.GREEN], first.counts[Rag.AMBER]) == (8, 4, 3)
    assert first.counts[Rag.RED] == 1
    assert [a.ref for a in summary.red] == ["1.7", "2.1", "2.2", "2.3", "3.2", "4.5", "5.1", "8.2"]
    assert summary.overdue == 0


def test_workstream_lines_sort_naturally_and_unnumbered_last() -> None:
    actions = (
        action("10.1", workstream="Ten"),
        action("x", workstream_ref=None, workstream="Cross-cutting"),
        action("2.1", workstream="Two", rag=None),
        action("2.10", workstream="Two", rag=Rag.RED),
        action("2.9", workstream="Two", rag=Rag.RED),
    )
    summary = board_summary(plan(*actions), today=TODAY)

    assert [w.name for w in summary.workstreams] == ["Two", "Ten", "Cross-cutting"]
    assert summary.workstreams[0].counts[None] == 1
    assert summary.counts[None] == 1
    assert [a.ref for a in summary.red] == ["2.9", "2.10"]


def test_red_list_is_red_only_in_plan_order() -> None:
    actions = (
        action("3.1", rag=Rag.RED),
        action("1.10", rag=Rag.RED),
        action("1.2", rag=Rag.AMBER),
        action("1.9", rag=Rag.RED),
    )
    answer = red_list(plan(*actions), today=TODAY)

    assert [a.ref for a in answer.actions] == ["1.9", "1.10", "3.1"]
    assert not red_list(plan(action("1.1", rag=Rag.GREEN)), today=TODAY).actions


def test_overdue_list_oldest_first_open_only() -> None:
    actions = (
        action("1.1", review_date=date(2027, 3, 1)),
        action("1.2", review_date=date(2027, 1, 31)),
        action("1.3", review_date=date(2027, 2, 1), rag=Rag.COMPLETE),
        action("1.4", review_date=TODAY),
        action("1.5"),
    )
    answer = overdue_list(plan(*actions), today=TODAY)

    assert [a.ref for a in answer.actions] == ["1.2", "1.1"]
    assert board_summary(plan(*actions), today=TODAY).overdue == 2


def test_person_list_worst_first() -> None:
    actions = (
        action("1.1", rag=Rag.GREEN, owners=(PAULA, BEC)),
        action("1.2", rag=Rag.COMPLETE),
        action("1.3", rag=Rag.RED, owners=(BEC,)),
        action("1.4", rag=None),
        action("1.5", rag=Rag.RED),
        action("1.6", rag=Rag.AMBER),
    )
    answer = person_list(plan(*actions), PAULA, today=TODAY)

    assert [a.ref for a in answer.actions] == ["1.5", "1.6", "1.1", "1.4", "1.2"]
    assert PAULA.name in answer.title
    nobody = person_list(plan(*actions), TINA, today=TODAY)
    assert nobody.actions == ()
    assert TINA.name in nobody.empty_text


def test_workstream_list_by_ref_and_name_prefix() -> None:
    sip = worcestershire_plan()

    by_ref = workstream_list(sip, "4", today=TODAY)
    by_name = workstream_list(sip, "listen to", today=TODAY)

    assert isinstance(by_ref, ActionList)
    assert [a.ref for a in by_ref.actions] == ["4.1", "4.2", "4.3", "4.4", "4.5"]
    assert "Listen to the Voice of The Child" in by_ref.title
    assert by_name == by_ref


def test_workstream_list_missing_or_ambiguous_asks() -> None:
    actions = (
        action("1.1", workstream="Workforce"),
        action("2.1", workstream="Workload"),
        action("3.1", workstream="3 Commitment to Continuous Improvement", workstream_ref=None),
    )
    sip = plan(*actions)

    missing = workstream_list(sip, "99", today=TODAY)
    ambiguous = workstream_list(sip, "work", today=TODAY)
    numbered_name = workstream_list(sip, "commitment", today=TODAY)

    assert isinstance(missing, RagHelp)
    assert missing.problem is not None
    assert "99" in missing.problem
    assert isinstance(ambiguous, RagHelp)
    assert ambiguous.problem is not None
    assert "Workforce" in ambiguous.problem
    assert "Workload" in ambiguous.problem
    assert isinstance(numbered_name, ActionList)
    assert [a.ref for a in numbered_name.actions] == ["3.1"]


def test_workstream_list_by_words_anywhere_in_the_name() -> None:
    actions = (
        action("1.1", workstream="Social Work Recruitment"),
        action("1.2", workstream="Social Work Recruitment"),
        action("2.1", workstream="Partner Network"),
        action("3.1", workstream="Retention and Recruitment of Carers"),
    )
    sip = plan(*actions)

    found = workstream_list(sip, "RECRUITMENT of", today=TODAY)
    both = workstream_list(sip, "recruitment", today=TODAY)
    not_inside_a_word = workstream_list(sip, "work recruitment", today=TODAY)
    nothing = workstream_list(sip, "etwork", today=TODAY)

    assert isinstance(found, ActionList)
    assert [a.ref for a in found.actions] == ["3.1"]
    assert isinstance(both, RagHelp)
    assert both.problem is not None
    assert "1 Social Work Recruitment, 3 Retention and Recruitment of Carers" in both.problem
    assert "“/rag workstream 1”" in both.problem
    assert isinstance(not_inside_a_word, ActionList)
    assert [a.ref for a in not_inside_a_word.actions] == ["1.1", "1.2"]
    assert isinstance(nothing, RagHelp)


def test_workstream_list_by_a_word_of_a_real_name() -> None:
    sip = worcestershire_plan()
    by_word = workstream_list(sip, "workforce", today=TODAY)
    assert isinstance(by_word, ActionList)
    assert by_word == workstream_list(sip, "1", today=TODAY)
    assert "Support and Develop Our Workforce" in by_word.title


def test_find_action_by_ref() -> None:
    sip = worcestershire_plan()
    found = find_action(sip, "2.3")
    assert found is not None
    assert found.title == "Social Work Practice Model"
    assert find_action(sip, "9.9") is None


def test_action_detail_history_newest_first() -> None:
    item = action("2.3")
    older = HistoryEntry(1, datetime(2027, 1, 5, tzinfo=UTC), "Paula", "slack", "a", ())
    newer = HistoryEntry(2, datetime(2027, 2, 5, tzinfo=UTC), "Paula", "slack", "b", ())

    detail = action_detail(item, [older, newer], board_name="Board", today=TODAY)

    assert detail.history == (newer, older)
    assert detail.action is item


def test_person_ref_from_other_board_owns_nothing() -> None:
    stranger = PersonRef(id=99, name="Someone Else")
    assert person_list(worcestershire_plan(), stranger, today=TODAY).actions == ()
