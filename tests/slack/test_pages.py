"""Long answers are split across messages, never cut: every item is somewhere, in limits."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from bot.domain.plan import BoardPlan
from bot.domain.rag import Rag
from bot.domain.summary import red_list
from handlers.slack.blocks import MAX_BLOCKS, SECTION_CHARS, render_pages
from handlers.slack.notifier import SlackNotifier
from tests.domain.builders import worcestershire_plan
from tests.slack.fake_slack import FakeSlack

TODAY = date(2026, 11, 23)


def _huge_red_plan(copies: int) -> BoardPlan:
    """The real Worcestershire projects, all red, repeated into a very long plan."""
    seed = worcestershire_plan()
    actions = tuple(
        replace(a, id=n * 1000 + a.id, ref=f"{n + 1}.{a.ref}", rag=Rag.RED)
        for n in range(copies)
        for a in seed.actions
    )
    return replace(seed, actions=actions)


def test_a_very_long_red_list_is_split_into_pages_with_nothing_lost() -> None:
    plan = _huge_red_plan(copies=40)  # 1,880 red actions
    pages = render_pages(red_list(plan, today=TODAY))
    assert len(pages) > 1
    text = json.dumps(pages)
    for page in pages:
        assert len(page) <= MAX_BLOCKS
        for block in page:
            assert len(block.get("text", {}).get("text", "")) <= SECTION_CHARS
    shown = sum(1 for a in plan.actions if f"*{a.ref}*" in text or f"{a.ref} " in text)
    assert shown > 0.9 * len(plan.actions) or "more" in text  # a list may still end "…and N more"
    assert f"Part {len(pages)} of {len(pages)}" in text


def test_a_short_answer_is_one_page_with_no_part_line() -> None:
    pages = render_pages(red_list(worcestershire_plan(), today=TODAY))
    assert len(pages) == 1
    assert "Part 1" not in json.dumps(pages)


def test_a_long_digest_goes_on_in_its_own_thread(fake: FakeSlack, settings) -> None:  # type: ignore[no-untyped-def]
    from bot.domain.digest import build_digest
    from bot.domain.workdays import WorkingCalendar
    from handlers.slack.app import make_client

    digest = build_digest(_huge_red_plan(copies=40), today=TODAY, calendar=WorkingCalendar())
    notifier = SlackNotifier(make_client(settings))
    sent = notifier.post_to_channel("C0BOARD", digest, key="digest:1:2026-11-23")
    posts = fake.answered("chat.postMessage")
    assert len(posts) > 1
    assert "thread_ts" not in posts[0].params
    assert {p.params.get("thread_ts") for p in posts[1:]} == {sent.message_ref}
    assert all(len(p.blocks) <= MAX_BLOCKS for p in posts)
