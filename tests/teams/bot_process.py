"""`actionbot …` as its own process, with Microsoft's token service replaced by the test's
stand-in (MSAL talks only to https://login.microsoftonline.com). Everything else — settings
from the environment, the CLI, the SDK's adapter, the connector calls — is the real program.

    python -m tests.teams.bot_process remind
"""

from __future__ import annotations

import os
import sys

from handlers.cli.main import app
from handlers.cli.state import CliOptions
from tests.teams.standins import StandInConnections


def main() -> None:
    connections = StandInConnections(
        os.environ["TEST_ENTRA_URL"],
        client_id=os.environ["TEAMS_APP_ID"],
        client_secret=os.environ["TEAMS_APP_PASSWORD"],
        tenant_id=os.environ["TEAMS_TENANT_ID"],
    )
    app(args=sys.argv[1:], obj=CliOptions(teams_connections=connections))


if __name__ == "__main__":
    main()
