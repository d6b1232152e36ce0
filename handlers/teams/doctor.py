"""`actionbot doctor` for Teams: the settings only. Microsoft is not asked; a wrong secret
shows as a refused token in the log at the first message."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.safety import terminal_safe
from handlers.application.health import Check


def teams_settings_check(settings: Settings) -> Check:
    """Only whether Teams' settings hang together: Microsoft is not asked (a wrong secret shows
    as a refused token in the log at the first message)."""
    if settings.teams_anonymous:
        return Check(
            False,
            "TEAMS_ANONYMOUS is true: Teams requests are taken without checking who sent them, "
            "which is for local development only. Unset it, and set TEAMS_APP_ID, "
            "TEAMS_APP_PASSWORD (or TEAMS_CERT_PFX_FILE) and TEAMS_TENANT_ID",
        )
    missing = [
        name
        for name, value in (
            ("TEAMS_APP_ID", settings.teams_app_id),
            ("TEAMS_TENANT_ID", settings.teams_tenant_id),
            (
                "TEAMS_APP_PASSWORD (or TEAMS_CERT_PFX_FILE)",
                settings.teams_app_password or settings.teams_cert_pfx_file,
            ),
        )
        if not value
    ]
    if missing:
        return Check(
            False,
            f"Teams is half set up: set {', '.join(missing)} (the Azure Bot's Configuration page; "
            "README, Microsoft Teams)",
        )
    credential = (
        f"the certificate {settings.teams_cert_pfx_file}"
        if settings.teams_app_password is None
        else "a client secret"
    )
    return Check(
        True,
        f"Teams is set up: app {terminal_safe(str(settings.teams_app_id))} in tenant "
        f"{terminal_safe(str(settings.teams_tenant_id))}, with {credential} (not checked with "
        "Microsoft: a wrong secret shows in the log at the first message)",
    )
