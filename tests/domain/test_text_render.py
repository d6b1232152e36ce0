"""Plain-text rendering: every content type shows the facts from its data, readably."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from bot.domain.digest import build_digest
from bot.domain.plan import ActionView, FieldChange, HistoryEntry
from bot.domain.rag import Rag
from bot.domain.reminders import ReminderMessage
from bot.domain.replies import (
    ActionChoice,
    AskWhichAction,
    AskWhichDate,
    Notice,
    NoticeKind,
    UpdateRecorded,
    UpdateUndone,
)
from bot.domain.summary import (
    RagHelp,
    action_detail,
    board_summary,
    person_list,
    red_list,
    workstream_list,
)
from bot.domain.workdays import WorkingCalendar
from handlers.text import format_day, render_text, shorten
from tests.domain.builders import (
    BEC,
    BOARD_NAME,
    PAULA,
    action,
    milestone,
    plan,
    worcestershire_plan,
)

TODAY = date(2027, 3, 15)
TITLE = "Social Work Practice Model"
WORDS = "Practice Model / Approach to be identified"
EVENT = "attend event on Restorative Approach model"
MARKUP = re.compile(r"\*\w|\w\*|\b_\w|\x1b|`|<[@#!]|:\w+:")


def practice_model(**overrides: object) -> ActionView:
    fields: dict[str, object] = {
        "title": TITLE,
        "rag": Rag.RED,
        "review_date": date(2027, 3, 31),
        "review_date_text": "March 2027",
        "latest_update": WORDS,
        "latest_update_at": datetime(2027, 3, 1, 10, tzinfo=UTC),
        "milestones": (
            milestone(1, date(2027, 3, 2), EVENT),
            milestone(2, date(2027, 4, 10), "Roll-out plan agreed"),
            milestone(3, date(2027, 2, 1), "Long finished step", done=True),
        ),
        "owners": (PAULA, BEC),
    }
    fields.update(overrides)
    return action("2.3", **fields)


def assert_plain(text: str) -> None:
    assert text.strip() == text
    assert not MARKUP.search(text), text


def test_format_day() -> None:
    assert format_day(date(2027, 3, 31)) == "Wed 31 Mar 2027"
    assert format_day(date(2026, 12, 4), with_year=False) == "Fri 4 Dec"


def test_shorten_cuts_on_a_word_with_an_ellipsis() -> None:
    text = "word " * 100
    short = shorten(text, 50)
    assert len(short) <= 50
    assert short.endswith("…")
    assert "wor…" not in short
    assert shorten("  a   b ", 50) == "a b"


def test_update_recorded() -> None:
    changes = (
        FieldChange("rag", "red", "amber"),
        FieldChange("review_date", "2027-03-31", "2027-04-14"),
        FieldChange("latest_update", WORDS, "model chosen, rollout plan by 14 April"),
        FieldChange("milestone:2", "open", "done"),
        FieldChange("owner_names", "Paula", "Bec"),
    )
    text = render_text(UpdateRecorded(BOARD_NAME, "2.3", TITLE, changes, update_id=7))

    assert text.startswith(f"Recorded for 2.3 {TITLE}:")
    assert "Red → Amber" in text
    assert "Wed 31 Mar 2027 → Wed 14 Apr 2027" in text
    assert "“model chosen, rollout plan by 14 April”" in text
    assert "milestone 2: open → done" in text
    assert "owner names Paula → Bec" in text
    assert "undo" in text
    assert_plain(text)


def test_update_recorded_shortens_long_words_and_handles_missing_values() -> None:
    long_words = "progress " * 80
    changes = (
        FieldChange("rag", None, "green"),
        FieldChange("review_date", None, "2027-04-14"),
        FieldChange("latest_update", None, long_words),
    )
    text = render_text(UpdateRecorded(BOARD_NAME, "1.1", "Recruitment", changes, update_id=1))

    assert "No RAG → Green" in text
    assert "none → Wed 14 Apr 2027" in text
    assert "…”" in text
    assert len(text) < 450


def test_update_undone() -> None:
    restored = (FieldChange("rag", "amber", "red"), FieldChange("review_date", None, "2027-03-31"))
    text = render_text(UpdateUndone(BOARD_NAME, "2.3", TITLE, restored))
    assert "2.3" in text
    assert TITLE in text
    assert "Amber → Red" in text
    assert "Wed 31 Mar 2027" in text


def test_ask_which_action_numbers_the_choices() -> None:
    choices = (
        ActionChoice("2.3", TITLE, BOARD_NAME),
        ActionChoice("1.2", "Social Work Recruitment Project", BOARD_NAME),
    )
    text = render_text(AskWhichAction(choices))
    assert f"1. 2.3 {TITLE}" in text
    assert "2. 1.2 Social Work Recruitment Project" in text
    assert "e.g. 2.3" in text
    assert BOARD_NAME not in text  # one board: no need to say it
    other = render_text(AskWhichAction((*choices, ActionChoice("4.1", "Audit", "Safeguarding"))))
    assert "3. 4.1 Audit — Safeguarding" in other


def test_ask_which_date() -> None:
    text = render_text(AskWhichDate("friday week", (date(2026, 11, 27), date(2026, 12, 4))))
    assert text.startswith("For the review date, did you mean Fri 27 Nov or Fri 4 Dec? ")
    assert "Reply with the date" in text
    assert "“keep”" in text
    assert text.endswith("Nothing has been changed yet.")


def test_a_date_question_says_why_and_which_date_it_is_about() -> None:
    impossible = AskWhichDate(
        "31 April",
        (date(2027, 4, 30), date(2027, 5, 4)),
        ("“31 April” can't be right: April has only 30 days",),
    )
    text = render_text(impossible)
    assert text.startswith("“31 April” can't be right: April has only 30 days. For the review")
    vague = render_text(AskWhichDate("mid-May", (), ("“mid-May” is vague",), milestone=2))
    assert "I couldn't tell what date “mid-May” means for milestone 2's due date." in vague
    assert "did you mean" not in vague
    spanning = render_text(AskWhichDate("the 1st", (date(2026, 12, 1), date(2027, 1, 1))))
    assert "Tue 1 Dec 2026 or Fri 1 Jan 2027" in spanning


def test_notice_is_its_text() -> None:
    text = "Only owners of 2.3 can update it."
    assert render_text(Notice(NoticeKind.REFUSED, text)) == text


def test_board_summary() -> None:
    text = render_text(board_summary(worcestershire_plan(), today=TODAY))

    assert "Red 8 · Amber 18 · Green 21 · Not started 0 · Complete 0" in text
    assert "No RAG" not in text
    assert "Mon 15 Mar 2027" in text
    assert "4 Listen to the Voice of The Child — Red 1 · Amber 4 (5)" in text
    assert f"2.3 {TITLE} — Paula Swindlehurst: “{WORDS}”" in text
    assert text.count("\n• ") == 8 + 8  # workstream lines + red list
    assert_plain(text)


def test_board_summary_shows_unrated_and_nothing_red() -> None:
    text = render_text(board_summary(plan(action("1.1", rag=None)), today=TODAY))
    assert "No RAG 1" in text
    assert "Nothing is red." in text


def test_red_list_shortens_long_words() -> None:
    long_words = "The scope needs agreement with partners " * 20
    text = render_text(red_list(plan(practice_model(latest_update=long_words)), today=TODAY))
    line = next(line for line in text.splitlines() if "“" in line)
    assert len(line) < 180
    assert "…”" in line


def test_action_list_and_empty_list() -> None:
    sip = plan(practice_model(review_date=date(2027, 3, 1), review_date_text=None))
    text = render_text(person_list(sip, PAULA, today=TODAY))

    assert "Paula Swindlehurst" in text
    assert f"2.3 {TITLE} — Red · review Mon 1 Mar 2027 (overdue)" in text
    assert f"“{WORDS}”" in text
    empty = render_text(red_list(plan(action("1.1", rag=Rag.GREEN)), today=TODAY))
    assert f"Nothing is red on {BOARD_NAME}." in empty


def test_workstream_list_title() -> None:
    answer = workstream_list(worcestershire_plan(), "4", today=TODAY)
    text = render_text(answer)
    assert "Listen to the Voice of The Child (5)" in text
    assert "4.5 Children in Care Council — Red" in text


def test_action_detail() -> None:
    item = practice_model()
    history = [
        HistoryEntry(
            1, datetime(2027, 1, 4, 9, tzinfo=UTC), "Plan Admin", "import", None,
            (FieldChange("rag", None, "amber"),), undone=True,
        ),
        HistoryEntry(
            2, datetime(2027, 3, 1, 10, tzinfo=UTC), "Paula Swindlehurst", "slack", WORDS,
            (FieldChange("rag", "amber", "red"),),
        ),
    ]  # fmt: skip
    text = render_text(action_detail(item, history, board_name=BOARD_NAME, today=TODAY))

    assert text.startswith(f"2.3 {TITLE}")
    assert "RAG: Red" in text
    assert "Review: Wed 31 Mar 2027 (written “March 2027”)" in text
    assert "Paula Swindlehurst (AD CSC), Bec Windsor" in text
    assert f"Tue 2 Mar – {EVENT} (overdue)" in text
    assert "Sat 10 Apr – Roll-out plan agreed" in text
    assert "Long finished step" not in text
    assert f"“{WORDS}”" in text
    newest = text.index("Paula Swindlehurst: RAG Amber → Red, on Mon 1 Mar 2027")
    oldest = text.index("Imported by Plan Admin: RAG No RAG → Amber, on Mon 4 Jan 2027 (undone)")
    assert newest < oldest
    assert_plain(text)


def test_action_detail_hides_written_date_when_it_says_the_same() -> None:
    item = practice_model(review_date_text="Wed 31 Mar 2027", latest_update=None)
    text = render_text(action_detail(item, [], board_name=BOARD_NAME, today=TODAY))
    assert "written" not in text
    assert "History" not in text
    assert "Latest update: none yet" in text


def test_rag_help_lists_the_forms_and_the_problem() -> None:
    problem = f"I couldn't find action 9.9 on {BOARD_NAME}."
    text = render_text(RagHelp(BOARD_NAME, problem))
    assert text.startswith(problem)
    for form in ("/rag red", "/rag overdue", "/rag 2.3", "/rag @", "/rag workstream 4"):
        assert form in text


def test_reminder_message_like_the_product_example() -> None:
    message = ReminderMessage(BOARD_NAME, practice_model(), date(2027, 3, 31), 1, TODAY)
    text = render_text(message)

    assert text.startswith(f"2.3 {TITLE}")
    assert "review Wed 31 Mar." in text
    assert f"Currently RED: “{WORDS}”" in text
    assert (
        f"Open milestones: Tue 2 Mar – {EVENT} (overdue); Sat 10 Apr – Roll-out plan agreed" in text
    )
    assert "Reply here with an update, e.g. amber - " in text
    assert_plain(text)


def test_reminder_without_update_or_milestones() -> None:
    item = practice_model(latest_update=None, milestones=(), rag=None)
    text = render_text(ReminderMessage(BOARD_NAME, item, date(2028, 1, 7), 7, TODAY))
    assert "review Fri 7 Jan 2028" in text
    assert "Currently NO RAG, no update yet." in text
    assert "Open milestones" not in text


def test_digest_sections() -> None:
    red = practice_model()
    recovered = action("1.3", title="Organisational Design Review", rag=Rag.GREEN)
    silent = action("5.1", title="Family Front Door", review_date=date(2027, 3, 1))
    soon = action("6.2", title="Edge of Care", review_date=date(2027, 3, 19), owners=(BEC,))
    sip = plan(
        red, recovered, silent, soon, previous_rag={red.id: Rag.AMBER, recovered.id: Rag.RED}
    )
    text = render_text(build_digest(sip, today=TODAY, calendar=WorkingCalendar()))

    assert BOARD_NAME in text
    assert "Mon 15 Mar 2027" in text
    assert f"Red (1):\n• 2.3 {TITLE} — Paula Swindlehurst, Bec Windsor: “{WORDS}”" in text
    assert f"Newly red this week (1):\n• 2.3 {TITLE}" in text
    assert "Recovered (1):\n• 1.3 Organisational Design Review — now Green" in text
    assert f"Overdue milestones (1):\n• 2.3 {TITLE}: Tue 2 Mar – {EVENT}" in text
    assert "5.1 Family Front Door — review was Mon 1 Mar 2027" in text
    assert "6.2 Edge of Care — review Fri 19 Mar 2027 · Bec Windsor" in text
    assert "Nothing is red." not in text
    assert_plain(text)


def test_quiet_digest_omits_empty_sections() -> None:
    sip = plan(action("1.1", title="Workforce Strategy", rag=Rag.GREEN))
    text = render_text(build_digest(sip, today=TODAY, calendar=WorkingCalendar()))
    assert "Nothing is red." in text
    assert "Green 1" in text
    for heading in ("Newly red", "Recovered", "Overdue milestones", "no update", "Reviews due"):
        assert heading not in text


def test_unknown_content_is_refused() -> None:
    with pytest.raises(TypeError, match="str"):
        render_text("just a string")
