"""Who may call /api/messages, and how the bot signs its own calls: the SDK's way, configured.

Inbound: the bearer token Teams sends is checked by the SDK's JwtTokenValidator — RS256
signature against the Bot Framework / Entra signing keys, audience = our app id, issuer and
tenant binding. `TEAMS_JWKS_URL` only says where the keys are fetched from (a sovereign
cloud, or a test's stand-in); every check still runs. Anonymous mode exists for local
development alone, is refused with a tenant (bot/config.py), and says so loudly in the log.

Outbound: the SDK's MSAL connection manager gets tokens for the Bot Connector and Graph.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from jwt import PyJWK, PyJWTError
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core.authorization import (
    AgentAuthConfiguration,
    AuthTypes,
    ClaimsIdentity,
    Connections,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    JwtTokenValidator,
    _JwkClientManager,
)

from bot.config import Settings

log = logging.getLogger(__name__)

ANONYMOUS_WARNING = (
    "TEAMS_ANONYMOUS is on: /api/messages accepts requests WITHOUT checking who sent them. "
    "Local development only — never expose this server."
)


class RefusedTokenError(Exception):
    """A request that is not from Teams, or not for us: answered 401, nothing written."""


def auth_configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK's settings for this bot, from ours."""
    if settings.teams_anonymous:
        return AgentAuthConfiguration(anonymous_allowed=True)
    secret = settings.teams_app_password
    certificate = settings.teams_cert_pfx_file
    return AgentAuthConfiguration(
        auth_type=AuthTypes.certificate if certificate and not secret else AuthTypes.client_secret,
        client_id=settings.teams_app_id,
        tenant_id=settings.teams_tenant_id,
        client_secret=secret.get_secret_value() if secret else None,
        cert_pfx_file=str(certificate) if certificate else None,
        connection_name="SERVICE_CONNECTION",
        anonymous_allowed=False,
        validate_issuer=True,
    )


def connection_manager(settings: Settings) -> Connections:
    """MSAL, as the SDK ships it: client secret or certificate, single- or multi-tenant."""
    return MsalConnectionManager(
        connections_configurations={"SERVICE_CONNECTION": auth_configuration(settings)}
    )


class _KeysFrom(_JwkClientManager):
    """The SDK's signing-key cache, fetching from one configured JWKS URL."""

    def __init__(self, jwks_url: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.jwks_url = jwks_url

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        return await super().get_signing_key(self.jwks_url, header)


@dataclass
class Guard:
    """Checks one request's Authorization header; the claims it carries, or RefusedTokenError."""

    config: AgentAuthConfiguration
    jwks_url: str | None = None

    def __post_init__(self) -> None:
        self.validator = JwtTokenValidator(self.config)
        if self.jwks_url:
            self.validator._jwk_client_manager = _KeysFrom(self.jwks_url)
        if self.config.ANONYMOUS_ALLOWED:
            log.warning(ANONYMOUS_WARNING)

    @classmethod
    def from_settings(cls, settings: Settings) -> Guard:
        return cls(auth_configuration(settings), settings.teams_jwks_url)

    async def check(self, authorization: str | None) -> ClaimsIdentity:
        if not authorization:
            if self.config.ANONYMOUS_ALLOWED:
                return self.validator.get_anonymous_claims()
            raise RefusedTokenError("no Authorization header")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or any(c.isspace() for c in token):
            raise RefusedTokenError("Authorization is not a bearer token")
        try:
            return await self.validator.validate_token(token)
        except (PyJWTError, ValueError, KeyError) as failure:
            raise RefusedTokenError(f"token refused ({type(failure).__name__})") from None


def service_url_allowed(
    service_url: str | None, claims: ClaimsIdentity, hosts: tuple[str, ...]
) -> bool:
    """A serviceUrl is where the bot will send its answer (and its token): only Microsoft's
    hosts, and only the one the signed token names — never where a request body says."""
    if not service_url:
        return False
    parts = urlsplit(service_url)
    host = (parts.hostname or "").lower()
    if not any(host == allowed or host.endswith("." + allowed) for allowed in hosts):
        return False
    if parts.scheme != "https" and host not in ("127.0.0.1", "localhost"):
        return False
    claimed = claims.get_claim_value("serviceurl")
    if claimed is None:
        return claims.allow_anonymous  # anonymous development has no token to compare with
    return _same_endpoint(str(claimed), service_url)


def _same_endpoint(a: str, b: str) -> bool:
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, (one.hostname or "").lower(), one.port) == (
        two.scheme,
        (two.hostname or "").lower(),
        two.port,
    )
