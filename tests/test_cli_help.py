"""Every command's --help shows a flag as a flag: `--json`, never `--json <bool>`."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from handlers.cli.main import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Typer carries its own click: groups are told by having subcommands."""
    found = [prefix]
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_no_help_shows_a_flag_as_taking_a_value() -> None:
    root = typer.main.get_command(app)
    commands = _commands(root)
    assert len(commands) > 10
    for words in commands:
        result = CliRunner().invoke(app, [*words, "--help"])
        assert result.exit_code == 0, (words, result.output)
        assert "<bool>" not in result.output, words
        assert "--help" in result.output
