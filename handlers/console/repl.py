"""A terminal conversation with the bot: the same handlers as Slack, typed instead of tapped."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
from typing import TextIO

from bot.domain.replies import Reply
from handlers.application.app import Application
from handlers.application.boards import BoardInfo
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.errors import Busy, Problem
from handlers.application.help import EXAMPLE_UPDATE
from handlers.application.jobs import Scheduler
from handlers.application.people import PersonInfo
from handlers.console.notifier import ConsoleNotifier, ReminderThread, dm_channel, rendered

DATABASE_BUSY = (
    "The plan's database is busy or unreachable, so nothing was changed. Please send that again."
)

COMMANDS = (
    "/rag [query] — the board at a glance (/rag red, /rag 1.1, /rag overdue, /rag @name)",
    "/digest — this week's digest for the board",
    "/remind — send whatever reminders and digests are due now",
    "/as NAME — talk as someone else",
    "/board NAME — switch board",
    "/thread [REF] — the reminder you are replying to (or pick another)",
    "/dm — stop replying in a thread: message the bot directly",
    f"/help — this list; anything else is an update, e.g. “{EXAMPLE_UPDATE}”",
    "/quit — leave (or Ctrl-D)",
)
QUIT = frozenset({"/quit", "/exit", "/q"})
SHOWN_NAMES = 6


class ConsoleError(Problem):
    """The console can't start: an unknown board or person."""


class ConsoleSession:
    """One person at the terminal; `/as` changes who, `/board` which board."""

    def __init__(
        self,
        app: Application,
        board: str,
        person_name: str,
        *,
        inp: TextIO,
        out: TextIO,
        interactive: bool | None = None,
    ) -> None:
        self.app = app
        self.inp = inp
        self.interactive = _is_tty(inp) if interactive is None else interactive
        self.notifier = ConsoleNotifier(out, clock=app.clock)
        self.jobs = app.jobs.runner(self.notifier, in_order=True)
        self.board = self._find_board(board)
        self.person = self._find_person(person_name)
        self.notifier.reader = self.person.id
        self.thread: ReminderThread | None = None
        self._adopted: str | None = None

    # -- lookups ------------------------------------------------------------------------------

    def _find_board(self, name: str) -> BoardInfo:
        found = self.app.boards.find(name)
        if found is None:
            names = ", ".join(self.app.boards.names()) or "none yet"
            raise ConsoleError(f"There's no board called “{name}”. Boards: {names}.")
        return found

    def _find_person(self, name: str) -> PersonInfo:
        found = self.app.people.find(name)
        if found is None:
            raise ConsoleError(
                f"I don't know anyone called “{name}” (or the name matches several)."
            )
        return found

    @property
    def person_id(self) -> int:
        return self.person.id

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> int:
        """Banner, a sweep so due reminders show, then lines until /quit or end of input."""
        self.say(self._banner())
        self.sweep()
        if self.interactive and self.inp is sys.stdin:
            _enable_line_editing()
        scheduler = self._start_scheduler()
        try:
            while (line := self._read_line()) is not None:
                if not self.handle(line):
                    break
        except KeyboardInterrupt:
            self.say("Bye.")
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
        return 0

    def handle(self, line: str) -> bool:
        """One line typed; False means leave."""
        text = line.strip()
        self._adopt_new_reminder()
        if not text:
            return True
        if text.split()[0].casefold() in QUIT:
            return False
        if text.startswith("/"):
            self._command(text)
        else:
            self._chat(text)
        return True

    def say(self, text: str) -> None:
        self.notifier.write(text)

    def _read_line(self) -> str | None:
        """The prompt only when someone is typing; piped input is read silently."""
        if not self.interactive:
            line = self.inp.readline()
            return line if line else None
        self._adopt_new_reminder()
        prompt = self.prompt()
        try:
            if self.inp is sys.stdin:
                return input(prompt)
            self.notifier.out.write(prompt)
            self.notifier.out.flush()
        except EOFError:
            return None
        line = self.inp.readline()
        return line if line else None

    def prompt(self) -> str:
        first = self.person.name.split()[0].capitalize() if self.person.name else "you"
        where = f"[re {self.thread.action_ref}] " if self.thread else ""
        return f"{where}{first}> "

    def _start_scheduler(self) -> Scheduler | None:
        """Only when a person is at the keyboard: piped sessions sweep at start and on /remind."""
        if not self.interactive or not self.app.settings.scheduler_enabled:
            return None
        for name in ("apscheduler", "schedules"):
            logging.getLogger(name).setLevel(logging.WARNING)
        scheduler = self.jobs.scheduler()
        scheduler.start()
        return scheduler

    # -- conversation ---------------------------------------------------------------------------

    def conversation(self) -> Conversation:
        return Conversation(
            platform=self.notifier.platform,
            user_id=self.person.name,
            channel=dm_channel(self.person_id),
            thread=self.thread.message_ref if self.thread else None,
            is_direct=True,
        )

    def _chat(self, text: str) -> None:
        try:
            replies: list[Reply] = self.app.chat.on_message(
                IncomingMessage(self.conversation(), text)
            )
        except Busy:
            # Rolled back whole: nothing was changed, and the same line can simply be sent again.
            self.say(DATABASE_BUSY)
            return
        for reply in replies:
            self.say(rendered(reply))

    def _adopt_new_reminder(self) -> None:
        """A reminder that has just arrived is what the next line answers."""
        latest = self.notifier.last_reminder(self.person_id)
        if latest is not None and latest.message_ref != self._adopted:
            self.thread = latest
            self._adopted = latest.message_ref

    # -- slash commands -------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        name, _, arg = text.partition(" ")
        handler = self._commands().get(name.casefold())
        if handler is None:
            self.say(f"Unknown command {name}. /help lists them.")
        else:
            handler(arg.strip())

    def _commands(self) -> dict[str, Callable[[str], None]]:
        return {
            "/rag": self._rag,
            "/digest": self._digest,
            "/remind": self._remind,
            "/as": self._as,
            "/board": self._switch_board,
            "/thread": self._thread,
            "/dm": self._dm,
            "/help": self._help,
        }

    def _rag(self, query: str) -> None:
        request = RagRequest(self.conversation(), query, board_hint=self.board.name)
        self.say(rendered(self.app.rag.answer(request)))

    def _digest(self, _arg: str) -> None:
        self.say(rendered(self.jobs.digest(self.board.name)))

    def _remind(self, _arg: str) -> None:
        self.sweep()

    def _as(self, name: str) -> None:
        if not name:
            self.say("Usage: /as NAME")
            return
        try:
            self.person = self._find_person(name)
        except ConsoleError as error:
            self.say(str(error))
            return
        self.notifier.reader = self.person_id
        self.thread, self._adopted = None, None
        self.say(f"You are now {self._who()}.")
        for text in self.notifier.take_held(self.person_id):
            self.say(text)
        self._adopt_new_reminder()

    def _switch_board(self, name: str) -> None:
        if not name:
            self.say(f"You are on {self.board.name}. Usage: /board NAME")
            return
        try:
            self.board = self._find_board(name)
        except ConsoleError as error:
            self.say(str(error))
            return
        self.say(f"Board: {self.board.name}.")

    def _thread(self, ref: str) -> None:
        received = self.notifier.reminders_for(self.person_id)
        if ref:
            picked = [t for t in received if t.action_ref == ref.strip()]
            if not picked:
                self.say(f"You have no reminder for {ref} in this session.")
                return
            self.thread = picked[-1]
        if self.thread is None:
            self.say("Not in a thread: messages go to the bot directly.")
        else:
            t = self.thread
            self.say(
                f"Replying to the reminder for {t.action_ref} {t.action_title} ({t.board_name})."
            )
        current = self.thread.action_ref if self.thread else None
        others = sorted({t.action_ref for t in received if t.action_ref != current})
        if others:
            self.say(f"Other reminders: {', '.join(others)} (/thread REF to switch).")

    def _dm(self, _arg: str) -> None:
        self.thread = None
        self.say("Out of the thread: messages go to the bot directly.")

    def _help(self, _arg: str) -> None:
        self.say("\n".join(COMMANDS))

    # -- sweeps -------------------------------------------------------------------------------

    def sweep(self) -> None:
        """Send what is due now; messages to other people wait until `/as` them."""
        results = self.jobs.sweep()
        self._adopt_new_reminder()
        sent = sum(r.sent for r in results.values())
        if not sent:
            self.say("(No reminders or digests due right now.)")
        held = self.notifier.held_counts()
        if held:
            self.say(_held_line(held))
        if self.thread is not None:
            self.say(
                f"(Your next message is a reply to the reminder for {self.thread.action_ref}; "
                "/dm to message the bot directly.)"
            )

    def _who(self) -> str:
        role = f" ({self.person.role})" if self.person.role else ""
        return f"{self.person.name}{role}"

    def _banner(self) -> str:
        return (
            f"actionbot console — you are {self._who()}, on {self.board.name}.\n"
            f"Type an update (e.g. “{EXAMPLE_UPDATE}”) or a command: "
            "/rag, /digest, /remind, /as NAME, /board NAME, /thread, /dm, /help, /quit."
        )


def _held_line(held: dict[str, int]) -> str:
    names = sorted(held)
    shown = ", ".join(f"{n} ({held[n]})" for n in names[:SHOWN_NAMES])
    more = f" and {len(names) - SHOWN_NAMES} more" if len(names) > SHOWN_NAMES else ""
    total = sum(held.values())
    return f"({total} message(s) also went to {shown}{more}: /as NAME to read theirs.)"


def _enable_line_editing() -> None:
    """Arrow keys and history at the prompt, where the platform has readline."""
    try:
        importlib.import_module("readline")
    except ImportError:
        return


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
