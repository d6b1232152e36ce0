"""Where the bot can message someone first, kept for the platforms that need it.

Teams won't take a message for someone by their id alone: the adapter needs the conversation
reference it was handed when they last wrote to the bot or installed the app. It hands that
here (`remember`) each time, and asks for it (`find`, `find_many`) when a reminder or digest
is due. The address is the adapter's own JSON; the core stores it and never reads it.

One transaction per call; a locked or unreachable database is `Busy`.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.clock import Clock
from handlers.application.errors import Invalid, busy_as_busy
from storage.addresses import address_of, addresses_of, remember_address
from storage.db import Database

# A Teams conversation reference is well under 2 KB; anything far bigger isn't one, and a
# row a sweep reads for every recipient should stay small.
MAX_ADDRESS_BYTES = 16 * 1024
MAX_PLATFORM = 16  # ChatAddress.platform
MAX_ACCOUNT_ID = 200  # ChatAddress.account_id, as ChatIdentity.external_id


class Addresses:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def remember(self, platform: str, account_id: str, address: str) -> None:
        """Save (or replace) the account's address. Invalid, before anything is written, for
        an empty platform or account id, or an address that is empty or over 16 KB."""
        _check_key(platform, account_id)
        if not address.strip():
            raise Invalid(f"the {platform} address for {account_id} is empty")
        size = len(address.encode("utf-8"))
        if size > MAX_ADDRESS_BYTES:
            raise Invalid(
                f"the {platform} address for {account_id} is {size} bytes; "
                f"at most {MAX_ADDRESS_BYTES} are kept"
            )
        now = self.clock.now()
        with busy_as_busy(), self.db.session() as session:
            remember_address(
                session, platform=platform, account_id=account_id, address=address, now=now
            )

    def find(self, platform: str, account_id: str) -> str | None:
        """The account's last saved address; None if it has never talked to the bot."""
        if not account_id:
            return None
        with busy_as_busy(), self.db.session(commit=False) as session:
            return address_of(session, platform, account_id)

    def find_many(self, platform: str, account_ids: Iterable[str]) -> dict[str, str]:
        """By account id, the addresses of those that have one: a sweep's worth at once."""
        wanted = [account_id for account_id in account_ids if account_id]
        if not wanted:
            return {}
        with busy_as_busy(), self.db.session(commit=False) as session:
            return addresses_of(session, platform, wanted)


def _check_key(platform: str, account_id: str) -> None:
    """The columns' limits, checked here: PostgreSQL would refuse a longer value with an
    error no adapter should see, and SQLite would keep it silently."""
    if not platform or len(platform) > MAX_PLATFORM:
        raise Invalid(f"a platform name is 1 to {MAX_PLATFORM} characters, not “{platform}”")
    if not account_id.strip():
        raise Invalid(f"an address needs the {platform} account id it belongs to; none was given")
    if len(account_id) > MAX_ACCOUNT_ID:
        raise Invalid(
            f"a {platform} account id is at most {MAX_ACCOUNT_ID} characters; "
            f"this one is {len(account_id)}"
        )
