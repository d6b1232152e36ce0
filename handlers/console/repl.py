"""A terminal conversation with the bot: the same handlers as Slack, typed instead of tapped."""

from __future__ import annotations

import difflib
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from bot.domain.replies import Reply
from handlers.application.app import Application
from handlers.application.boards import BoardInfo
from handlers.application.conversation import Conversation, IncomingMessage, RagRequest
from handlers.application.errors import Busy, Problem
from handlers.application.help import EXAMPLE_UPDATE
from handlers.application.jobs import Scheduler
from handlers.application.people import PersonInfo
from handlers.application.present.answers import HELP_LINES as RAG_FORMS
from handlers.application.present.words import or_list
from handlers.console.notifier import ConsoleNotifier, ReminderThread, dm_channel, rendered

DATABASE_BUSY = (
    "The plan's database is busy or unreachable, so nothing was changed. Please send that again."
)

# What the console accepts, as /help says it. Every command `ConsoleSession.commands()`
# dispatches is named in COMMANDS_HELP (tests/console check it), and so is each chat word.
WORDS_HELP = (
    f"Anything that isn't a command is an update in plain words, e.g. “{EXAMPLE_UPDATE}”.",
    "• 2.3 red - no clear scope yet — start with the ref if you own several actions",
    "• milestone 2 done — tick off a step",
    "• undo — reverse your last update",
    "• snooze 3 days, or remind me Monday — pause the reminders for an action",
    "• help — how to word an update",
)
COMMANDS_HELP = (
    "Commands:",
    *RAG_FORMS,
    "/rag board NAME … — any of those for another board, e.g. /rag board Worcestershire red",
    "/digest — this week's digest for your board, as it would be posted now",
    "/remind — send whatever reminders and digests are due now",
    "/as NAME — talk as someone else, on their board when they have one",
    "/board [NAME] — which board you are on, or switch to another",
    "/thread [REF] — the reminder your next message answers, or pick another",
    "/dm — out of the thread: message the bot directly",
    "/help — this list",
    "/quit — leave (or /exit, /q, Ctrl-D, Ctrl-C)",
)
SLACK_ONLY_HELP = (
    "Only in Slack: /rag admin (the plan admin form), the Home tab and the buttons on "
    "messages. Here you type instead: “undo”, “snooze 3 days”, or a date when asked for one.",
)
QUIT = ("/quit", "/exit", "/q")
SHOWN_NAMES = 6
NEAREST_NAMES = 3
SIMILAR = 0.6
ADMIN_WORD = "admin"  # `/rag admin`, Slack's plan admin form

ADMIN_FORM_SLACK_ONLY = (
    "/rag admin opens the plan admin form, which only Slack has: the console can't show a "
    f"form. Here, change an action with an update in plain words (e.g. “{EXAMPLE_UPDATE}”); "
    "boards, chairs and plans are managed with `actionbot board`, `actionbot people` and "
    "`actionbot import`."
)
HOME_SLACK_ONLY = (
    "The Home tab is only in Slack: the console has no tabs. /rag @{name} lists your actions "
    "here, the overdue ones first."
)
# Slack's words for what a terminal can't do, each answered with a sentence.
SLACK_ONLY_COMMANDS = {"/home": HOME_SLACK_ONLY, "/admin": ADMIN_FORM_SLACK_ONLY}


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
        self._leaving = False
        self._at_prompt = False

    # -- lookups ------------------------------------------------------------------------------

    def _find_board(self, name: str) -> BoardInfo:
        found = self.app.boards.find(name)
        if found is None:
            raise ConsoleError(_no_board(name, self.app.boards.names()))
        return found

    def _find_person(self, name: str) -> PersonInfo:
        found = self.app.people.find(name)
        if found is None:
            raise ConsoleError(_no_person(name, [p.name for p in self.app.people.everyone()]))
        return found

    def _boards_of(self, person: PersonInfo) -> list[str] | None:
        """The boards someone is on: where they own actions, chair or administer, in board
        order; None when their console account can't be found (so nothing can be said)."""
        home = self.app.home.home(self.notifier.platform, person.name)
        if home is None:
            return None
        items = (*home.overdue, *home.due_soon, *home.rest)
        on = {item.board_name for item in items}
        on |= {summary.board_name for summary in home.chaired}
        on |= set(home.administers)
        return [name for name in self.app.boards.names() if name in on]

    @property
    def person_id(self) -> int:
        return self.person.id

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> int:
        """Banner, a sweep so due reminders show, then lines until /quit or end of input.

        Ctrl-D (end of input) and Ctrl-C end it the same way as /quit: a goodbye on a line of
        its own, exit code 0, never a traceback."""
        scheduler: Scheduler | None = None
        try:
            self.say(self._banner())
            self.sweep()
            if self.interactive and self.inp is sys.stdin:
                _enable_line_editing()
            scheduler = self._start_scheduler()
            while (line := self._read_line()) is not None:
                if not self.handle(line):
                    break
        except KeyboardInterrupt:
            pass
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
        self._goodbye()
        return 0

    def handle(self, line: str) -> bool:
        """One line typed; False means leave."""
        text = line.strip()
        self._adopt_new_reminder()
        if not text:
            return True
        if text.startswith("/"):
            self._command(text)
        else:
            self._chat(text)
        return not self._leaving

    def say(self, text: str) -> None:
        self._at_prompt = False
        self.notifier.write(text)

    def _goodbye(self) -> None:
        """After Ctrl-D or Ctrl-C the cursor is still on the prompt: start a new line first."""
        if self._at_prompt:
            self.notifier.out.write("\n")
        self.say(f"Goodbye, {self._first_name()}.")

    def _read_line(self) -> str | None:
        """The prompt only when someone is typing; piped input is read silently."""
        if not self.interactive:
            line = self.inp.readline()
            return line if line else None
        self._adopt_new_reminder()
        prompt = self.prompt()
        self._at_prompt = True
        try:
            if self.inp is sys.stdin:
                line = input(prompt)
            else:
                self.notifier.out.write(prompt)
                self.notifier.out.flush()
                line = self.inp.readline()
                if not line:
                    return None
        except EOFError:
            return None
        self._at_prompt = False  # the Enter key moved to a new line
        return line

    def prompt(self) -> str:
        where = f"[re {self.thread.action_ref}] " if self.thread else ""
        return f"{where}{self._first_name()}> "

    def _first_name(self) -> str:
        return self.person.name.split()[0].capitalize() if self.person.name.split() else "you"

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
        # The board on screen is where a ref is looked for first.
        message = IncomingMessage(self.conversation(), text, board_hint=self.board.name)
        try:
            replies: list[Reply] = self.app.chat.on_message(message)
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
        key = name.casefold()
        handler = self.commands().get(key)
        if handler is not None:
            handler(arg.strip())
        elif key in SLACK_ONLY_COMMANDS:
            self.say(SLACK_ONLY_COMMANDS[key].format(name=self.person.name))
        else:
            self.say(f"There's no {name} command here. /help lists what the console takes.")

    def commands(self) -> dict[str, Callable[[str], None]]:
        """Every slash command the console knows, by name: /help must name each one."""
        found: dict[str, Callable[[str], None]] = {
            "/rag": self._rag,
            "/digest": self._digest,
            "/remind": self._remind,
            "/as": self._as,
            "/board": self._switch_board,
            "/thread": self._thread,
            "/dm": self._dm,
            "/help": self._help,
        }
        found.update(dict.fromkeys(QUIT, self._quit))
        return found

    def _rag(self, query: str) -> None:
        if query.casefold() == ADMIN_WORD:
            self.say(ADMIN_FORM_SLACK_ONLY)
            return
        request = RagRequest(self.conversation(), query, board_hint=self.board.name)
        self.say(rendered(self.app.rag.answer(request)))

    def _digest(self, _arg: str) -> None:
        self.say(rendered(self.jobs.digest(self.board.name)))

    def _remind(self, _arg: str) -> None:
        self.sweep()

    def _as(self, name: str) -> None:
        if not name:
            self.say(f"You are {self._who()}. To talk as someone else: /as NAME")
            return
        try:
            self.person = self._find_person(name)
        except ConsoleError as error:
            self.say(str(error))
            return
        self.notifier.reader = self.person_id
        self.thread, self._adopted = None, None
        self.say(self._moved_to_their_board())
        for text in self.notifier.take_held(self.person_id):
            self.say(text)
        self._adopt_new_reminder()

    def _moved_to_their_board(self) -> str:
        """To the person's board when they have one; with several, which, and how to pick."""
        boards = self._boards_of(self.person)
        here = self.board.name
        if boards is None:
            return f"You are now {self._who()}."
        if len(boards) == 1:
            if boards[0] != here:
                self.board = self._find_board(boards[0])
            return f"You are now {self._who()}, on {self.board.name}."
        if not boards:
            return f"You are now {self._who()}, on no board yet; still looking at {here}."
        others = [name for name in boards if name != here]
        if here in boards:
            return (
                f"You are now {self._who()}, on {here}. They are also on {or_list(others)}: "
                "/board NAME to switch."
            )
        return (
            f"You are now {self._who()}, who is on {_and_list(boards)}. You are still looking "
            f"at {here}: /board NAME to pick one of theirs."
        )

    def _switch_board(self, name: str) -> None:
        if not name:
            others = [b for b in self.app.boards.names() if b != self.board.name]
            also = f" Others: {', '.join(others)}." if others else ""
            self.say(f"You are on {self.board.name}.{also} /board NAME to switch.")
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
        self.say("\n".join((*WORDS_HELP, "", *COMMANDS_HELP, "", *SLACK_ONLY_HELP)))

    def _quit(self, _arg: str) -> None:
        self._leaving = True

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
            "/rag, /digest, /remind, /as NAME, /board NAME, /thread, /dm, /quit. "
            "/help lists everything."
        )


def _no_person(name: str, everyone: Sequence[str]) -> str:
    """Kind, and with the nearest names: who a partial or misspelt name may have meant."""
    shown = " ".join(name.split()).lstrip("@")
    near = _nearest(shown, everyone)
    if not near:
        return f"I don't know anyone called “{shown}”: `actionbot people` lists everyone."
    if len(near) > 1 and all(_starts(n, shown) for n in near):
        return f"I don't know which “{shown}” you mean: {or_list(near)}? Type more of the name."
    return f"I don't know anyone called “{shown}”. Did you mean {or_list(near)}?"


def _nearest(name: str, everyone: Sequence[str]) -> list[str]:
    """Names it starts (first name, surname), else names spelled nearly so, best first."""
    key = name.casefold()
    starting = [n for n in everyone if _starts(n, name)]
    if starting:
        return starting[:SHOWN_NAMES]
    by_key = {n.casefold(): n for n in everyone}
    close = difflib.get_close_matches(key, list(by_key), n=NEAREST_NAMES, cutoff=SIMILAR)
    if not close:  # a misspelt first name or surname alone ("Hilery")
        words = {w: n for n in everyone for w in n.casefold().split()}
        close = difflib.get_close_matches(key, list(words), n=NEAREST_NAMES, cutoff=SIMILAR)
        return list(dict.fromkeys(words[w] for w in close))
    return [by_key[k] for k in close]


def _starts(full: str, typed: str) -> bool:
    """ "Hil" or "Brooks" for Hilary Brooks: a start of the name, or of a later word in it."""
    key = " ".join(typed.split()).casefold()
    words = full.casefold().split()
    return bool(key) and any(" ".join(words[i:]).startswith(key) for i in range(len(words)))


def _no_board(name: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(name.casefold(), [n.casefold() for n in names], n=1)
    nearest = next((n for n in names if close and n.casefold() == close[0]), None)
    guess = f" Did you mean {nearest}?" if nearest else ""
    known = ", ".join(names) or "none yet"
    return f"There's no board called “{name}”.{guess} Boards: {known}."


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


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
