"""The Teams app package an admin uploads: manifest.json and its two icons, at the zip's root.

Teams learns of a bot only through this package (Teams admin centre → Manage apps → Upload, or
the Developer Portal), so it is built from the same few facts every time: the bot's Microsoft
App ID, a version and who publishes it. Pure functions: `build_manifest` makes the dict and
`write_package` writes the zip; the CLI (handlers/cli/teams.py) checks the options and prints.
Nothing here needs the Agents SDK, the application or the database.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "COMMANDS",
    "DEFAULT_DEVELOPER",
    "ICONS",
    "MANIFEST_VERSION",
    "RSC_PERMISSIONS",
    "SCHEMA_URL",
    "Developer",
    "build_manifest",
    "is_developer_name",
    "is_domain",
    "is_guid",
    "is_https_url",
    "is_version",
    "write_package",
]

SCHEMA_URL = (
    "https://developer.microsoft.com/en-us/json-schemas/teams/v1.19/MicrosoftTeams.schema.json"
)
MANIFEST_VERSION = "1.19"
SHORT_NAME = "actionbot"
FULL_NAME = "actionbot for improvement boards"  # Teams wants the full name unlike the short
SHORT_DESCRIPTION = "Keeps your improvement plan moving between board meetings."
FULL_DESCRIPTION = (
    "actionbot holds a council's improvement plan (boards, workstreams, actions, owners, "
    "review dates, milestones and RAG status) and follows it up in Teams. It messages each "
    "owner before their review date, takes their update in plain words (\u201camber - "
    "slipped two weeks, waiting on sign-off\u201d) or a tap on Green, Amber or Red, and "
    "replies with exactly what it recorded, with Undo. Chairs ask \u201crag\u201d for the "
    "board at a glance (rag red, rag overdue, rag 2.3, rag @person, rag workstream 4), and "
    "the board channel gets a weekly digest of red and overdue items. It runs on your own "
    "council's server: no other account or service is needed."
)
ACCENT_COLOR = "#1F3A5F"  # the navy behind the colour icon's traffic light
ICONS = {"color": "color.png", "outline": "outline.png"}
ICON_PIXELS = {"color.png": 192, "outline.png": 32}  # what Teams requires of each
SCOPES = ["personal", "team"]
COMMANDS = (
    ("rag", "RAG summary: rag, rag red, rag 2.3, rag overdue, rag workstream 4, rag @person"),
    ("help", "How to send an update, undo it or snooze a reminder, with examples"),
)
# Resource-specific consent, granted by a team's owner when the app is added to the team, and
# only for that team. Each one, and why the bot asks for it (docs: "Supported RSC permissions").
# Reading messages back (after a crash) is not asked for here: RSC in personal scope is limited
# to ChatMessageReadReceipt.Read.Chat, and ChannelMessage.Read.Group would have Teams deliver
# every channel message to the bot, not only @mentions. The tenant-wide Graph permission
# Chat.Read.WhereInstalled (granted in Entra, README "Microsoft Teams") covers the personal chat.
RSC_PERMISSIONS = {
    "TeamMember.Read.Group": "people sync --teams: the team's roster, matched by email or UPN",
}
GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
DOMAIN = re.compile(
    r"(?:\*\.)?(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::[0-9]{1,5})?"
)
MAX_VALID_DOMAINS = 16
MAX_URL = 2048
DEVELOPER_NAME_CHARS = 32
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the same options give the same bytes


@dataclass(frozen=True)
class Developer:
    """Who publishes the app, as Teams shows it on the app's About page."""

    name: str
    website_url: str
    privacy_url: str
    terms_of_use_url: str


# Placeholders that Teams accepts, for a first upload to try it out; the CLI says so when they
# are used, since people see them on the app's About page.
PLACEHOLDER_URL = "https://www.example.com/actionbot"
DEFAULT_DEVELOPER = Developer(
    name="actionbot",
    website_url=PLACEHOLDER_URL,
    privacy_url=PLACEHOLDER_URL,
    terms_of_use_url=PLACEHOLDER_URL,
)


def is_guid(text: str) -> bool:
    """A Microsoft App ID (Entra application/client id) as Teams' schema spells a GUID."""
    return GUID.fullmatch(text) is not None


def is_https_url(text: str) -> bool:
    """Teams refuses developer links that are not https://; a host is needed too."""
    scheme, _, rest = text.partition("://")
    host = rest.split("/", 1)[0]
    return (
        scheme.lower() == "https"
        and bool(host)
        and len(text) <= MAX_URL
        and not any(c.isspace() for c in text)
    )


def is_version(text: str) -> bool:
    """MAJOR.MINOR.PATCH: Teams only offers an update to a package with a higher version."""
    return SEMVER.fullmatch(text) is not None


def is_domain(text: str) -> bool:
    """A host name as validDomains takes it (optionally *.-prefixed), with no scheme or path."""
    return len(text) <= MAX_URL and DOMAIN.fullmatch(text) is not None


def is_developer_name(text: str) -> bool:
    """Shown on the app's About page: visible text on one line, at most 32 characters."""
    return bool(text.strip()) and len(text) <= DEVELOPER_NAME_CHARS and text.isprintable()


def build_manifest(
    app_id: str,
    *,
    version: str = "1.0.0",
    developer: Developer = DEFAULT_DEVELOPER,
    valid_domains: Sequence[str] = (),
) -> dict[str, Any]:
    """The manifest.json for Teams manifest schema 1.19.

    The bot's App ID is the Teams app's id too: one Entra app per Teams app (Teams requires the
    1:1 mapping for RSC), and it is how Graph finds the app in the tenant's catalog (by
    externalId) to install it for people. The RSC permissions need `webApplicationInfo`, whose
    `resource` Teams ignores for RSC but refuses to be empty; api://botid-<id> is the form bot
    single sign-on would use, should it ever be added. Raises ValueError on bad input: the CLI
    checks first and says what to do.
    """
    _check(app_id, version, developer, valid_domains)
    commands = [{"title": title, "description": text} for title, text in COMMANDS]
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": developer.name,
            "websiteUrl": developer.website_url,
            "privacyUrl": developer.privacy_url,
            "termsOfUseUrl": developer.terms_of_use_url,
        },
        "name": {"short": SHORT_NAME, "full": FULL_NAME},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": dict(ICONS),
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(SCOPES), "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": list(dict.fromkeys(valid_domains)),
        "webApplicationInfo": {"id": app_id, "resource": f"api://botid-{app_id}"},
        "authorization": {
            "permissions": {
                "resourceSpecific": [
                    {"name": name, "type": "Application"} for name in RSC_PERMISSIONS
                ]
            }
        },
    }


def write_package(manifest: Mapping[str, Any], output: Path) -> None:
    """The zip Teams takes: manifest.json and the icons it names, all at the root (Teams refuses
    a package whose files sit in a folder). Written beside `output` and renamed into place, so
    a failure never leaves half a package where an admin might upload it."""
    icons = manifest.get("icons", {})
    files = {"manifest.json": (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    for name in icons.values():
        files[name] = icon(name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            package.writestr(entry, data)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def icon(name: str) -> bytes:
    """A bundled icon (package data: handlers/teams/assets); KeyError for any other name, so a
    manifest can't pull some other file into the package."""
    if name not in ICON_PIXELS:
        raise KeyError(f"no bundled Teams icon called {name!r}")
    return (resources.files("handlers.teams") / "assets" / name).read_bytes()


def _check(app_id: str, version: str, developer: Developer, valid_domains: Sequence[str]) -> None:
    if not is_guid(app_id):
        raise ValueError(f"the app id must be a GUID, not {app_id!r}")
    if not is_version(version):
        raise ValueError(f"the version must be MAJOR.MINOR.PATCH, not {version!r}")
    if not is_developer_name(developer.name):
        raise ValueError(f"the developer name must be 1 to {DEVELOPER_NAME_CHARS} characters")
    for url in (developer.website_url, developer.privacy_url, developer.terms_of_use_url):
        if not is_https_url(url):
            raise ValueError(f"developer links must be https:// URLs, not {url!r}")
    bad = [domain for domain in valid_domains if not is_domain(domain)]
    if bad:
        raise ValueError(f"not a domain: {bad[0]!r}")
    if len(set(valid_domains)) > MAX_VALID_DOMAINS:
        raise ValueError(f"at most {MAX_VALID_DOMAINS} valid domains")
