"""Settings come from the environment (and .env), never from a module-level singleton."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from platformdirs import user_data_path
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_PREFIXES = ("xoxb-your", "xapp-your", "your-", "changeme")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://")
HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")
# Where Teams activities may say they come from (their serviceUrl): Microsoft's hosts.
TEAMS_SERVICE_HOSTS = (
    "smba.trafficmanager.net,botframework.com,teams.microsoft.com,teams.microsoft.us"
)


def default_database_url() -> str:
    """One plan whatever folder a command runs in: the platform's user data directory
    (Linux ~/.local/share/actionbot, macOS ~/Library/Application Support/actionbot)."""
    return f"sqlite:///{user_data_path('actionbot', appauthor=False) / 'actionbot.db'}"


class Settings(BaseSettings):
    """Every setting is listed, with a comment, in .env.example."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    host: str = "127.0.0.1"
    port: int = 3000
    default_timezone: str = "Europe/London"
    bank_holiday_region: str = "ENG"
    scheduler_enabled: bool = True
    scheduler_interval_seconds: int = Field(default=60, ge=1)
    load_sample_plan: bool = True
    claim_stale_seconds: int = Field(default=600, ge=1)
    send_workers: int = Field(default=4, ge=1, le=32)
    inbox_workers: int = Field(default=4, ge=1, le=32)
    inbox_lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    # A burst of updates redraws each person's App Home once, this long after the last.
    home_refresh_delay_seconds: float = Field(default=2.0, ge=0, le=60)
    log_level: str = "INFO"
    # Microsoft Teams (Microsoft 365 Agents SDK); README "Microsoft Teams".
    teams_app_id: str | None = None
    teams_app_password: SecretStr | None = None
    teams_cert_pfx_file: Path | None = None
    teams_tenant_id: str | None = None
    teams_anonymous: bool = False
    teams_service_url: str = "https://smba.trafficmanager.net/uk/"
    teams_service_hosts: str = TEAMS_SERVICE_HOSTS
    teams_jwks_url: str | None = None
    teams_graph_url: str = "https://graph.microsoft.com/v1.0"
    teams_graph_install: bool = False

    @property
    def teams_enabled(self) -> bool:
        return self.teams_app_id is not None or self.teams_anonymous

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != prefix + ":memory:":
            return Path(self.database_url.removeprefix(prefix))
        return None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("default_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone, e.g. Europe/London") from None
        return value

    @field_validator("bank_holiday_region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value.upper() not in HOLIDAY_REGIONS:
            raise ValueError(f"must be one of {', '.join(HOLIDAY_REGIONS)} (UK bank holidays)")
        return value.upper()

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(DATABASE_SCHEMES):
            raise ValueError(
                "must start with sqlite:/// (a file) or postgresql:// (a server), "
                "e.g. sqlite:///actionbot.db"
            )
        return value

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        """Starting with a copied-in placeholder token fails later and confusingly; fail now."""
        for name in ("slack_bot_token", "slack_signing_secret", "slack_app_token"):
            value = getattr(self, name)
            if value is not None and value.get_secret_value().startswith(PLACEHOLDER_PREFIXES):
                raise ValueError(f"{name.upper()} is still the placeholder from .env.example")
        self._check_teams()
        http_slack = self.slack_bot_token is not None and self.slack_app_token is None
        if http_slack and self.slack_signing_secret is None:
            raise ValueError("SLACK_SIGNING_SECRET is needed to verify Slack requests over HTTP")
        return self

    def _check_teams(self) -> None:
        """Teams refuses to start half-configured: each gap is named with what to set."""
        if (
            self.teams_app_password is not None
            and self.teams_app_password.get_secret_value().startswith(PLACEHOLDER_PREFIXES)
        ):
            raise ValueError("TEAMS_APP_PASSWORD is still the placeholder from .env.example")
        if self.teams_anonymous and (self.teams_tenant_id or self.teams_app_id):
            raise ValueError(
                "TEAMS_ANONYMOUS is for local development only and is refused when "
                "TEAMS_APP_ID or TEAMS_TENANT_ID is set: unset TEAMS_ANONYMOUS"
            )
        if self.teams_app_id is None:
            return
        if not self.teams_tenant_id:
            raise ValueError(
                "TEAMS_TENANT_ID is needed with TEAMS_APP_ID: your Entra tenant id "
                "(single-tenant), or 'common' for a multi-tenant bot"
            )
        if self.teams_app_password is None and self.teams_cert_pfx_file is None:
            raise ValueError(
                "Teams needs TEAMS_APP_PASSWORD (the app's client secret) or "
                "TEAMS_CERT_PFX_FILE (a certificate) with TEAMS_APP_ID"
            )
        if self.teams_cert_pfx_file is not None and not self.teams_cert_pfx_file.is_file():
            raise ValueError(f"TEAMS_CERT_PFX_FILE: no file at {self.teams_cert_pfx_file}")

    @property
    def teams_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip().lower() for h in self.teams_service_hosts.split(",") if h.strip())
