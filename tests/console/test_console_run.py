"""`actionbot run` as a user starts it: the console script, stdin piped, a fresh database.

The real clock is used (that is what `run` does): the sample moves its first review into the
coming days, so the chair's reminders are due whatever the date.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.console.support import bullet_refs, section, worcs_red_refs

TIMEOUT = 120


def command() -> list[str]:
    """The installed console script, or the same entry point through this interpreter."""
    script = Path(sys.executable).parent / "actionbot"
    if script.exists():
        return [str(script)]
    found = shutil.which("actionbot")
    return (
        [found] if found else [sys.executable, "-c", "from handlers.cli.main import main; main()"]
    )


def run(
    tmp_path: Path, lines: list[str], *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A fresh process in an empty folder (no .env), with no Slack unless `env` adds it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'actionbot.db'}"
    environment.update(env or {})
    return subprocess.run(
        [*command(), "run", *args],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment,
        timeout=TIMEOUT,
        check=False,
    )


def after(text: str, marker: str) -> str:
    assert marker in text, f"{marker!r} not in output:\n{text}"
    return text[text.index(marker) :]


def test_run_with_piped_input(tmp_path: Path, shared_data: Path) -> None:
    first = run(tmp_path, ["amber - slipped to 14 April"])
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Loaded the sample plan" in out
    assert "you are Hilary Brooks (DCS), on St Helens Children's Improvement Board" in out
    reminder = after(out, "→ DM to Hilary Brooks")
    assert "Reply here with an update" in reminder
    recorded = re.search(
        r"^Recorded for (\S+) .*: RAG No RAG → Amber; review date .+ → ", out, re.M
    )
    assert recorded, out
    ref = recorded.group(1)
    assert "Traceback" not in first.stderr

    second = run(
        tmp_path, [f"/rag {ref}", "/board worc", "/digest", "undo", "/board st", f"/rag {ref}"]
    )
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "Loaded the sample plan" not in out
    assert "RAG: Amber" in after(out, f"{ref} ")
    digest = after(out, "Worcestershire Service Improvement Board — weekly digest")
    assert bullet_refs(section(digest, "Red (")) == worcs_red_refs(shared_data)
    undone = after(digest, f"Undone for {ref}")
    assert "RAG Amber → No RAG" in undone.splitlines()[0]
    assert "RAG: No RAG" in after(undone, "RAG:").splitlines()[0]


def test_run_refuses_an_unknown_board(tmp_path: Path) -> None:
    result = run(tmp_path, [], "--board", "Narnia")
    assert result.returncode == 1
    assert "no board called “Narnia”" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_refuses_placeholder_tokens(tmp_path: Path) -> None:
    slack = {"SLACK_BOT_TOKEN": "xoxb-your-bot-token", "SLACK_SIGNING_SECRET": "s3cret"}
    result = run(tmp_path, [], env=slack)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is still the placeholder" in result.stderr


def _read_until(fd: int, marker: bytes, seconds: float) -> bytes:
    """What the terminal shows, until `marker` appears, the process ends or time runs out."""
    seen, end = b"", time.monotonic() + seconds
    while marker not in seen and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the process has gone and closed its end
            break
        if not chunk:
            break
        seen += chunk
    return seen


def _exit_code(pid: int, *, seconds: float) -> int | None:
    """The child's exit code; None (and the child stopped) if it hasn't ended in time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
@pytest.mark.parametrize("key", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_at_a_real_terminal_say_goodbye(tmp_path: Path, key: bytes) -> None:
    """At a terminal (a pseudo-terminal here): the prompt, then the key; a goodbye on its own
    line, exit 0, no traceback."""
    import pty

    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'actionbot.db'}"
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console script, as a person starts it
        try:
            os.chdir(tmp_path)
            os.execvpe(command()[0], [*command(), "run"], environment)  # noqa: S606 - no shell
        finally:
            os._exit(127)  # never back into pytest
    try:
        shown = _read_until(fd, b"Hilary> ", TIMEOUT)
        assert b"Hilary> " in shown, shown.decode(errors="replace")
        # As a person would, a moment after the prompt: a signal arriving while input() is
        # still setting up the line editor waits for the next key (CPython's readline).
        time.sleep(0.5)
        os.write(fd, key)
        shown += _read_until(fd, b"Goodbye, Hilary.\r\n", 30)
        code = _exit_code(pid, seconds=30)
    finally:
        os.close(fd)
    text = shown.decode(errors="replace")
    assert code == 0, text
    assert re.search(r"Hilary> (\^C|\^D)?\r\nGoodbye, Hilary\.\r\n", text), text[-300:]
    assert "Traceback" not in text
