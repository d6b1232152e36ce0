"""Stored Teams activities applied through the SDK's adapter, in the inbox worker's thread.

The edge has verified them; here each runs the SDK's turn pipeline with the claims it came
with, to the end, so "done" means done — including the replies sent to Teams. A failure is
kept from the SDK's default error handler (which would show the person the exception) and
handed to the worker, which retries what is transient and tells the person once if it gives
up.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import ChannelServiceAdapter, MessageFactory, TurnContext
from microsoft_agents.hosting.core.authorization import ClaimsIdentity
from pydantic import ValidationError

from handlers.application.errors import is_busy
from handlers.application.inbox import Attempt, Delivery, Outcome
from handlers.teams.agent import REDELIVERED, TeamsAgent
from handlers.teams.bridge import AsyncBridge
from handlers.teams.edge import Stored

log = logging.getLogger(__name__)

GAVE_UP = (
    "Sorry — I couldn't finish handling your last message or button press (error {error_id}). "
    "Say “rag” to check whether it was recorded, and send it again if not."
)


def transient(error: BaseException) -> bool:
    """Worth another try: the database was busy, or Teams' connector didn't answer well."""
    if is_busy(error) or isinstance(error, ConnectionError | TimeoutError):
        return True
    if isinstance(error, aiohttp.ClientResponseError):
        return error.status == 429 or error.status >= 500
    return isinstance(error, aiohttp.ClientError)


@dataclass
class TeamsReplay:
    bridge: AsyncBridge
    adapter: ChannelServiceAdapter
    agent: TeamsAgent
    app_id: str

    def apply(self, delivery: Delivery, redelivered: bool) -> Attempt:
        try:
            stored = Stored.loads(delivery.body)
            activity = Activity.model_validate(stored.activity)
        except (ValueError, KeyError, TypeError, ValidationError) as unreadable:
            return Attempt(Outcome.REFUSED, f"unreadable activity ({type(unreadable).__name__})")
        failures: list[BaseException] = []

        async def turn(context: TurnContext) -> None:
            context.turn_state[REDELIVERED] = redelivered
            try:
                await self.agent.on_turn(context)
            except Exception as failure:
                failures.append(failure)

        claims = ClaimsIdentity(stored.claims)
        try:
            response = self.bridge.run(self.adapter.process_activity(claims, activity, turn))
        except Exception as failure:
            failures.append(failure)
            response = None
        if failures:
            error = failures[0]
            outcome = Outcome.RETRY if transient(error) else Outcome.FAILED
            log.warning("teams activity failed: %s: %s", type(error).__name__, str(error)[:200])
            return Attempt(outcome, f"{type(error).__name__}: {str(error)[:200]}")
        if response is None:
            return Attempt(Outcome.APPLIED)
        answer = {"status": int(response.status or 200), "body": response.body}
        return Attempt(Outcome.APPLIED, answer=json.dumps(answer))

    def give_up(self, delivery: Delivery, error_id: str) -> None:
        """Tell the person, in the conversation they wrote in, that it did not go through."""
        try:
            activity = Activity.model_validate(Stored.loads(delivery.body).activity)
            reference = activity.get_conversation_reference()
        except (ValueError, KeyError, TypeError, ValidationError):
            return

        async def tell(context: TurnContext) -> None:
            await context.send_activity(MessageFactory.text(GAVE_UP.format(error_id=error_id)))

        try:
            self.bridge.run(
                self.adapter.continue_conversation(
                    self.app_id, reference.get_continuation_activity(), tell
                )
            )
        except Exception:
            log.exception("inbox: could not tell a Teams user about error %s", error_id)
