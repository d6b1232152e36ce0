"""What every command prints: one clean line per error, terminal-safe text, tables.

A use case's `Invalid` is a usage error (exit 2), any other `Problem` exit 1, `Busy` exit 1
with "try again"; `guarded` turns each into its one line on stderr, never a traceback.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TextIO, TypeVar

import typer

from bot.domain.safety import terminal_safe

# rich, the use cases' errors and rules, and the renderer are imported where they are used:
# `actionbot --help` and a command's own start pay only for what that command runs
# (tests/test_startup_imports.py).

P = ParamSpec("P")
R = TypeVar("R")
USAGE = 2
BUSY = "the database is busy or unreachable, so nothing was changed: please try again"


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr and an exit code; never a traceback."""
    typer.secho(f"actionbot: {terminal_safe(message)}", err=True, fg="red")
    raise typer.Exit(code)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """The command, with the application's errors reported as `fail` reports them."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        from handlers.application.errors import Busy, Invalid, Problem

        try:
            return command(*args, **kwargs)
        except Invalid as error:
            fail(error.message, USAGE)
        except Problem as error:
            fail(error.message)
        except Busy:
            fail(BUSY)

    return run


def echo(text: str = "") -> None:
    """Text from files and the database can't move the cursor, recolour or retitle a terminal."""
    typer.echo(terminal_safe(text))


def note(text: str) -> None:
    """A line on stderr that is not an error (stdout may be the export itself)."""
    typer.echo(terminal_safe(text), err=True)


def rendered(content: object) -> str:
    """Anything the core answers with, as plain text."""
    from handlers.text import render_text

    try:
        return render_text(content)
    except TypeError:
        return str(content)


def checked_name(text: str, option: str) -> str:
    """A board's or person's name as given on the command line, or exit 2 before any write."""
    from handlers.application import rules

    return rules.name(text, option)


def checked_names(texts: Sequence[str] | None, option: str) -> list[str]:
    return [checked_name(text, option) for text in texts or []]


def optional_name(text: str | None, option: str) -> str | None:
    return checked_name(text, option) if text is not None else None


RAG_STYLES = {"red": "bold red", "amber": "bold dark_orange", "green": "green", "complete": "blue"}


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A rich table for people at a terminal; tab-separated lines for pipes and tests.

    A cell that is a RAG status ("red", "Amber" …) is coloured as one on a terminal."""
    if _is_tty(sys.stdout):
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*(_cell(cell) for cell in row))
        Console(highlight=False).print(table)
        return
    echo("\t".join(headers))
    for row in rows:
        echo("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in row))


def _cell(text: str) -> str:
    from rich.markup import escape

    shown = escape(terminal_safe(text))  # no [markup] from the data either
    style = RAG_STYLES.get(text.strip().casefold())
    return f"[{style}]{shown}[/]" if style else shown


_RAG_WORDS = re.compile(r"\b(RED|Red|AMBER|Amber|GREEN|Green|COMPLETE|Complete)\b")


def echo_answer(text: str) -> None:
    """An answer or digest: RAG statuses in their colours on a terminal, plain when piped."""
    if not _is_tty(sys.stdout):
        echo(text)
        return
    from rich.console import Console
    from rich.text import Text

    shown = Text(terminal_safe(text))
    for found in _RAG_WORDS.finditer(shown.plain):
        shown.stylize(RAG_STYLES[found.group(1).casefold()], found.start(), found.end())
    Console(highlight=False).print(shown)


def print_json(data: Any) -> None:
    """For scripts: one JSON document on stdout, keys as given, dates as ISO strings."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """ "1 action", "3 actions", "1 person", "2 people"."""
    word = noun if count == 1 else (plural_form or f"{noun}s")
    return f"{count:,} {word}"


T = TypeVar("T")


@contextmanager
def progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on a terminal (stderr), nothing when piped; yields `advance(n)`."""
    if not _is_tty(sys.stderr) or not total:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def tracked(items: Sequence[T], description: str) -> Iterable[T]:
    """Each item, with a progress bar on a terminal for long runs."""
    with progress(description, len(items)) as advance:
        for item in items:
            yield item
            advance(1)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
