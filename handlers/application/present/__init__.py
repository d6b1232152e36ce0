"""Every result the core returns, said once as a platform-neutral `bot.content.Message`.

Each platform's renderer draws the Message (handlers/text.py, handlers/slack/blocks.py); the
wording, its order and its emphasis are decided here, by result family: replies.py, answers.py
(`/rag`), reminders.py, digest.py, home.py.
"""

from __future__ import annotations

from typing import assert_never

from bot.content import Message
from bot.domain.digest import Digest
from bot.domain.reminders import ChairAlert, ReminderMessage
from bot.domain.replies import (
    AskWhichAction,
    AskWhichDate,
    Notice,
    PlanChanged,
    UpdateRecorded,
    UpdateUndone,
)
from bot.domain.summary import ActionDetail, ActionList, BoardSummary, RagHelp
from handlers.application.present import answers, digest, reminders, replies

Presentable = (
    UpdateRecorded
    | UpdateUndone
    | PlanChanged
    | AskWhichAction
    | AskWhichDate
    | Notice
    | BoardSummary
    | ActionList
    | ActionDetail
    | RagHelp
    | ReminderMessage
    | ChairAlert
    | Digest
    | Message
)


class NotPresentableError(TypeError):
    """Not something the bot says: a programming error, named by the type."""


def present(content: object) -> Message:
    """Any reply, answer, reminder or digest as a Message (a Message is passed through)."""
    if not isinstance(content, Presentable):
        raise NotPresentableError(type(content).__name__)
    return _present(content)


def _present(content: Presentable) -> Message:
    match content:
        case Message():
            return content
        case UpdateRecorded():
            return replies.update_recorded(content)
        case UpdateUndone():
            return replies.update_undone(content)
        case PlanChanged():
            return replies.plan_changed(content)
        case AskWhichAction():
            return replies.ask_which_action(content)
        case AskWhichDate():
            return replies.ask_which_date(content)
        case Notice():
            return replies.notice(content)
        case BoardSummary():
            return answers.board_summary(content)
        case ActionList():
            return answers.action_list(content)
        case ActionDetail():
            return answers.action_detail(content)
        case RagHelp():
            return answers.rag_help(content)
        case ReminderMessage():
            return reminders.reminder(content)
        case ChairAlert():
            return reminders.chair_alert(content)
        case Digest():
            return digest.digest(content)
        case _:
            assert_never(content)
