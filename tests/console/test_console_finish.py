"""A console that feels finished: history as sentences, one date style, a clean goodbye,
a /help that names everything, /as onto the person's board, Slack-only words said so."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ManualClock
from bot.domain.plan import FieldChange, HistoryEntry
from bot.domain.summary import action_detail
from handlers.application.boards import BoardSettings
from handlers.application.present.words import format_day
from handlers.console.repl import ConsoleSession
from handlers.text import render_text
from handlers.wiring import Services
from tests.console.support import (
    WORCS,
    after,
    csv_rows,
    section,
    single_green_owner,
    transcript,
)
from tests.domain.builders import action

ST_HELENS = "St Helens"
RAG_LETTERS = {"R": "Red", "A": "Amber", "G": "Green"}
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def everyone(services: Services) -> list[str]:
    """Everyone in the sample plans, as the plan keeps their names."""
    return sorted(p.name for p in services.application.people.everyone())


def stored_name(services: Services, typed: str) -> str:
    """A person's name as the plan keeps it (the sheets write some in capitals)."""
    found = services.application.people.find(typed)
    assert found is not None
    return found.name


def full_board_name(services: Services, short: str) -> str:
    found = services.application.boards.find(short)
    assert found is not None
    return found.name


class Interrupted(io.StringIO):
    """Typed lines, then Ctrl-C: reading once they run out raises KeyboardInterrupt."""

    def readline(self, size: int = -1, /) -> str:  # type: ignore[override]  # typeshed's MRO
        line = super().readline(size)
        if not line:
            raise KeyboardInterrupt
        return line


def session_output(
    services: Services, stream: io.StringIO, *, interactive: bool, person: str
) -> tuple[str, int]:
    out = io.StringIO()
    session = ConsoleSession(
        services.application, WORCS, person, inp=stream, out=out, interactive=interactive
    )
    code = session.run()
    return out.getvalue(), code


# -- 1. history lines, and dates in one style -------------------------------------------------


def test_history_reads_as_sentences_with_every_date_alike(
    services: Services, shared_data: Path, clock: ManualClock
) -> None:
    owner, ref = single_green_owner(shared_data)
    out, code = transcript(services, owner, ["amber - slipped to 14 April", f"/rag {ref}"])
    assert code == 0
    owner = stored_name(services, owner)
    today = format_day(clock.now().date())
    history = section(after(out, f"{ref} "), "History")
    assert len(history) == 2, history
    newest, oldest = history
    assert newest.startswith(f"• {owner}: RAG Green → Amber, review date ")
    assert newest.endswith(f" → Wed 14 Apr 2027, on {today} — “slipped to 14 April”")
    assert oldest == f"• Imported from worcestershire_sip.csv on {today}"
    assert not ISO_DATE.search(out), ISO_DATE.findall(out)


def test_every_kind_of_history_entry_is_a_sentence() -> None:
    at = datetime(2026, 11, 30, 10, tzinfo=UTC)

    def entry(number: int, who: str | None, source: str, text: str | None, *changes: FieldChange,
              **flags: bool) -> HistoryEntry:  # fmt: skip
        return HistoryEntry(
            number, at + timedelta(days=number), who, source, text, changes, **flags
        )

    rag = FieldChange("rag", "red", "amber")
    history = [
        entry(1, None, "import", "imported from plan.csv", FieldChange("created", None, "2.3")),
        entry(2, None, "import", "imported from plan v2.csv", FieldChange("rag", "amber", "red"),
              FieldChange("milestone:1", None, "2027-03-02 - Event held")),
        entry(3, "Vel Kenny", "slack", "amber - slipped", rag,
              FieldChange("latest_update", None, "slipped"), undone=True),
        entry(4, "Vel Kenny", "slack", "undo", FieldChange("rag", "amber", "red"), is_undo=True),
        entry(5, None, "cli", "owners changed", FieldChange("owners", "Vel Kenny", "Bec Windsor")),
        entry(6, "Bec Windsor", "teams", "snooze 3 days",
              FieldChange("snooze:7", None, "2026-12-09")),
        entry(7, "Bec Windsor", "teams", "still on it"),
    ]  # fmt: skip
    text = render_text(action_detail(action("2.3"), history, board_name="Board", today=at.date()))

    lines = section(text, "History")
    assert lines == [
        "• Bec Windsor on Mon 7 Dec 2026 — “still on it”",
        "• Bec Windsor: reminders paused until Wed 9 Dec 2026, on Sun 6 Dec 2026",
        "• Changed with the actionbot command: owners Vel Kenny → Bec Windsor, on Sat 5 Dec 2026",
        "• Vel Kenny undid an update: RAG Amber → Red, on Fri 4 Dec 2026",
        "• Vel Kenny: RAG Red → Amber, on Thu 3 Dec 2026 — “slipped” (undone)",
        "• Imported from plan v2.csv: RAG Amber → Red, milestone 1: — → Tue 2 Mar 2027 – Event"
        " held, on Wed 2 Dec 2026",
        "• Imported from plan.csv on Tue 1 Dec 2026",
    ]


def test_no_iso_date_in_anything_the_console_prints(services: Services, shared_data: Path) -> None:
    owner, ref = single_green_owner(shared_data)
    refs_with_milestones = [r["ref"] for r in csv_rows(shared_data / "worcestershire_sip.csv")]
    lines = [
        "amber - slipped to 14 April",
        "snooze 3 days",
        "/rag",
        "/rag red",
        "/rag overdue",
        f"/rag @{owner}",
        "/rag workstream 1",
        *(f"/rag {r}" for r in refs_with_milestones[:6]),
        "/digest",
        "undo",
        f"/rag {ref}",
        f"/board {ST_HELENS}",
        "/rag 1.1",
        "/digest",
    ]
    out, _code = transcript(services, owner, lines)
    assert "Recorded for" in out
    assert not ISO_DATE.search(out), ISO_DATE.findall(out)


# -- 2. Ctrl-C and Ctrl-D ---------------------------------------------------------------------


def test_ctrl_c_at_the_prompt_says_goodbye_on_a_new_line(
    services: Services, shared_data: Path
) -> None:
    owner, _ref = single_green_owner(shared_data)
    first = owner.split()[0].capitalize()
    out, code = session_output(services, Interrupted("/dm\n"), interactive=True, person=owner)
    assert code == 0
    assert "Out of the thread" in out
    assert out.endswith(f"{first}> \nGoodbye, {first}.\n\n")
    assert "Traceback" not in out


def test_ctrl_c_with_piped_input_says_goodbye(services: Services, shared_data: Path) -> None:
    owner, _ref = single_green_owner(shared_data)
    first = owner.split()[0].capitalize()
    out, code = session_output(services, Interrupted("/dm\n"), interactive=False, person=owner)
    assert code == 0
    assert out.endswith(
        f"Out of the thread: messages go to the bot directly.\n\nGoodbye, {first}.\n\n"
    )


def test_ctrl_d_at_the_prompt_says_goodbye_on_a_new_line(
    services: Services, shared_data: Path
) -> None:
    owner, _ref = single_green_owner(shared_data)
    first = owner.split()[0].capitalize()
    out, code = session_output(services, io.StringIO("/dm\n"), interactive=True, person=owner)
    assert code == 0
    assert out.endswith(f"{first}> \nGoodbye, {first}.\n\n")


def test_end_of_piped_input_and_quit_say_goodbye(services: Services, shared_data: Path) -> None:
    owner, _ref = single_green_owner(shared_data)
    first = owner.split()[0].capitalize()
    for lines in (["/dm"], ["/dm", "/exit", "/help"]):
        out, code = transcript(services, owner, lines)
        assert code == 0
        assert out.endswith(f"directly.\n\nGoodbye, {first}.\n\n"), out[-200:]


# -- 3. /help names everything ----------------------------------------------------------------


def test_help_names_every_command_the_console_dispatches(
    services: Services, shared_data: Path
) -> None:
    owner, _ref = single_green_owner(shared_data)
    session = ConsoleSession(
        services.application, WORCS, owner, inp=io.StringIO(), out=io.StringIO()
    )
    commands = sorted(session.commands())
    assert {"/rag", "/as", "/board", "/digest", "/remind", "/thread", "/dm", "/quit"} <= set(
        commands
    )
    out, _code = transcript(services, owner, ["/help"])
    shown = after(out, "Anything that isn't a command")
    missing = [c for c in commands if not re.search(rf"(?<![\w/]){re.escape(c)}(?![\w-])", shown)]
    assert not missing, f"/help doesn't name {missing}:\n{shown}"
    for words in (
        "undo",
        "snooze 3 days",
        "/rag red",
        "/rag overdue",
        "/rag 2.3",
        "/rag @name",
        "/rag workstream",
        "/rag board NAME",
        "/rag admin",
        "Ctrl-D",
        "Ctrl-C",
    ):
        assert words in shown, words


# -- 4. /as -----------------------------------------------------------------------------------


def test_as_moves_to_the_persons_only_board(services: Services, shared_data: Path) -> None:
    owner = stored_name(services, single_green_owner(shared_data)[0])
    worcs = full_board_name(services, WORCS)
    out, _code = transcript(services, "Hilary Brooks", [f"/as {owner}", "/board"], board=ST_HELENS)
    assert f"You are now {owner}, on {worcs}." in out
    assert f"You are on {worcs}." in after(out, "You are now")


def test_as_someone_on_several_boards_keeps_the_board_and_says_how_to_pick(
    services: Services,
) -> None:
    app = services.application
    app.boards.configure("Halton Improvement Board", BoardSettings(), create=True)
    chair = app.boards.first_chair(WORCS)
    assert chair is not None
    app.boards.configure("Halton Improvement Board", BoardSettings(), chairs=[chair])
    worcs, st_helens = full_board_name(services, WORCS), full_board_name(services, ST_HELENS)

    out, _code = transcript(services, "Hilary Brooks", [f"/as {chair}"], board=ST_HELENS)

    said = after(out, "You are now").splitlines()[0]
    theirs = [b for b in app.boards.names() if b in (worcs, "Halton Improvement Board")]
    assert f"who is on {' and '.join(theirs)}." in said
    assert f"You are still looking at {st_helens}: /board NAME to pick one of theirs." in said

    app.boards.configure(st_helens, BoardSettings(), chairs=[chair])
    out, _code = transcript(services, "Hilary Brooks", [f"/as {chair}", "/board"], board=ST_HELENS)
    said = after(out, "You are now").splitlines()[0]
    assert f", on {st_helens}. They are also on " in said
    assert said.endswith(": /board NAME to switch.")
    assert f"You are on {st_helens}." in after(out, "/board NAME to switch.")


def test_as_an_unknown_name_offers_the_nearest(services: Services, shared_data: Path) -> None:
    names = everyone(services)
    target = max(names, key=len)
    misspelt = target[:-2] + target[-1]  # a letter dropped near the end
    starts = Counter(name[:2] for name in names)
    prefix = next(p for p, n in sorted(starts.items()) if n > 1 and p.strip() == p)
    sharing = [n for n in names if n.startswith(prefix)]

    out, _code = transcript(
        services, target, [f"/as {misspelt}", f"/as {prefix}", "/as Qzxv Wplk"], board=WORCS
    )

    assert f"I don't know anyone called “{misspelt}”. Did you mean {target}" in out
    which = after(out, f"I don't know which “{prefix}” you mean: ").splitlines()[0]
    assert all(name in which for name in sharing), which
    assert which.endswith("? Type more of the name.")
    assert "I don't know anyone called “Qzxv Wplk”: `actionbot people` lists everyone." in out
    assert "You are now" not in out


# -- 5. /rag workstream by name ---------------------------------------------------------------


def test_rag_workstream_by_a_word_of_its_name(services: Services, shared_data: Path) -> None:
    rows = csv_rows(shared_data / "worcestershire_sip.csv")
    streams = dict.fromkeys((r["workstream_ref"], r["workstream"]) for r in rows)
    words = Counter(w.casefold() for _ref, name in streams for w in set(name.split()))
    ref, name = next(
        (r, n)
        for r, n in streams
        if any(words[w.casefold()] == 1 and len(w) > 5 for w in n.split())
    )
    word = next(w for w in name.split() if words[w.casefold()] == 1 and len(w) > 5).upper()
    shared = next(w for w, n in sorted(words.items()) if n > 1 and len(w) > 3)
    owner, _ref = single_green_owner(shared_data)

    out, _code = transcript(
        services, owner, [f"/rag workstream {word}", f"/rag workstream {shared}"]
    )

    assert f": Workstream {ref} — {name} (" in out
    several = after(out, f"“{shared}” matches several workstreams: ").splitlines()[0]
    assert "Say which by its number" in several


# -- 6. Slack-only ----------------------------------------------------------------------------


def test_slack_only_commands_say_so(services: Services, shared_data: Path) -> None:
    owner = stored_name(services, single_green_owner(shared_data)[0])
    out, _code = transcript(services, owner, ["/rag admin", "/home"])
    assert "/rag admin opens the plan admin form, which only Slack has" in out
    assert "I didn't understand" not in out
    assert f"The Home tab is only in Slack: the console has no tabs. /rag @{owner}" in out


# -- 7. newly red, in the first digest too ----------------------------------------------------


def test_turned_red_today_is_newly_red_in_the_first_digest(
    services: Services, shared_data: Path, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=2))  # Wednesday: Monday's digest is too late to send
    owner, ref = single_green_owner(shared_data)

    out, _code = transcript(services, owner, [f"{ref} red - no clear scope yet", "/digest"])

    assert f"Recorded for {ref} " in out
    digest = after(out, "weekly digest")
    assert "Red 9 (" not in digest  # no earlier digest to compare with
    newly = section(digest, "Newly red this week (")
    assert [line.split()[1] for line in newly] == [ref]


def test_newly_red_in_the_first_digest_is_not_the_whole_imported_plan(
    services: Services, shared_data: Path, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=2))
    owner, _ref = single_green_owner(shared_data)
    out, _code = transcript(services, owner, ["/digest"])
    assert "Newly red this week" not in after(out, "weekly digest")


# -- 8. the chat knows which board the console is on -----------------------------------------


def test_a_ref_is_looked_for_on_the_board_on_screen(services: Services, shared_data: Path) -> None:
    """Someone who may change 1.1 on both boards means the one on screen."""
    app = services.application
    chair = app.boards.first_chair(WORCS)
    assert chair is not None
    worcs, st_helens = full_board_name(services, WORCS), full_board_name(services, ST_HELENS)
    app.boards.configure(st_helens, BoardSettings(), chairs=[chair])
    worcs_row = next(
        r for r in csv_rows(shared_data / "worcestershire_sip.csv") if r["ref"] == "1.1"
    )
    worcs_rag = RAG_LETTERS[worcs_row["rag"]]
    update = "1.1 amber - slipped two weeks, waiting on sign-off"

    here, _ = transcript(
        services, chair, ["/dm", update, "/rag 1.1", f"/rag board {worcs} 1.1"], board=ST_HELENS
    )
    there, _ = transcript(services, chair, ["/dm", update], board=WORCS)

    recorded = after(here, "Recorded for 1.1 ").splitlines()[0]
    assert worcs_row["project"] not in recorded
    assert "RAG: Amber" in after(here, f"— {st_helens}")
    assert f"RAG: {worcs_rag}" in after(here, f"— {worcs}")
    assert f"Recorded for 1.1 {worcs_row['project']}" in there
