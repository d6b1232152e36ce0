"""The README's examples name files that exist in the repository (a newcomer copies them)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_the_readme_names_exists_in_the_repo() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(
        re.findall(
            r"(?<![\w/.])((?:bot|handlers|storage|schedules|tests|bench|docs)/[\w./-]+\.\w+)", text
        )
    )
    assert named, "the README names some files"
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == []
    assert "../shared" not in text.split("## The sample plan")[0]  # the examples need no ../shared
