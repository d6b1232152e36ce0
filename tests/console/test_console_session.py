"""The console session on the bundled sample, driven line by line with a clock we control."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlmodel import select

from handlers.console.repl import ConsoleError, ConsoleSession
from handlers.wiring import Services
from storage.models import Notification
from tests.console.support import (
    WORCS,
    after,
    bullet_refs,
    busiest_owner,
    section,
    single_green_owner,
    transcript,
    worcs_red_refs,
)


def test_reminder_reply_rag_digest_and_undo(services: Services, shared_data: Path) -> None:
    owner, ref = single_green_owner(shared_data)
    out, code = transcript(
        services,
        owner,
        ["amber - slipped to 14 April", f"/rag {ref}", "/digest", "undo", f"/rag {ref}"],
    )
    assert code == 0
    folded = out.casefold()
    assert f"→ DM to {owner}".casefold() in folded
    assert f"{ref} " in after(out, "→ DM to")
    recorded = after(out, f"Recorded for {ref}")
    assert "RAG Green → Amber" in recorded.splitlines()[0]
    assert "→ Wed 14 Apr 2027" in recorded.splitlines()[0]
    assert "RAG: Amber" in after(recorded, f"{ref} ")
    digest = after(recorded, "weekly digest")
    assert bullet_refs(section(digest, "Red (")) == worcs_red_refs(shared_data)
    undone = after(digest, f"Undone for {ref}")
    assert "Amber → Green" in undone.splitlines()[0]
    assert "RAG: Green" in after(undone, "RAG:").splitlines()[0]


def test_other_peoples_reminders_wait_until_you_are_them(
    services: Services, shared_data: Path
) -> None:
    owner, _ref = single_green_owner(shared_data)
    busiest, refs = busiest_owner(shared_data)
    out, _code = transcript(services, owner, ["/as " + busiest])
    before_switch, _, after_switch = out.partition("You are now")
    assert f"→ DM to {busiest}".casefold() not in before_switch.casefold()
    assert "also went to" in before_switch
    header = re.compile(rf"^→ DM to {re.escape(busiest)}\n(\S+) ", re.MULTILINE | re.IGNORECASE)
    assert set(header.findall(after_switch)) == set(refs)


def test_replies_go_to_the_latest_reminder_until_dm(services: Services, shared_data: Path) -> None:
    busiest, refs = busiest_owner(shared_data)
    out, _code = transcript(
        services,
        busiest,
        [
            "amber - slipped to 14 April",
            f"/thread {refs[0]}",
            "green - done for now",
            "/dm",
            "amber - slipped again",
        ],
    )
    assert f"Recorded for {refs[-1]} " in out
    assert f"Recorded for {refs[0]} " in after(out, f"Replying to the reminder for {refs[0]}")
    assert "Which action do you mean?" in after(out, "Out of the thread")


def test_sweeps_send_once(services: Services, shared_data: Path) -> None:
    owner, _ref = single_green_owner(shared_data)
    first, _ = transcript(services, owner, ["/remind"])
    assert "(No reminders or digests due right now.)" in after(first, "also went to")
    with services.db.session(commit=False) as session:
        count = len(session.exec(select(Notification)).all())
    again, _ = transcript(services, owner, [])
    assert "→ DM to" not in again
    with services.db.session(commit=False) as session:
        assert len(session.exec(select(Notification)).all()) == count


def test_the_start_sweep_posts_the_weekly_digest_on_monday(
    services: Services, shared_data: Path
) -> None:
    owner, _ref = single_green_owner(shared_data)
    out, _ = transcript(services, owner, [])
    posted = after(out, "→ #console (Worcestershire")
    assert bullet_refs(section(posted, "Red (")) == worcs_red_refs(shared_data)


def test_commands_and_help(services: Services, shared_data: Path) -> None:
    owner, _ref = single_green_owner(shared_data)
    out, code = transcript(
        services, owner, ["/help", "/frobnicate", "/board St Helens", "/rag", "/as Nobody Atall"]
    )
    assert code == 0
    assert "/digest — this week's digest" in out
    assert "There's no /frobnicate command here. /help lists what the console takes." in out
    assert "Board: St Helens Children's Improvement Board." in out
    assert "St Helens Children's Improvement Board — RAG on Mon 23 Nov 2026" in out
    assert "I don't know anyone called “Nobody Atall”" in out


def test_quit_stops_reading(services: Services, shared_data: Path) -> None:
    owner, ref = single_green_owner(shared_data)
    out, code = transcript(services, owner, ["/quit", f"{ref} red - should not be read"])
    assert code == 0
    assert "Recorded" not in out


def test_prompt_shows_the_thread_only_when_interactive(
    services: Services, shared_data: Path
) -> None:
    owner, ref = single_green_owner(shared_data)
    first = owner.split()[0].capitalize()
    out = io.StringIO()
    session = ConsoleSession(
        services.application, WORCS, owner, inp=io.StringIO("/dm\n"), out=out, interactive=True
    )
    assert session.run() == 0
    assert f"[re {ref}] {first}> " in out.getvalue()
    assert f"\n{first}> " in out.getvalue().replace(f"[re {ref}] {first}> ", "")
    assert session.prompt() == f"{first}> "


def test_unknown_board_or_person_is_refused(services: Services) -> None:
    with pytest.raises(ConsoleError, match="no board called"):
        ConsoleSession(
            services.application, "Narnia", "Hilary Brooks", inp=io.StringIO(), out=io.StringIO()
        )
    with pytest.raises(ConsoleError, match="don't know anyone"):
        ConsoleSession(
            services.application, WORCS, "Nobody Atall", inp=io.StringIO(), out=io.StringIO()
        )
