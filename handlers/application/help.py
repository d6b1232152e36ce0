"""The words the bot uses when it can't act: short, kind, and with an example to copy.

Every example here, typed exactly, does what it says and nothing else, on any day of any year
(tests/handlers/test_examples.py): a fixed date like "14 April" would one day be a weekend,
or too far ahead, and be asked about instead.
"""

EXAMPLE_UPDATE = "amber - slipped two weeks, waiting on sign-off"

HELP_TEXT = (
    "Reply to a reminder (or message me) with an update in plain words, e.g.\n"
    f"• {EXAMPLE_UPDATE}\n"
    "• green - recruitment website live\n"
    "• milestone 2 done\n"
    "• 2.3 red - no clear scope yet (start with the ref if you own several actions)\n"
    "• undo (reverses your last update)\n"
    "• snooze 3 days / remind me Monday (pauses reminders for that action)\n"
    "Chairs: /rag, /rag red, /rag overdue, /rag 2.3, /rag @name, /rag workstream 4."
)

NOT_UNDERSTOOD = (
    "Sorry, I couldn't find an update in that, so nothing was changed. "
    f"Try a status and a few words, e.g. “{EXAMPLE_UPDATE}”, or “help”."
)

TOO_LONG = (
    "That message is longer than I can take as an update (4,000 characters), so nothing "
    "was changed. Please send a shorter summary — the detail can stay in the board pack."
)

UNKNOWN_PERSON = (
    "Sorry, I don't know who you are yet, so I can't change the plan. Ask your plan "
    "administrator to link your account (actionbot people link NAME --slack YOUR_ID)."
)

LOOKS_LIKE_CODE = (
    "That looks like code rather than an update, so nothing was changed. "
    f"Please describe progress in plain words, e.g. “{EXAMPLE_UPDATE}”."
)

SNOOZE_NOT_UNDERSTOOD = (
    "Sorry, I couldn't tell until when, so nothing was changed. Try “snooze 3 days”, "
    "“remind me Monday” or “snooze until 4 December” (up to three months ahead)."
)

QUESTION_GONE = (
    "That question has already been answered (or has lapsed), so nothing was changed. "
    "Send the update again if it still needs making."
)
