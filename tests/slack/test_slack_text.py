"""Slack's text as Slack sends it becomes the words the person typed, decoded exactly once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.slack.slack_text import decode, rich_text_as_slack_text
from tests.slack.conftest import SALLY, VEL, RunningApp
from tests.slack.fake_slack import BOT_USER_ID, Call, FakeSlack


def slack_escape(text: str) -> str:
    """What Slack does to what a person typed before it sends it to us as `text`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def rich_text(*elements: dict[str, Any]) -> list[dict[str, Any]]:
    section = {"type": "rich_text_section", "elements": list(elements)}
    return [{"type": "rich_text", "block_id": "b1", "elements": [section]}]


def plain(blocks: Sequence[object]) -> str:
    return decode(rich_text_as_slack_text(blocks))


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("R&amp;D", "R&D"),
        ("costs &lt;with&gt; partners", "costs <with> partners"),
        ("&amp;lt;", "&lt;"),  # once only: a typed "&lt;" stays "&lt;"
        ("&amp;amp;", "&amp;"),
        ("&quot; &#39; &nbsp;", "&quot; &#39; &nbsp;"),  # Slack escapes only the three
        ("<@U0VELKENNY>", "@U0VELKENNY"),
        ("<@U0VELKENNY|vel.kenny> please", "@vel.kenny please"),
        ("<@W0ENTERPRISE|>", "@W0ENTERPRISE"),
        ("<#C0BOARD|improvement-board>", "#improvement-board"),
        ("<#C0BOARD>", "#C0BOARD"),
        ("<#C0BOARD|>", "#C0BOARD"),
        ("see <https://x.gov.uk/plan|the plan>", "see the plan"),
        ("<https://x.gov.uk/plan?a=1&amp;b=2>", "https://x.gov.uk/plan?a=1&b=2"),
        ("<https://x.gov.uk|R&amp;D &lt;pack&gt;>", "R&D <pack>"),
        ("<mailto:bec@council.gov.uk|bec@council.gov.uk>", "bec@council.gov.uk"),
        ("<mailto:bec@council.gov.uk>", "bec@council.gov.uk"),
        ("<!here> update", "@here update"),
        ("<!channel>", "@channel"),
        ("<!everyone>", "@everyone"),
        ("<!here|here>", "@here"),
        ("<!subteam^S0LEADS|@leads>", "@leads"),
        ("<!subteam^S0LEADS>", "@S0LEADS"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        (
            "<!date^1392734382^{date} at {time}^https://x.y|18 Feb 2014 at 6:39>",
            "18 Feb 2014 at 6:39",
        ),
        ("", ""),
        ("a plain update", "a plain update"),
    ],
)
def test_each_slack_form_reads_as_typed(sent: str, typed: str) -> None:
    assert decode(sent) == typed


def test_rich_text_gives_the_same_words_as_text() -> None:
    blocks = rich_text(
        {"type": "text", "text": "R&D <with> ", "style": {"bold": True}},
        {"type": "link", "url": "https://x.gov.uk/a?b=1&c=2", "text": "the plan"},
        {"type": "text", "text": " "},
        {"type": "link", "url": "https://x.gov.uk/a?b=1&c=2"},
        {"type": "text", "text": " "},
        {"type": "user", "user_id": "U0VELKENNY"},
        {"type": "text", "text": " "},
        {"type": "channel", "channel_id": "C0BOARD"},
        {"type": "text", "text": " "},
        {"type": "broadcast", "range": "here"},
        {"type": "text", "text": " "},
        {"type": "usergroup", "usergroup_id": "S0LEADS"},
    )
    assert plain(blocks) == (
        "R&D <with> the plan https://x.gov.uk/a?b=1&c=2 @U0VELKENNY #C0BOARD @here @S0LEADS"
    )


@pytest.mark.parametrize(
    ("emoji", "shown"),
    [
        ({"type": "emoji", "name": "thumbsup", "unicode": "1f44d"}, "👍"),
        ({"type": "emoji", "name": "family", "unicode": "1f468-200d-1f469-200d-1f467"}, "👨‍👩‍👧"),
        ({"type": "emoji", "name": "party-parrot"}, ":party-parrot:"),
        ({"type": "emoji", "name": "odd", "unicode": "zz"}, ":odd:"),
        ({"type": "emoji", "name": "huge", "unicode": "110000"}, ":huge:"),
        ({"type": "emoji", "name": "half", "unicode": "d800"}, ":half:"),
    ],
)
def test_an_emoji_is_its_character_when_slack_names_one(emoji: dict[str, Any], shown: str) -> None:
    assert plain(rich_text({"type": "text", "text": "done "}, emoji)) == f"done {shown}"


def test_lists_quotes_and_blocks_each_take_a_line() -> None:
    def section(text: str) -> dict[str, Any]:
        return {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}

    blocks = [
        {
            "type": "rich_text",
            "elements": [
                section("amber - two things:"),
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [section("a"), section("b")],
                },
                {"type": "rich_text_quote", "elements": [{"type": "text", "text": "quoted"}]},
            ],
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "not rich text"}},
        {"type": "rich_text", "elements": [section("last")]},
    ]
    assert plain(blocks) == "amber - two things:\na\nb\nquoted\nlast"


def test_rich_text_written_as_slack_writes_text_is_decoded_once() -> None:
    sent = rich_text_as_slack_text(rich_text({"type": "text", "text": "&lt; is how R&D writes <"}))
    assert sent == "&amp;lt; is how R&amp;D writes &lt;"
    assert decode(sent) == "&lt; is how R&D writes <"


# --- properties -----------------------------------------------------------------------------

_MARKUP = st.text(alphabet="<>|&;@#!^:/amplgtUCS0123 ", max_size=60)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["type", "elements", "text", "url", "name", "unicode", "user_id", "range"]
            ),
            inner
            | st.sampled_from(
                [
                    "rich_text",
                    "rich_text_section",
                    "rich_text_list",
                    "text",
                    "link",
                    "user",
                    "emoji",
                    "broadcast",
                    "date",
                    "1f44d",
                ]
            ),
            max_size=5,
        )
    ),
    max_leaves=30,
)


@given(st.text(max_size=300) | _MARKUP)
def test_what_a_person_typed_comes_back_exactly(typed: str) -> None:
    assert decode(slack_escape(typed)) == typed


@given(st.text(max_size=300) | _MARKUP)
def test_decoding_never_raises(text: str) -> None:
    assert isinstance(decode(text), str)


@given(st.lists(st.text(max_size=40), max_size=6))
def test_rich_text_words_come_back_exactly(words: list[str]) -> None:
    blocks = rich_text(*({"type": "text", "text": w} for w in words))
    assert plain(blocks) == "".join(words).rstrip("\n")


@given(st.lists(_JSON, max_size=4))
def test_rich_text_of_any_shape_never_raises(blocks: list[object]) -> None:
    assert isinstance(plain(blocks), str)


# --- through Slack's HTTP protocol ------------------------------------------------------------

WORDS = "R&D costs agreed <with> partners"


def _replies_to(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.answered("chat.postMessage") if c.params.get("channel") == channel]


def test_r_and_d_is_stored_and_shown_as_typed(app: RunningApp, fake: FakeSlack) -> None:
    event = app.slack.direct_message(slack_escape(f"2.3 amber - {WORDS}"), user=VEL)

    assert app.slack.event(event).status == 200

    confirmation = fake.wait_for(lambda: _replies_to(fake, "D" + VEL[1:]))
    app.settle()
    action = app.action("2.3")
    assert (action.rag, action.latest_update) == ("amber", WORDS)
    [entry] = app.updates("2.3")
    assert entry.text == f"2.3 amber - {WORDS}"
    # What we send is mrkdwn: escaped once, so Slack shows it as typed.
    blocks = json.dumps(confirmation.blocks, ensure_ascii=False)
    for sent in (confirmation.text, blocks):
        assert slack_escape(WORDS) in sent
        assert "&amp;amp;" not in sent
        assert "<with>" not in sent
    assert WORDS in decode(confirmation.text)


def test_a_message_slack_sent_only_as_rich_text_is_read(app: RunningApp, fake: FakeSlack) -> None:
    event = app.slack.direct_message("", user=SALLY)
    event["blocks"] = rich_text(
        {"type": "user", "user_id": BOT_USER_ID},
        {"type": "text", "text": " 4.5 amber - R&D booked "},
        {"type": "emoji", "name": "thumbsup", "unicode": "1f44d"},
    )

    assert app.slack.event(event).status == 200

    fake.wait_for(lambda: _replies_to(fake, "D" + SALLY[1:]))
    app.settle()
    action = app.action("4.5")
    assert (action.rag, action.latest_update) == ("amber", "R&D booked 👍")


def test_a_channel_mention_is_decoded_after_the_bot_s_mention_is_taken_off(
    app: RunningApp, fake: FakeSlack
) -> None:
    event = app.slack.mention(slack_escape("4.5 amber - R&D booked with <cic>"), user=SALLY)

    assert app.slack.event(event).status == 200

    fake.wait_for(lambda: _replies_to(fake, "C0BOARD"))
    app.settle()
    [entry] = app.updates("4.5")
    assert entry.text == "4.5 amber - R&D booked with <cic>"
