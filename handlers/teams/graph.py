"""The two things the bot asks Microsoft Graph: install the app for someone, and — after a
crash — whether a card it was sending reached their chat.

Both are optional: without the Graph permissions (TeamsAppInstallation.ReadWriteForUser.All
to install; the manifest's ChatMessage.Read.Chat to read back) a person who never installed
the app is reported as unreachable, and a takeover after a crash resends (at least once).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import aiohttp
from microsoft_agents.hosting.core.authorization import Connections

from handlers.teams.cards import SEND_ID_PREFIX

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = aiohttp.ClientTimeout(total=15)
RECENT = 50  # messages looked through for an earlier send: a restart follows within minutes


class GraphRefusedError(Exception):
    """Graph said no (a permission not granted, someone unknown) or did not answer."""


class Graph:
    def __init__(self, base_url: str, connections: Connections, app_id: str) -> None:
        self.base = base_url.rstrip("/")
        self.connections = connections
        self.app_id = app_id

    async def install_for(self, aad: str, app_id: str) -> None:
        found = await self._get(
            "/appCatalogs/teamsApps", {"$filter": f"externalId eq '{_quoted(app_id)}'"}
        )
        apps = found.get("value") or []
        if not apps:
            raise GraphRefusedError("the app is not in the organisation's app catalog")
        bind = f"{self.base}/appCatalogs/teamsApps/{apps[0]['id']}"
        await self._send(
            "POST", f"/users/{quote(aad)}/teamwork/installedApps", {"teamsApp@odata.bind": bind}
        )

    async def find_in_chat(self, aad: str, key: str) -> tuple[str, str] | None:
        """(chat id, message id) of a message in their chat with the bot carrying `key`."""
        installs = await self._get(
            f"/users/{quote(aad)}/teamwork/installedApps",
            {"$expand": "teamsApp", "$filter": f"teamsApp/externalId eq '{_quoted(self.app_id)}'"},
        )
        found = installs.get("value") or []
        if not found:
            return None
        chat = await self._get(
            f"/users/{quote(aad)}/teamwork/installedApps/{quote(str(found[0]['id']))}/chat", {}
        )
        chat_id = str(chat.get("id") or "")
        if not chat_id:
            return None
        messages = await self._get(f"/chats/{quote(chat_id)}/messages", {"$top": str(RECENT)})
        return _carrying(messages, key, chat_id)

    async def _token(self) -> str:
        provider = self.connections.get_default_connection()
        return str(await provider.get_access_token("https://graph.microsoft.com", [GRAPH_SCOPE]))

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._send("GET", path, None, params)

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await self._token()}"}
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.request(
                    method, self.base + path, params=params, json=body, headers=headers
                ) as response,
            ):
                text = await response.text()
                if response.status >= 400:
                    raise GraphRefusedError(f"{method} {path.split('?')[0]}: {response.status}")
        except (aiohttp.ClientError, TimeoutError) as failure:
            raise GraphRefusedError(f"{method}: {type(failure).__name__}") from None
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise GraphRefusedError("Graph's answer was not JSON") from None
        return data if isinstance(data, dict) else {}


def _carrying(messages: dict[str, Any], key: str, where: str) -> tuple[str, str] | None:
    marker = SEND_ID_PREFIX + key
    for message in messages.get("value") or []:
        for attachment in message.get("attachments") or []:
            content = attachment.get("content")
            if isinstance(content, str) and marker in content:
                return where, str(message.get("id") or "")
    return None


def _quoted(value: str) -> str:
    """An OData string literal: a quote is doubled."""
    return value.replace("'", "''")
