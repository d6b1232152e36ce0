"""Stored Slack requests applied through the Bolt app, in the inbox worker's thread.

The edge has already verified them; Bolt routes them to the same listeners as ever and runs
each to completion here (process_before_response), so "done" means done. A listener that
fails leaves its error in the request context: the worker decides to retry or to give up.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.application.errors import is_busy
from handlers.application.inbox import Attempt, Delivery, Outcome
from handlers.slack.payloads import stored_sender

log = logging.getLogger(__name__)

# Set around each dispatch: listeners run in this same thread (process_before_response), and
# pass it to the core, which answers a redelivered request again instead of applying it twice.
_redelivery: ContextVar[bool] = ContextVar("redelivery", default=False)


def is_redelivery() -> bool:
    return _redelivery.get()


FAILURES = "inbox_failures"
REDELIVERED = "redelivered"
GAVE_UP = (
    "Sorry — I couldn't finish handling your last message or button press (error {error_id}). "
    "Check with `/rag` whether it was recorded, and send it again if not."
)


def transient(error: BaseException) -> bool:
    """Worth another try: the database was busy or away, or Slack didn't answer."""
    if is_busy(error) or isinstance(error, URLError | ConnectionError | TimeoutError):
        return True
    if isinstance(error, SlackApiError):
        status = getattr(error.response, "status_code", 0)
        return status == 429 or status >= 500
    return False


class BoltReplay:
    def __init__(self, app: App, client: WebClient) -> None:
        self.app = app
        self.client = client

    def apply(self, delivery: Delivery, redelivered: bool) -> Attempt:
        failures: list[BaseException] = []
        try:
            request = BoltRequest(
                body=delivery.body,
                headers={"content-type": [delivery.content_type]},
                context={FAILURES: failures, REDELIVERED: redelivered},
            )
            token = _redelivery.set(redelivered)
            try:
                response = self.app.dispatch(request)
            finally:
                _redelivery.reset(token)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as unreadable:
            # Bolt itself could not read the payload: malformed, however it was signed.
            return Attempt(Outcome.REFUSED, f"unreadable payload ({type(unreadable).__name__})")
        if failures:
            error = failures[0]
            outcome = Outcome.RETRY if transient(error) else Outcome.FAILED
            return Attempt(outcome, f"{type(error).__name__}: {str(error)[:200]}")
        return Attempt(Outcome.APPLIED, answer=response.body or "")

    def give_up(self, delivery: Delivery, error_id: str) -> None:
        """Tell the person, in a DM, that their request did not go through."""
        user = stored_sender(delivery.body, delivery.content_type)
        if user is None:
            return
        try:
            self.client.chat_postMessage(channel=user, text=GAVE_UP.format(error_id=error_id))
        except Exception:
            log.exception("inbox: could not tell %s about error %s", user, error_id)
