"""The typed payload shapes: what Slack sends parses; anything else is a BadPayload, no crash."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.rag import Rag
from handlers.application.taps import AdminOp
from handlers.slack.blocks import TAP_RAG
from handlers.slack.interactive import TAP_RAGS
from handlers.slack.modals import (
    DATE_BLOCK,
    DATE_INPUT,
    RAG_BLOCK,
    RAG_INPUT,
    TEXT_BLOCK,
    TEXT_INPUT,
    FormOrigin,
    form_key,
    read_admin_form,
    read_form,
)
from handlers.slack.payload_fields import MAX_NUMBER, BadPayload, parse_number
from handlers.slack.payloads import (
    ButtonPress,
    MessageEvent,
    ResponseHosts,
    SlashCommand,
    ViewSubmission,
)
from tests.slack.fake_slack import SlackSender

KEY = form_key("test-secret")
HOOK = "https://hooks.slack.com/actions/T0COUNCIL/1/abc"
STAND_IN = ResponseHosts.for_api("http://127.0.0.1:8123/api/")
SENDER = SlackSender("http://127.0.0.1:1/slack/events", "test-secret", response_base=HOOK)
MESSAGE = {"type": "message", "ts": "1700000000.000001", "blocks": [{"type": "section"}]}


def press(**changes: Any) -> dict[str, Any]:
    body = SENDER.block_actions(
        user="U0VELKENNY", message=MESSAGE, channel="D0VELKENNY", action_id="tap_snooze", value="11"
    )
    body["response_url"] = HOOK
    pressed = body["actions"][0]
    for key, value in changes.items():
        (pressed if key in ("value", "action_id", "action_ts") else body)[key] = value
    return body


def command(**changes: Any) -> dict[str, Any]:
    body = {
        "command": "/rag",
        "text": "red",
        "user_id": "U0NRICHARD",
        "channel_id": "C0BOARD",
        "trigger_id": "1.1700000000.abc",
        "response_url": HOOK,
    }
    body.update(changes)
    return body


def submission(metadata: str, values: dict[str, Any], user: str = "U0VELKENNY") -> dict[str, Any]:
    view = {"callback_id": "tap_update_form", "private_metadata": metadata, "id": "V0FORM0001"}
    return SENDER.view_submission(user=user, view=view, values=values)


def signed(user: str = "U0VELKENNY", channel: str | None = "D0VELKENNY") -> str:
    return FormOrigin(11, channel, "1700000000.000001", user).encode(KEY)


# -- what Slack sends ----------------------------------------------------------------------


def test_a_press_as_slack_sends_it_parses() -> None:
    parsed = ButtonPress.parse(press())

    assert (parsed.user_id, parsed.channel, parsed.message_ts) == (
        "U0VELKENNY",
        "D0VELKENNY",
        "1700000000.000001",
    )
    assert (parsed.action_id, parsed.number, parsed.response_url) == ("tap_snooze", 11, HOOK)
    assert parsed.thread == "1700000000.000001"
    assert parsed.message_blocks == ({"type": "section"},)


def test_a_rag_press_names_only_the_buttons_rags() -> None:
    assert ButtonPress.parse(press(action_id=f"{TAP_RAG}amber")).rag(TAP_RAG, TAP_RAGS) is Rag.AMBER
    for junk in ("purple", "not_started", "AMBER", "amber ", ""):
        with pytest.raises(BadPayload):
            ButtonPress.parse(press(action_id=f"{TAP_RAG}{junk}")).rag(TAP_RAG, TAP_RAGS)


def test_a_command_and_a_message_event_parse() -> None:
    parsed = SlashCommand.parse(command())
    assert (parsed.user_id, parsed.channel_id, parsed.text) == ("U0NRICHARD", "C0BOARD", "red")
    event = SENDER.direct_message("amber - done", user="U0VELKENNY")
    message = MessageEvent.parse({"event": event, "event_id": "Ev012345"})
    assert (message.user, message.channel, message.text) == (
        "U0VELKENNY",
        "D0VELKENNY",
        event["text"],
    )
    assert message.event_id == "Ev012345"


@pytest.mark.parametrize(
    "value", ["9" * 5000, "-1", "0", "1e9", "1.5", " 7", "7 ", "0x10", "２", "", str(2**31)]
)
def test_button_values_are_bounded_whole_numbers(value: str) -> None:
    with pytest.raises(BadPayload):
        _ = ButtonPress.parse(press(value=value)).number


def test_the_largest_id_is_accepted() -> None:
    assert parse_number(str(MAX_NUMBER), "id") == MAX_NUMBER


@pytest.mark.parametrize(
    "change",
    [
        {"user": None},
        {"user": {"id": 42}},
        {"user": {"id": "U" + "A" * 80}},
        {"trigger_id": ["x"]},
        {"actions": []},
        {"actions": [{"action_id": "tap_snooze"}]},  # no value
        {"actions": "tap_snooze"},
        {"channel": {"id": "../../etc"}},
        {"message": {"ts": "yesterday"}},
        {"message": {"ts": "1700000000.000001", "blocks": "<b>"}},
        {"message": {"ts": "1700000000.000001", "blocks": [{"type": "x", "elements": [1]}]}},
        {"type": "view_submission"},
    ],
)
def test_a_malformed_press_is_refused(change: dict[str, Any]) -> None:
    body = press()
    body.update(change)
    with pytest.raises(BadPayload):
        ButtonPress.parse(body)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/actions/1",  # not https
        "https://hooks.slack.com.evil.example/1",
        "https://evil.example/hooks.slack.com",
        "https://hooks.slack.com@evil.example/1",
        "https://hooks.slack.com:8443/1",
        "http://127.0.0.2:8123/respond/1",
        "http://127.0.0.1:9999/respond/1",  # the stand-in's host, another port
        "https://made-up-host.invalid/respond",
        "file:///etc/passwd",
        "https://hooks.slack.com/" + "a" * 2000,
        "https://hooks.slack.com:99999/x",
    ],
)
def test_a_response_url_off_slack_is_refused(url: str) -> None:
    with pytest.raises(BadPayload):
        ButtonPress.parse(press(response_url=url), hosts=STAND_IN)
    with pytest.raises(BadPayload):
        SlashCommand.parse(command(response_url=url), hosts=STAND_IN)
    assert STAND_IN.find({"response_url": url}) is None


def test_slacks_hooks_and_the_configured_host_are_allowed() -> None:
    assert STAND_IN.check(HOOK) == HOOK
    assert STAND_IN.check("http://127.0.0.1:8123/respond/1") == "http://127.0.0.1:8123/respond/1"
    gov = ResponseHosts.for_api("https://slack-gov.com/api/")
    assert gov.check("https://hooks.slack-gov.com/actions/1")
    with pytest.raises(BadPayload):
        ResponseHosts().check("http://127.0.0.1:8123/respond/1")  # not configured: not allowed


@pytest.mark.parametrize(
    "change",
    [
        {"user_id": None},
        {"user_id": 5},
        {"channel_id": "general"},
        {"text": "x" * 40_001},
        {"text": ["red"]},
        {"response_url": None},
    ],
)
def test_a_malformed_command_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(BadPayload):
        SlashCommand.parse(command(**change))


# -- the signed form origin ------------------------------------------------------------------


def test_a_form_signed_here_reads_back() -> None:
    values = {
        RAG_BLOCK: {RAG_INPUT: {"selected_option": {"value": "amber"}}},
        DATE_BLOCK: {DATE_INPUT: {"selected_date": "2027-01-29"}},
        TEXT_BLOCK: {TEXT_INPUT: {"value": "agreed"}},
    }
    origin, answer = read_form(ViewSubmission.parse(submission(signed(), values)), KEY)

    assert origin == FormOrigin(11, "D0VELKENNY", "1700000000.000001", "U0VELKENNY")
    assert (answer.rag, answer.new_date, answer.text) == (Rag.AMBER, date(2027, 1, 29), "agreed")


def _tampered() -> list[str]:
    good = signed()
    text, _, signature = good.rpartition(".")
    raw = json.loads(text)
    moved = json.dumps({**raw, "c": "C0OTHERCHANNEL"}, separators=(",", ":"), sort_keys=True)
    other_action = json.dumps({**raw, "a": 12}, separators=(",", ":"), sort_keys=True)
    return [
        "",
        "{}",
        json.dumps({"a": 11, "c": "D0VELKENNY", "m": None}),  # the old, unsigned form
        f"{moved}.{signature}",
        f"{other_action}.{signature}",
        FormOrigin(11, "D0VELKENNY", None, "U0VELKENNY").encode(form_key("another secret")),
        good[:-2],
        good + "A",
        text + ".!!!!",
        FormOrigin(11, "not a channel", None, "U0VELKENNY").encode(KEY),
        FormOrigin(2**40, None, None, "U0VELKENNY").encode(KEY),
        "x" * 5000,
    ]


@pytest.mark.parametrize("metadata", _tampered())
def test_a_forged_or_tampered_origin_is_refused(metadata: str) -> None:
    values = {TEXT_BLOCK: {TEXT_INPUT: {"value": "agreed"}}}
    with pytest.raises(BadPayload):
        read_form(ViewSubmission.parse(submission(metadata, values)), KEY)


def test_someone_elses_form_is_refused() -> None:
    values = {TEXT_BLOCK: {TEXT_INPUT: {"value": "agreed"}}}
    with pytest.raises(BadPayload, match="someone else"):
        read_form(ViewSubmission.parse(submission(signed(), values, user="U0SCLEWES")), KEY)


@pytest.mark.parametrize(
    "values",
    [
        {RAG_BLOCK: {RAG_INPUT: {"selected_option": {"value": "purple"}}}},
        {RAG_BLOCK: {RAG_INPUT: {"selected_option": "amber"}}},
        {DATE_BLOCK: {DATE_INPUT: {"selected_date": "2027-02-30"}}},
        {DATE_BLOCK: {DATE_INPUT: {"selected_date": "next friday"}}},
        {DATE_BLOCK: {DATE_INPUT: {"selected_date": 20270130}}},
        {TEXT_BLOCK: {TEXT_INPUT: {"value": "x" * 2001}}},
        {TEXT_BLOCK: {TEXT_INPUT: {"value": {"$ne": ""}}}},
        {TEXT_BLOCK: "words"},
    ],
)
def test_an_answer_the_form_could_not_send_is_refused(values: dict[str, Any]) -> None:
    with pytest.raises(BadPayload):
        read_form(ViewSubmission.parse(submission(signed(), values)), KEY)


def _admin(values: dict[str, Any]) -> dict[str, Any]:
    view = {"callback_id": "admin_form", "id": "V0ADMIN01"}
    board = {"board": {"board": {"selected_option": {"value": "Service Improvement Board"}}}}
    return SENDER.view_submission(user="U0NRICHARD", view=view, values={**board, **values})


def test_the_admin_form_reads_back_and_refuses_what_it_does_not_offer() -> None:
    op = {"op": {"op": {"selected_option": {"value": "tick_milestone"}}}}
    position = {"position": {"position": {"value": "2"}}}
    request = read_admin_form(ViewSubmission.parse(_admin({**op, **position})))
    assert request is not None
    assert (request.op, request.position) == (AdminOp.TICK_MILESTONE, 2)
    for bad in (
        {"op": {"op": {"selected_option": {"value": "drop_tables"}}}},
        {**op, "position": {"position": {"value": "9" * 5000}}},
        {**op, "owners": {"owners": {"selected_users": ["U1"] * 11}}},
        {**op, "owners": {"owners": {"selected_users": [{"id": "U1"}]}}},
        {**op, "ref": {"ref": {"value": "x" * 33}}},
    ):
        with pytest.raises(BadPayload):
            read_admin_form(ViewSubmission.parse(_admin(bad)))


# -- junk: anything at all is parsed or refused with BadPayload, nothing else -------------------

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["9" * 5000, "-1", "1e9", "purple", "tap_rag_purple", "D0VELKENNY", HOOK]),
)
_junk = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_PRESS_PATHS = [
    ("user",),
    ("user", "id"),
    ("trigger_id",),
    ("actions",),
    ("actions", 0),
    ("actions", 0, "value"),
    ("actions", 0, "action_id"),
    ("actions", 0, "action_ts"),
    ("channel",),
    ("channel", "id"),
    ("message",),
    ("message", "ts"),
    ("message", "thread_ts"),
    ("message", "blocks"),
    ("response_url",),
    ("view",),
]
_VIEW_PATHS = [
    ("user", "id"),
    ("view",),
    ("view", "id"),
    ("view", "hash"),
    ("view", "private_metadata"),
    ("view", "state"),
    ("view", "state", "values"),
    ("view", "state", "values", TEXT_BLOCK),
    ("view", "state", "values", TEXT_BLOCK, TEXT_INPUT),
    ("view", "state", "values", TEXT_BLOCK, TEXT_INPUT, "value"),
    ("view", "state", "values", RAG_BLOCK, RAG_INPUT, "selected_option"),
    ("view", "state", "values", DATE_BLOCK, DATE_INPUT, "selected_date"),
]


def _replace(body: Any, path: tuple[Any, ...], junk: object) -> Any:
    changed = copy.deepcopy(body)
    here = changed
    for step in path[:-1]:
        try:
            here = here[step]
        except (KeyError, IndexError, TypeError):
            return changed
        if not isinstance(here, dict | list):
            return changed
    with contextlib.suppress(IndexError, TypeError):
        here[path[-1]] = junk
    return changed


def _only_bad_payload(call: Any) -> None:
    with contextlib.suppress(BadPayload):
        call()


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=_junk, path=st.sampled_from(_PRESS_PATHS), rag_prefix=st.booleans())
def test_junk_in_a_press_is_only_ever_a_bad_payload(
    junk: object, path: tuple[Any, ...], rag_prefix: bool
) -> None:
    body = _replace(press(), path, junk)

    def parse() -> None:
        parsed = ButtonPress.parse(body, hosts=STAND_IN)
        assert 1 <= parsed.number <= MAX_NUMBER
        if rag_prefix:
            parsed.rag(TAP_RAG, TAP_RAGS)

    _only_bad_payload(parse)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=_junk, path=st.sampled_from(_VIEW_PATHS))
def test_junk_in_a_submission_is_only_ever_a_bad_payload(
    junk: object, path: tuple[Any, ...]
) -> None:
    values = {TEXT_BLOCK: {TEXT_INPUT: {"value": "agreed"}}}
    body = _replace(submission(signed(), values), path, junk)
    _only_bad_payload(lambda: read_form(ViewSubmission.parse(body), KEY))
    _only_bad_payload(lambda: read_admin_form(ViewSubmission.parse(body)))


@settings(max_examples=300, deadline=None)
@given(junk=_junk)
def test_junk_anywhere_is_only_ever_a_bad_payload(junk: object) -> None:
    _only_bad_payload(lambda: ButtonPress.parse(junk, hosts=STAND_IN))
    _only_bad_payload(lambda: SlashCommand.parse(junk, hosts=STAND_IN))
    _only_bad_payload(lambda: MessageEvent.parse(junk))
    _only_bad_payload(lambda: MessageEvent.parse({"event": junk}))
    _only_bad_payload(lambda: ViewSubmission.parse(junk))
    _only_bad_payload(lambda: STAND_IN.find(junk))
    if isinstance(junk, str):
        _only_bad_payload(lambda: FormOrigin.decode(junk, KEY))
        _only_bad_payload(lambda: parse_number(junk, "junk"))


@settings(max_examples=300, deadline=None)
@given(junk=st.dictionaries(st.sampled_from(list(command())), _junk, max_size=6))
def test_junk_in_a_command_is_only_ever_a_bad_payload(junk: dict[str, Any]) -> None:
    _only_bad_payload(lambda: SlashCommand.parse(command(**junk), hosts=STAND_IN))
