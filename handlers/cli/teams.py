"""`actionbot teams manifest`: the Teams app package a council's Teams admin uploads.

Every option is checked here, before anything is written, and a bad one is a sentence saying
what is wrong and what to do (exit 2). handlers/teams/manifest.py builds and writes the package.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Annotated

import typer

from handlers.cli.output import USAGE, echo, fail, guarded, note
from handlers.cli.state import state
from handlers.teams.manifest import (
    DEFAULT_DEVELOPER,
    DEVELOPER_NAME_CHARS,
    MAX_VALID_DOMAINS,
    Developer,
    build_manifest,
    is_developer_name,
    is_domain,
    is_guid,
    is_https_url,
    is_version,
    write_package,
)

MESSAGES_PATH = "/api/messages"
APP_ID_HELP = (
    "--app-id must be your bot's Microsoft App ID, a GUID like "
    "00000000-0000-0000-0000-000000000000 (Azure portal → your Azure Bot → Configuration)"
)


def register(app: typer.Typer) -> None:
    teams_app = typer.Typer(
        help="Microsoft Teams: the app package to upload (README “Microsoft Teams”).",
        no_args_is_help=True,
    )
    teams_app.command("manifest")(guarded(manifest))
    app.add_typer(teams_app, name="teams")


def manifest(
    ctx: typer.Context,
    app_id: Annotated[
        str | None,
        typer.Option(help="The bot's Microsoft App ID (a GUID). Default: TEAMS_APP_ID."),
    ] = None,
    output: Annotated[Path, typer.Option(help="The .zip to write.")] = Path("actionbot-teams.zip"),
    version: Annotated[
        str, typer.Option(help="The app's version, MAJOR.MINOR.PATCH: raise it for each update.")
    ] = "1.0.0",
    developer_name: Annotated[
        str, typer.Option(help="Who publishes it, e.g. your council (up to 32 characters).")
    ] = DEFAULT_DEVELOPER.name,
    website_url: Annotated[
        str | None, typer.Option(help="https:// page about the bot, e.g. on your intranet.")
    ] = None,
    privacy_url: Annotated[
        str | None, typer.Option(help="https:// privacy notice. Default: --website-url.")
    ] = None,
    terms_url: Annotated[
        str | None, typer.Option(help="https:// terms of use. Default: --website-url.")
    ] = None,
    valid_domain: Annotated[
        list[str] | None,
        typer.Option(help="A domain Teams may open links to in the app (repeatable)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Overwrite --output if it exists (never through a symlink).")
    ] = False,
) -> None:
    """Write the Teams app package (manifest.json and icons) for Teams admin centre → Upload."""
    configured = state(ctx).settings.teams_app_id
    app_id = _app_id(app_id, configured)
    if not is_version(version):
        fail(f"--version must be MAJOR.MINOR.PATCH, e.g. 1.0.1, not “{version}”", USAGE)
    developer = _developer(developer_name, website_url, privacy_url, terms_url)
    domains = _domains(valid_domain or [])
    _check_output(output, force=force)

    package = build_manifest(app_id, version=version, developer=developer, valid_domains=domains)
    try:
        write_package(package, output)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")

    echo(f"Wrote {output}: the Teams app package for actionbot {version} (app id {app_id}).")
    if configured is not None and configured.lower() != app_id.lower():
        note(
            f"Note: --app-id {app_id} is not TEAMS_APP_ID ({configured}): this package is for "
            "that other bot, and this bot won't receive its messages."
        )
    if website_url is None:
        note(
            "Note: the developer links are placeholders (shown on the app's About page): "
            "pass --website-url (and --privacy-url, --terms-url) with your council's pages."
        )
    _next_steps(output)


def _app_id(given: str | None, configured: str | None) -> str:
    app_id = (given if given is not None else configured or "").strip()
    if not app_id:
        fail(f"{APP_ID_HELP}; give --app-id, or set TEAMS_APP_ID", USAGE)
    if not is_guid(app_id):
        fail(f"{APP_ID_HELP}, not “{app_id}”", USAGE)
    return app_id


def _developer(
    name: str, website_url: str | None, privacy_url: str | None, terms_url: str | None
) -> Developer:
    if not is_developer_name(name):
        fail(
            f"--developer-name must be 1 to {DEVELOPER_NAME_CHARS} visible characters on one "
            f"line, e.g. your council's name, not “{name}”",
            USAGE,
        )
    website = website_url if website_url is not None else DEFAULT_DEVELOPER.website_url
    links = {
        "--website-url": website,
        "--privacy-url": privacy_url if privacy_url is not None else website,
        "--terms-url": terms_url if terms_url is not None else website,
    }
    for option, url in links.items():
        if not is_https_url(url):
            fail(
                f"{option} must be an https:// address (Teams refuses any other), "
                f"e.g. https://www.your-council.gov.uk/..., not “{url}”",
                USAGE,
            )
    return Developer(name, links["--website-url"], links["--privacy-url"], links["--terms-url"])


def _domains(domains: list[str]) -> list[str]:
    for domain in domains:
        if not is_domain(domain):
            fail(
                f"--valid-domain takes a domain only, e.g. intranet.your-council.gov.uk or "
                f"*.your-council.gov.uk (no https:// or path), not “{domain}”",
                USAGE,
            )
    unique = list(dict.fromkeys(domains))
    if len(unique) > MAX_VALID_DOMAINS:
        fail(f"Teams takes at most {MAX_VALID_DOMAINS} --valid-domain values", USAGE)
    return unique


def _check_output(output: Path, *, force: bool) -> None:
    """Refuses, before anything is built, any --output the package can't or shouldn't go to."""
    if output.suffix.lower() != ".zip":
        fail(f"--output must be a .zip file (Teams uploads a zip), e.g. {output}.zip", USAGE)
    folder = output.parent
    if not folder.is_dir():
        fail(
            f"the folder {folder} doesn't exist: create it first, or choose another --output", USAGE
        )
    try:
        existing = output.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(existing.st_mode):
        fail(f"{output} is a symbolic link: not writing through it; choose another --output", USAGE)
    if not stat.S_ISREG(existing.st_mode):
        fail(f"{output} is not a regular file: choose another --output", USAGE)
    if not force:
        fail(f"{output} already exists: use --force to overwrite it", USAGE)


def _next_steps(output: Path) -> None:
    echo("Next:")
    echo(
        "  1. Azure portal → your Azure Bot → Configuration: messaging endpoint "
        f"https://<your host>{MESSAGES_PATH}; Channels: add Microsoft Teams."
    )
    echo(
        f"  2. Teams admin centre → Teams apps → Manage apps → Upload new app → {output.name} "
        "(or Developer Portal → Apps → Import app)."
    )
    echo("  3. In Teams, add actionbot for yourself and say “rag”; add it to each board's team.")
    echo(
        "  To change it later: build again with a higher --version and upload it over this "
        "one (Manage apps → actionbot → Upload file)."
    )
