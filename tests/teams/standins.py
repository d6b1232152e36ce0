"""Real HTTP servers on 127.0.0.1 standing in for the Microsoft cloud a Teams bot talks to.

End-to-end tests run the bot over real HTTP, so each piece of Microsoft's side is a small
threaded server here, in the style of tests/slack/fake_slack.py: it answers the few calls the
Microsoft 365 Agents SDK and our adapter make, records every request, and lets a test wait on
a Condition for what it expects. None of this is production code.

- `OpenIdStandIn`: the Bot Framework's signing keys; mints the JWTs Teams would send the bot.
- `EntraTokenStandIn`: Entra ID's client-credentials token endpoint (the bot's outbound tokens).
- `StandInConnections`: the SDK's `Connections`, getting tokens from `EntraTokenStandIn` over
  HTTP instead of through MSAL (which insists on https://login.microsoftonline.com).
- `ConnectorStandIn`: the Bot Connector REST API behind a Teams service URL.
- `GraphStandIn`: the few Microsoft Graph v1.0 calls: app install, installed-app chat, messages.
- `TeamsCloud`: all of the above, started and stopped together.

Every stand-in is thread-safe: its server answers each request in its own thread while the
test and the bot run in theirs, so shared state is read and written under one Condition and
what tests read are copies.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl, unquote

import aiohttp
import jwt
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core.authorization import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ConnectionManager,
)
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientCacheEntry,
    _JwkClientManager,
)

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
BOT_CONNECTOR_SCOPE = "https://api.botframework.com"  # the Bot Connector's resource
GRAPH_SCOPE = "https://graph.microsoft.com"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
STAND_IN_SECRET = "stand-in-secret"  # the bot's client secret in tests
WAIT_SECONDS = 10.0  # how long a test waits for a call before failing: generous for loaded CI

T = TypeVar("T")


# -- the shared server ---------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One request a stand-in received, with the status it answered."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)


@dataclass(frozen=True)
class _Incoming:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any

    @property
    def bearer(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return token.strip()


@dataclass(frozen=True)
class _Answer:
    status: int
    body: Any = None  # None: no body; str: text/plain; anything else: JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait after recording, before answering


@dataclass
class _Failure:
    status: int
    retry_after: float | None
    operations: frozenset[str] | None  # None: any operation


class _StandIn:
    """A ThreadingHTTPServer on 127.0.0.1, a request log and a Condition to wait on."""

    def __init__(self) -> None:
        self._requests: list[Request] = []
        self._failures: list[_Failure] = []
        self._changed = threading.Condition()  # an RLock underneath: helpers may nest
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Request]:
        """Every request so far, oldest first: a copy, safe to read while calls arrive."""
        with self._changed:
            return list(self._requests)

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait_for(self, predicate: Callable[[], T], *, timeout: float = WAIT_SECONDS) -> T:
        """Wait until `predicate()` is truthy and return it; woken by every request answered."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = predicate()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout:g} s; requests so far: {self._requests}"
                    )
                self._changed.wait(left)

    def _fail_next(
        self,
        count: int,
        status: int,
        retry_after: float | None,
        operations: Iterable[str] | None,
    ) -> None:
        ops = frozenset(operations) if operations is not None else None
        with self._changed:
            self._failures.extend(_Failure(status, retry_after, ops) for _ in range(count))

    def _take_failure(self, operation: str) -> _Answer | None:
        """The first queued failure for `operation`, taken under the lock so two concurrent
        requests cannot both take the one failure."""
        with self._changed:
            for i, failure in enumerate(self._failures):
                if failure.operations is None or operation in failure.operations:
                    del self._failures[i]
                    break
            else:
                return None
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        return _Answer(failure.status, _error_body(failure.status), headers)

    def _answer(self, request: _Incoming) -> _Answer:
        raise NotImplementedError

    def _record(self, request: Request) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as aiohttp's pooled connections expect

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_PUT(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def do_PATCH(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                headers = {k.lower(): v for k, v in self.headers.items()}
                incoming = _Incoming(
                    self.command,
                    path,
                    dict(parse_qsl(query, keep_blank_values=True)),
                    headers,
                    _parse(headers.get("content-type", ""), raw),
                )
                try:
                    answer = stand_in._answer(incoming)
                except Exception as broken:  # a bug in the stand-in: say so, loudly
                    answer = _Answer(
                        500, {"error": {"code": "StandInBug", "message": repr(broken)}}
                    )
                stand_in._record(
                    Request(
                        incoming.method,
                        incoming.path,
                        incoming.query,
                        answer.status,
                        incoming.body,
                        headers,
                    )
                )
                if answer.delay:
                    time.sleep(answer.delay)
                self._reply(answer)

            def _reply(self, answer: _Answer) -> None:
                if answer.body is None:
                    data, kind = b"", None
                elif isinstance(answer.body, str):
                    data, kind = answer.body.encode(), "text/plain; charset=utf-8"
                else:
                    data, kind = json.dumps(answer.body).encode(), "application/json; charset=utf-8"
                try:
                    self.send_response(answer.status)
                    if kind:
                        self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a killed bot, a timeout): nothing to tell

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def _parse(content_type: str, body: bytes) -> Any:
    if not body:
        return None
    if "json" in content_type:
        return json.loads(body)
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    return body.decode(errors="replace")


_ERROR_CODES = {
    400: "BadArgument",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    412: "PreconditionFailed",
    429: "TooManyRequests",
}


def _error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """The `{"error": {"code", "message"}}` shape both the Bot Connector and Graph answer."""
    code = _ERROR_CODES.get(status, "ServiceError")
    return {"error": {"code": code, "message": message or f"Stand-in answered {status}."}}


def _unauthorized() -> _Answer:
    return _Answer(401, _error_body(401, "Authorization has been denied for this request."))


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- 1. the Bot Framework's signing keys ---------------------------------------------------


class OpenIdStandIn(_StandIn):
    """The Bot Framework's OpenID metadata and JWKS, and the tokens Teams signs with them.

    Teams authenticates each activity it POSTs to the bot with an RS256 JWT from
    https://api.botframework.com; the bot checks it against the keys published at
    login.botframework.com. Here the key pair is generated locally, the public half is served
    at `/keys`, and `token()` mints what Teams would send, so the bot's real validator runs.
    """

    def __init__(self, kid: str = "test-key-1", *, key: rsa.RSAPrivateKey | None = None) -> None:
        """`key`: a signing key to reuse (a 2048-bit key takes ~0.1 s to make; a test module
        may make one and share it); by default a fresh one."""
        super().__init__()
        self.kid = kid
        self._key = key or _new_rsa_key()
        self._retired: list[tuple[str, rsa.RSAPrivateKey]] = []  # still published
        self._forger: rsa.RSAPrivateKey | None = None
        self._key_fetches = 0

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/keys"

    @property
    def openid_url(self) -> str:
        return f"{self.url}/.well-known/openidconfiguration"

    @property
    def key_fetches(self) -> int:
        """How many times the JWKS was fetched: shows that a validator caches keys."""
        with self._changed:
            return self._key_fetches

    def rotate(self, kid: str, *, keep_old: bool = True) -> None:
        """Sign with a new key under `kid` from now on, published alongside the old one unless
        `keep_old` is False.

        A validator that already holds the key set sees the new kid only when PyJWKClient
        refetches: at once for an unknown kid, but at most once per 30 s (its cooldown), and
        the set itself is cached for 300 s.
        """
        key = _new_rsa_key()
        with self._changed:
            self._retired = [(self.kid, self._key), *self._retired] if keep_old else []
            self.kid, self._key = kid, key

    def token(
        self,
        audience: str,
        *,
        service_url: str,
        expired: bool = False,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        forged: bool = False,
        lifetime: int = 3600,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """An RS256 JWT shaped as the Bot Framework's: iss, aud, exp, nbf, iat, serviceurl.

        `expired` puts exp an hour in the past, well beyond the SDK's 300 s leeway. `forged`
        signs with a key whose public half is not published, under the published kid, so
        only the signature check can catch it.
        """
        now = int(time.time())
        if expired:
            exp = now - 3600
            issued = exp - lifetime
        else:
            exp = now + lifetime
            issued = now - 5
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "exp": exp,
            "nbf": issued,
            "iat": issued,
            "serviceurl": service_url,
            **(extra_claims or {}),
        }
        with self._changed:
            kid = self.kid
            if forged and self._forger is None:
                self._forger = _new_rsa_key()
            key = self._forger if forged else self._key
        assert key is not None
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})

    def _jwks(self) -> dict[str, Any]:
        with self._changed:
            published = [(self.kid, self._key), *self._retired]
        keys = []
        for kid, key in published:
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append(
                {
                    "kty": "RSA",
                    "use": "sig",
                    "kid": kid,
                    "n": jwk["n"],
                    "e": jwk["e"],
                    "alg": "RS256",
                    "endorsements": ["msteams"],
                }
            )
        return {"keys": keys}

    def _answer(self, request: _Incoming) -> _Answer:
        if request.method != "GET":
            return _Answer(405, _error_body(405))
        if request.path.endswith("/.well-known/openidconfiguration"):
            return _Answer(
                200,
                {
                    "issuer": BOT_FRAMEWORK_ISSUER,
                    "authorization_endpoint": "https://invalid.botframework.com",
                    "jwks_uri": self.jwks_url,
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                },
            )
        if request.path in ("/keys", "/v1/.well-known/keys"):
            with self._changed:
                self._key_fetches += 1
            return _Answer(200, self._jwks())
        return _Answer(404, _error_body(404))


def new_signing_key() -> rsa.RSAPrivateKey:
    """An RSA 2048 key, as the Bot Framework signs with."""
    return _new_rsa_key()


def _new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class RedirectedJwkClientManager(_JwkClientManager):
    """The SDK's JWKS client cache, but every lookup goes to one URL (a stand-in's).

    `JwtTokenValidator` picks the JWKS URL from the token's issuer (the Bot Framework's is
    https://login.botframework.com/v1/.well-known/keys) and asks its `_jwk_client_manager`;
    giving a validator instance one of these keeps every check it makes and moves only the
    fetch. `asked` records the URLs the validator wanted.
    """

    def __init__(self, jwks_url: str) -> None:
        super().__init__()
        self.jwks_url = jwks_url
        self.asked: list[str] = []

    def _get_jwk_client(self, jwks_uri: str) -> _JwkClientCacheEntry:
        self.asked.append(jwks_uri)
        return super()._get_jwk_client(self.jwks_url)


# -- 2. Entra ID's token endpoint, and the SDK's Connections over it -----------------------


@dataclass(frozen=True)
class _Issued:
    scope: str
    expires_at: float


class EntraTokenStandIn(_StandIn):
    """Entra ID's v2.0 token endpoint, client-credentials grant only.

    The bot gets a bearer token here for each outbound call; the connector and Graph stand-ins
    ask `is_valid()` whether a token they were shown was issued here (and for their scope).
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        tenant_id: str | None = None,
        expires_in: int = 3600,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant_id = tenant_id
        self.expires_in = expires_in
        self._tokens: dict[str, _Issued] = {}

    @property
    def issued(self) -> int:
        """How many tokens were issued: shows that a client caches its token."""
        with self._changed:
            return len(self._tokens)

    def token_url(self, tenant_id: str | None = None) -> str:
        return f"{self.url}/{tenant_id or self.tenant_id or 'common'}/oauth2/v2.0/token"

    def is_valid(self, token: str, scope_prefix: str | None = None) -> bool:
        """Whether `token` was issued here, is unexpired and unrevoked, and (if asked) has a
        scope starting with `scope_prefix`."""
        with self._changed:
            issued = self._tokens.get(token)
        if issued is None or issued.expires_at <= time.time():
            return False
        if scope_prefix is None:
            return True
        return any(s.startswith(scope_prefix) for s in issued.scope.split())

    def scope_of(self, token: str) -> str | None:
        with self._changed:
            issued = self._tokens.get(token)
        return issued.scope if issued else None

    def revoke_all(self) -> None:
        """Every token issued so far stops being valid (as if it expired): for refresh tests."""
        with self._changed:
            for token, issued in self._tokens.items():
                self._tokens[token] = _Issued(issued.scope, 0.0)

    def fail_next(self, count: int, status: int = 503, retry_after: float | None = None) -> None:
        """The next `count` token requests answer `status` and issue nothing."""
        self._fail_next(count, status, retry_after, None)

    def _answer(self, request: _Incoming) -> _Answer:
        match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", request.path)
        if request.method != "POST" or match is None:
            return _Answer(404, {"error": "not_found"})
        failure = self._take_failure("token")
        if failure is not None:
            return failure
        if self.tenant_id and match.group(1) not in (self.tenant_id, "common", "organizations"):
            return _oauth_error(400, "invalid_request", "AADSTS90002: Tenant not found.")
        form = request.body if isinstance(request.body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            return _oauth_error(400, "unsupported_grant_type", "AADSTS70003: grant_type.")
        if form.get("client_id") != self.client_id or not secrets.compare_digest(
            str(form.get("client_secret", "")), self.client_secret
        ):
            return _oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret.")
        scope = str(form.get("scope") or "")
        if not scope:
            return _oauth_error(400, "invalid_scope", "AADSTS1002012: scope is required.")
        token = secrets.token_urlsafe(32)
        with self._changed:
            self._tokens[token] = _Issued(scope, time.time() + self.expires_in)
        return _Answer(
            200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}
        )


def _oauth_error(status: int, error: str, description: str) -> _Answer:
    return _Answer(status, {"error": error, "error_description": description})


class StandInTokenProvider(AccessTokenProviderBase):
    """The SDK's token provider, POSTing client credentials to an Entra-shaped token URL.

    Stands in for MSAL, which only talks to https://login.microsoftonline.com. Tokens are
    cached per scope until a minute before they expire. Each fetch uses its own aiohttp
    session, so the provider survives across event loops (each `asyncio.run` in a test).
    """

    REFRESH_MARGIN = 60.0

    def __init__(self, configuration: AgentAuthConfiguration, token_url: str) -> None:
        self._configuration = configuration
        self.token_url = token_url
        self._cache: dict[str, tuple[str, float]] = {}

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        token, _ = await self._token(resource_url, scopes, force_refresh)
        return token

    def get_token_credential(self) -> AsyncTokenCredential:
        return _ProviderCredential(self)

    # Flows the bot does not use: on-behalf-of (user SSO) and agentic identities.

    async def acquire_token_on_behalf_of(self, scopes: list[str], user_assertion: str) -> str:
        raise NotImplementedError("the stand-in does client credentials only")

    async def get_agentic_application_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> str | None:
        raise NotImplementedError("the stand-in does client credentials only")

    async def get_agentic_instance_token(
        self, tenant_id: str, agent_app_instance_id: str
    ) -> tuple[str, str]:
        raise NotImplementedError("the stand-in does client credentials only")

    async def get_agentic_user_token(
        self, tenant_id: str, agent_app_instance_id: str, agentic_user_id: str, scopes: list[str]
    ) -> str | None:
        raise NotImplementedError("the stand-in does client credentials only")

    async def _token(
        self, resource_url: str, scopes: list[str] | None, force_refresh: bool = False
    ) -> tuple[str, float]:
        wanted = scopes or self._configuration.SCOPES or [f"{resource_url.rstrip('/')}/.default"]
        scope = " ".join(wanted)
        cached = self._cache.get(scope)
        if cached and not force_refresh and cached[1] - self.REFRESH_MARGIN > time.time():
            return cached
        form = {
            "grant_type": "client_credentials",
            "client_id": self._configuration.CLIENT_ID or "",
            "client_secret": self._configuration.CLIENT_SECRET or "",
            "scope": scope,
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.token_url, data=form) as response,
        ):
            answer = await response.json(content_type=None)
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if response.status != 200 or not token:
            # MSAL's provider raises ValueError too when no token comes back.
            raise ValueError(f"Failed to acquire token: {response.status} {answer}")
        fresh = (str(token), time.time() + float(answer.get("expires_in", 3600)))
        self._cache[scope] = fresh
        return fresh


class _ProviderCredential(AsyncTokenCredential):
    """azure-core's credential over a `StandInTokenProvider`, for SDK code that wants one."""

    def __init__(self, provider: StandInTokenProvider) -> None:
        self._provider = provider

    async def get_token(self, *scopes: str, **_kwargs: Any) -> AccessToken:
        resource = scopes[0].removesuffix("/.default") if scopes else ""
        token, expires_at = await self._provider._token(resource, list(scopes))
        return AccessToken(token, int(expires_at))

    async def close(self) -> None:
        return None

    async def __aexit__(self, *_exc: object) -> None:
        return None


class StandInConnections(ConnectionManager):
    """The SDK's `Connections` with one SERVICE_CONNECTION whose tokens come from an
    Entra-shaped token endpoint over HTTP (an `EntraTokenStandIn`), instead of MSAL.

    It is the SDK's own `ConnectionManager`, so routing and the default configuration behave
    as in production; only the provider differs. Built from plain strings so a bot process a
    test launches can build it from its environment.
    """

    def __init__(
        self,
        token_base_url: str,
        *,
        client_id: str,
        client_secret: str,
        tenant_id: str,
    ) -> None:
        token_url = f"{token_base_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        configuration = AgentAuthConfiguration(
            client_id=client_id,
            tenant_id=tenant_id,
            client_secret=client_secret,
            connection_name="SERVICE_CONNECTION",
        )
        super().__init__(
            lambda config: StandInTokenProvider(config, token_url),
            connections_configurations={"SERVICE_CONNECTION": configuration},
        )

    @classmethod
    def for_standin(cls, tokens: EntraTokenStandIn) -> StandInConnections:
        if not tokens.tenant_id:
            raise ValueError("the EntraTokenStandIn needs a tenant_id for StandInConnections")
        return cls(
            tokens.url,
            client_id=tokens.client_id,
            client_secret=tokens.client_secret,
            tenant_id=tokens.tenant_id,
        )


# -- 3. the Bot Connector ------------------------------------------------------------------


@dataclass(frozen=True)
class TeamsPerson:
    """Someone in the tenant, by both ids Teams knows them by."""

    teams_id: str  # "29:..." the Bot Connector's id
    aad_object_id: str  # Entra object id, a GUID; Graph's id
    name: str
    email: str
    upn: str
    given_name: str
    surname: str

    def account(self, tenant_id: str | None) -> dict[str, Any]:
        """The TeamsChannelAccount the connector answers for this person."""
        account = {
            "id": self.teams_id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.upn,
            "givenName": self.given_name,
            "surname": self.surname,
            "userRole": "user",
        }
        if tenant_id:
            account["tenantId"] = tenant_id
        return account


@dataclass
class _Message:
    conversation: str
    id: str
    activity: dict[str, Any]  # as sent
    current: dict[str, Any]  # edits applied
    reply_to: str | None
    created: str
    modified: str | None = None
    deleted: bool = False


_NOT_IN_ROSTER = "The bot is not part of the conversation roster."


class ConnectorStandIn(_StandIn):
    """The Bot Connector REST API, as behind a Teams service URL (use `service_url`).

    Answers the calls the SDK's ConnectorClient/TeamsConnectorClient make, routed on the path
    from "v3/" on (a service URL has a path, e.g. /amer/). Every request needs a bearer token
    issued by `tokens` for the Bot Connector's scope, else 401. Creating a personal
    conversation works only for people who have the app installed (`install`, or Graph's
    install through `GraphStandIn`); otherwise 403, as Teams answers. Sending to a conversation
    it has not seen is allowed (a channel, a conversation from an inbound activity), except a
    personal one whose person has since uninstalled the app (403).

    The roster of a personal conversation is its one person; any other conversation's roster
    is everyone added with `add_person`.
    """

    def __init__(
        self,
        tokens: EntraTokenStandIn,
        *,
        scope_prefix: str | None = BOT_CONNECTOR_SCOPE,
        tenant_id: str | None = None,
    ) -> None:
        super().__init__()
        self.tokens = tokens
        self.scope_prefix = scope_prefix
        self.tenant_id = tenant_id or tokens.tenant_id
        self.hold = 0.0  # seconds each send/reply waits after recording, before answering
        self._people: list[TeamsPerson] = []
        self._installed: set[str] = set()  # teams ids
        self._personal: dict[str, str] = {}  # conversation id -> teams id, once created
        self._messages: list[_Message] = []
        self._updates: list[dict[str, Any]] = []
        self._deletes: list[dict[str, Any]] = []
        self._ids = count(1)

    @property
    def service_url(self) -> str:
        """A Teams-shaped service URL (with a region path, as smba.trafficmanager.net/amer/)."""
        return f"{self.url}/amer/"

    # -- setting the scene -----------------------------------------------------------------

    def add_person(
        self,
        teams_id: str,
        aad_object_id: str,
        name: str,
        email: str | None = None,
        upn: str | None = None,
        *,
        given_name: str | None = None,
        surname: str | None = None,
    ) -> TeamsPerson:
        first, _, last = name.partition(" ")
        mail = email or f"{first.lower()}@council.example"
        person = TeamsPerson(
            teams_id,
            aad_object_id,
            name,
            mail,
            upn or mail,
            given_name if given_name is not None else first,
            surname if surname is not None else last,
        )
        with self._changed:
            self._people = [
                p
                for p in self._people
                if p.teams_id != teams_id and p.aad_object_id != aad_object_id
            ]
            self._people.append(person)
        return person

    def person(self, user_id: str) -> TeamsPerson | None:
        """The person with this 29: id or aadObjectId, if added."""
        with self._changed:
            return self._find(user_id)

    def install(self, user_id: str) -> None:
        """The person (by 29: id or aadObjectId) has the app installed: the bot may message."""
        with self._changed:
            person = self._find(user_id)
            if person is None:
                raise KeyError(f"no person {user_id!r}: add_person() first")
            self._installed.add(person.teams_id)
            self._changed.notify_all()

    def uninstall(self, user_id: str) -> None:
        with self._changed:
            person = self._find(user_id)
            if person is not None:
                self._installed.discard(person.teams_id)

    def is_installed(self, user_id: str) -> bool:
        with self._changed:
            person = self._find(user_id)
            return person is not None and person.teams_id in self._installed

    def fail_next(
        self,
        count: int,
        status: int = 429,
        retry_after: float | None = 1,
        *,
        operations: Iterable[str] = ("send", "reply"),
    ) -> None:
        """The next `count` matching requests answer `status` (with Retry-After when given)
        and record no message. Operations: "create", "send", "reply", "update", "delete",
        "members"."""
        self._fail_next(count, status, retry_after, operations)

    @staticmethod
    def personal_conversation_id(person: TeamsPerson) -> str:
        return f"a:personal-{person.teams_id}"

    # -- what tests read -------------------------------------------------------------------

    def sent(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Every activity sent or replied (create-with-activity too), oldest first, as sent:
        {"conversation", "id", "activity", "reply_to", "created"}."""
        with self._changed:
            return [
                {
                    "conversation": m.conversation,
                    "id": m.id,
                    "activity": copy.deepcopy(m.activity),
                    "reply_to": m.reply_to,
                    "created": m.created,
                }
                for m in self._messages
                if conversation_id is None or m.conversation == conversation_id
            ]

    def updates(self, conversation_id: str | None = None) -> list[dict[str, Any]]:
        """Every update (PUT) that was accepted: {"conversation", "id", "activity"}."""
        with self._changed:
            return [
                copy.deepcopy(u)
                for u in self._updates
                if conversation_id is None or u["conversation"] == conversation_id
            ]

    def deletes(self) -> list[dict[str, Any]]:
        with self._changed:
            return copy.deepcopy(self._deletes)

    def history(self, conversation_id: str) -> list[dict[str, Any]]:
        """The conversation as Teams holds it now (edits applied, deletions gone), oldest
        first: {"id", "activity", "reply_to", "created", "modified"}."""
        with self._changed:
            return [
                {
                    "id": m.id,
                    "activity": copy.deepcopy(m.current),
                    "reply_to": m.reply_to,
                    "created": m.created,
                    "modified": m.modified,
                }
                for m in self._messages
                if m.conversation == conversation_id and not m.deleted
            ]

    def wait_for_sent(
        self, n: int, timeout: float = WAIT_SECONDS, *, conversation_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Wait until at least `n` activities were sent (to that conversation); return them."""
        self.wait_for(lambda: len(self.sent(conversation_id)) >= n, timeout=timeout)
        return self.sent(conversation_id)

    def conversation_of(self, user_id: str) -> str | None:
        """The personal conversation created with this person (aadObjectId or 29: id), if any."""
        with self._changed:
            person = self._find(user_id)
            if person is None:
                return None
            cid = self.personal_conversation_id(person)
            return cid if cid in self._personal else None

    # -- serving ---------------------------------------------------------------------------

    def _find(self, user_id: str) -> TeamsPerson | None:
        wanted = user_id.lower()
        for p in self._people:
            if wanted in (p.teams_id.lower(), p.aad_object_id.lower()):
                return p
        return None

    def _roster(self, conversation_id: str) -> list[TeamsPerson]:
        teams_id = self._personal.get(conversation_id)
        if teams_id is not None:
            return [p for p in self._people if p.teams_id == teams_id]
        return list(self._people)

    def _answer(self, request: _Incoming) -> _Answer:
        token = request.bearer
        if token is None or not self.tokens.is_valid(token, self.scope_prefix):
            return _unauthorized()
        at = request.path.find("/v3/")
        if at < 0:
            return _Answer(404, _error_body(404, f"no route {request.path}"))
        parts = [unquote(p) for p in request.path[at + 1 :].rstrip("/").split("/")]
        route = parts[1:2] == ["conversations"]
        n = len(parts)
        method = request.method
        if route and n == 2 and method == "POST":
            return self._guarded("create", lambda: self._create(request.body))
        if route and n == 4 and parts[3] == "activities" and method == "POST":
            return self._guarded("send", lambda: self._send(parts[2], request.body, None))
        if route and n == 5 and parts[3] == "activities":
            cid, aid = parts[2], parts[4]
            if method == "POST":
                return self._guarded("reply", lambda: self._send(cid, request.body, aid))
            if method == "PUT":
                return self._guarded("update", lambda: self._update(cid, aid, request.body))
            if method == "DELETE":
                return self._guarded("delete", lambda: self._delete(cid, aid))
        if route and method == "GET" and n >= 4:
            cid, what = parts[2], parts[3].lower()
            if n == 4 and what == "members":
                return self._guarded("members", lambda: self._members(cid))
            if n == 5 and what == "members":
                return self._guarded("members", lambda: self._member(cid, parts[4]))
            if n == 4 and what == "pagedmembers":
                return self._guarded("members", lambda: self._paged(cid, request.query))
        return _Answer(404, _error_body(404, f"no route {method} {request.path}"))

    def _guarded(self, operation: str, handle: Callable[[], _Answer]) -> _Answer:
        return self._take_failure(operation) or handle()

    def _create(self, body: Any) -> _Answer:
        if not isinstance(body, dict) or not body.get("members"):
            return _Answer(400, _error_body(400, "Conversation members are required."))
        tenant = body.get("tenantId") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        if not tenant:
            return _Answer(400, _error_body(400, "Tenant id is required."))
        if body.get("isGroup"):
            return _Answer(400, _error_body(400, "Only personal conversations are supported."))
        member_id = str((body["members"][0] or {}).get("id", ""))
        with self._changed:
            person = self._find(member_id)
            if person is None or person.teams_id not in self._installed:
                return _Answer(403, _error_body(403, _NOT_IN_ROSTER))
            cid = self.personal_conversation_id(person)
            self._personal[cid] = person.teams_id
            answer: dict[str, Any] = {"id": cid}
            if isinstance(body.get("activity"), dict):
                answer["activityId"] = self._store(cid, body["activity"], None)
            self._changed.notify_all()
        return _Answer(201, answer)

    def _send(self, cid: str, body: Any, reply_to: str | None) -> _Answer:
        if not isinstance(body, dict):
            return _Answer(400, _error_body(400, "An activity is required."))
        with self._changed:
            teams_id = self._personal.get(cid)
            if teams_id is not None and teams_id not in self._installed:
                return _Answer(403, _error_body(403, _NOT_IN_ROSTER))
            activity_id = self._store(cid, body, reply_to)
            self._changed.notify_all()
            hold = self.hold
        return _Answer(201, {"id": activity_id}, delay=hold)

    def _store(self, cid: str, activity: dict[str, Any], reply_to: str | None) -> str:
        activity_id = f"act-{next(self._ids)}"
        self._messages.append(
            _Message(cid, activity_id, activity, copy.deepcopy(activity), reply_to, _now_iso())
        )
        return activity_id

    def _update(self, cid: str, activity_id: str, body: Any) -> _Answer:
        if not isinstance(body, dict):
            return _Answer(400, _error_body(400, "An activity is required."))
        with self._changed:
            for message in self._messages:
                if (
                    message.conversation == cid
                    and message.id == activity_id
                    and not message.deleted
                ):
                    message.current = copy.deepcopy(body)
                    message.modified = _now_iso()
                    self._updates.append({"conversation": cid, "id": activity_id, "activity": body})
                    self._changed.notify_all()
                    return _Answer(200, {"id": activity_id})
        return _Answer(404, _error_body(404, "Activity not found in conversation."))

    def _delete(self, cid: str, activity_id: str) -> _Answer:
        with self._changed:
            for message in self._messages:
                if (
                    message.conversation == cid
                    and message.id == activity_id
                    and not message.deleted
                ):
                    message.deleted = True
                    self._deletes.append({"conversation": cid, "id": activity_id})
                    self._changed.notify_all()
                    return _Answer(200, None)
        return _Answer(404, _error_body(404, "Activity not found in conversation."))

    def _members(self, cid: str) -> _Answer:
        with self._changed:
            return _Answer(200, [p.account(self.tenant_id) for p in self._roster(cid)])

    def _member(self, cid: str, member_id: str) -> _Answer:
        wanted = member_id.lower()
        with self._changed:
            for p in self._roster(cid):
                if wanted in (p.teams_id.lower(), p.aad_object_id.lower()):
                    return _Answer(200, p.account(self.tenant_id))
        return _Answer(404, _error_body(404, "Member not found in conversation."))

    def _paged(self, cid: str, query: dict[str, str]) -> _Answer:
        """Pages of `pageSize` (default 200, at most 500, as Teams); the continuation token is
        opaque to callers (it is the next offset), and an empty one means the first page."""
        try:
            size = min(max(int(query.get("pageSize") or 200), 1), 500)
            token = query.get("continuationToken") or ""
            start = int(token.removeprefix("page-")) if token else 0
        except ValueError:
            return _Answer(400, _error_body(400, "Bad pageSize or continuationToken."))
        with self._changed:
            roster = self._roster(cid)
            page = [p.account(self.tenant_id) for p in roster[start : start + size]]
            more = start + size < len(roster)
        answer: dict[str, Any] = {"members": page}
        if more:  # the last page has no token at all: the SDK's models refuse a null one
            answer["continuationToken"] = f"page-{start + size}"
        return _Answer(200, answer)


# -- 4. Microsoft Graph ----------------------------------------------------------------------


class GraphStandIn(_StandIn):
    """The few Microsoft Graph v1.0 calls the bot makes, over the connector's state.

    Installing the app for a user (POST .../teamwork/installedApps) marks them installed in
    the connector, so creating their personal conversation then works, as in Teams. Messages
    read back (chats/{id}/messages, channel messages) are the connector's recorded activities
    in that conversation, newest first, edits applied.

    Simplification: a Graph chat id equals the connector's conversation id (in Teams they
    differ: "19:...@unq.gbl.spaces" vs "a:..."), and a channel's conversation id is the
    channel id (its thread replies are the conversation "{channel};messageid={root id}").
    Needs a bearer token issued by `tokens` for Graph's scope, else 401.
    """

    def __init__(
        self,
        tokens: EntraTokenStandIn,
        connector: ConnectorStandIn,
        *,
        app_id: str | None = None,
        external_id: str | None = None,
        catalog_app_id: str = "catalog-app-1",
        display_name: str = "actionbot",
        allow_install: bool = True,
        scope_prefix: str | None = GRAPH_SCOPE,
    ) -> None:
        super().__init__()
        self.tokens = tokens
        self.connector = connector
        self.app_id = app_id or tokens.client_id  # the bot's Entra app id
        self.external_id = external_id or self.app_id  # the manifest id
        self.catalog_app_id = catalog_app_id
        self.display_name = display_name
        self.allow_install = allow_install
        self.scope_prefix = scope_prefix
        self._installs: list[str] = []  # aad object ids, in order

    @property
    def graph_url(self) -> str:
        """The base a Graph client is configured with, as https://graph.microsoft.com/v1.0."""
        return f"{self.url}/v1.0"

    @property
    def installs(self) -> list[str]:
        """The aadObjectIds the app was installed for through Graph, in order."""
        with self._changed:
            return list(self._installs)

    def fail_next(
        self,
        count: int,
        status: int = 429,
        retry_after: float | None = 1,
        *,
        operations: Iterable[str] | None = None,
    ) -> None:
        """The next `count` requests (of those operations: "install", "catalog",
        "installed", "chat", "messages"; None: any) answer `status`."""
        self._fail_next(count, status, retry_after, operations)

    def _teams_app(self) -> dict[str, Any]:
        return {
            "id": self.catalog_app_id,
            "externalId": self.external_id,
            "displayName": self.display_name,
            "distributionMethod": "organization",
        }

    def _answer(self, request: _Incoming) -> _Answer:
        token = request.bearer
        if token is None or not self.tokens.is_valid(token, self.scope_prefix):
            return _Answer(401, _error_body(401, "Access token is missing or invalid."))
        if not request.path.startswith("/v1.0/"):
            return _Answer(404, _error_body(404, f"no route {request.path}"))
        parts = [unquote(p) for p in request.path.removeprefix("/v1.0/").rstrip("/").split("/")]
        method, q = request.method, request.query
        if parts == ["appCatalogs", "teamsApps"] and method == "GET":
            return self._guarded("catalog", lambda: self._catalog(q))
        if len(parts) >= 4 and parts[0] == "users" and parts[2:4] == ["teamwork", "installedApps"]:
            aad = parts[1]
            if len(parts) == 4 and method == "POST":
                return self._guarded("install", lambda: self._install(aad, request.body))
            if len(parts) == 4 and method == "GET":
                return self._guarded("installed", lambda: self._installed(aad, q))
            if len(parts) == 6 and parts[5] == "chat" and method == "GET":
                return self._guarded("chat", lambda: self._chat(aad, parts[4]))
        if len(parts) == 3 and parts[0] == "chats" and parts[2] == "messages" and method == "GET":
            return self._guarded("messages", lambda: self._messages(parts[1], q))
        if parts[:1] == ["teams"] and parts[2:3] == ["channels"] and method == "GET":
            if len(parts) == 5 and parts[4] == "messages":
                return self._guarded("messages", lambda: self._messages(parts[3], q))
            if len(parts) == 7 and parts[4] == "messages" and parts[6] == "replies":
                thread = f"{parts[3]};messageid={parts[5]}"
                return self._guarded("messages", lambda: self._messages(thread, q))
        return _Answer(400, _error_body(400, f"Resource not found for the segment {parts}."))

    def _guarded(self, operation: str, handle: Callable[[], _Answer]) -> _Answer:
        return self._take_failure(operation) or handle()

    def _catalog(self, query: dict[str, str]) -> _Answer:
        wanted = _filter_value(query.get("$filter", ""), "externalId")
        if wanted is not None and wanted != self.external_id:
            return _Answer(200, {"value": []})
        return _Answer(200, {"value": [self._teams_app()]})

    def _install(self, aad: str, body: Any) -> _Answer:
        bind = str(body.get("teamsApp@odata.bind", "")) if isinstance(body, dict) else ""
        if not bind:
            return _Answer(400, _error_body(400, "teamsApp@odata.bind is required."))
        if bind.rstrip("/").rsplit("/", 1)[-1] != self.catalog_app_id:
            return _Answer(404, _error_body(404, "The app was not found in the catalog."))
        person = self.connector.person(aad)
        if person is None:
            return _Answer(404, _error_body(404, f"User {aad} not found."))
        if not self.allow_install:
            return _Answer(403, _error_body(403, "The app permission policy blocks this app."))
        if self.connector.is_installed(aad):
            return _Answer(409, _error_body(409, "The app is already installed for the user."))
        self.connector.install(aad)
        with self._changed:
            self._installs.append(person.aad_object_id)
        return _Answer(201, None)  # Graph answers 201 with no body

    def _installed(self, aad: str, query: dict[str, str]) -> _Answer:
        person = self.connector.person(aad)
        if person is None:
            return _Answer(404, _error_body(404, f"User {aad} not found."))
        wanted = _filter_value(query.get("$filter", ""), "teamsApp/externalId")
        if not self.connector.is_installed(aad) or wanted not in (None, self.external_id):
            return _Answer(200, {"value": []})
        installation: dict[str, Any] = {"id": f"inst-{person.aad_object_id}"}
        if "teamsApp" in query.get("$expand", ""):  # as Graph: only when expanded
            installation["teamsApp"] = self._teams_app()
        return _Answer(200, {"value": [installation]})

    def _chat(self, aad: str, installation_id: str) -> _Answer:
        person = self.connector.person(aad)
        if (
            person is None
            or installation_id != f"inst-{person.aad_object_id}"
            or not self.connector.is_installed(aad)
        ):
            return _Answer(404, _error_body(404, "Installation not found."))
        return _Answer(200, {"id": self.connector.personal_conversation_id(person)})

    def _messages(self, conversation_id: str, query: dict[str, str]) -> _Answer:
        try:
            top = min(max(int(query.get("$top") or 20), 1), 50)
        except ValueError:
            return _Answer(400, _error_body(400, "Bad $top."))
        held = list(reversed(self.connector.history(conversation_id)))[:top]
        return _Answer(200, {"value": [self._message(conversation_id, m) for m in held]})

    def _message(self, conversation_id: str, held: dict[str, Any]) -> dict[str, Any]:
        """A chatMessage as Graph shows a bot's message: body html, cards as attachments
        whose content is the card JSON as a string, each referenced from the body."""
        activity = held["activity"]
        attachments = []
        tags = []
        for i, attachment in enumerate(activity.get("attachments") or []):
            attachment_id = f"{held['id']}-att-{i}"
            content = attachment.get("content")
            attachments.append(
                {
                    "id": attachment_id,
                    "contentType": attachment.get("contentType", ADAPTIVE_CARD),
                    "content": json.dumps(content) if content is not None else None,
                    "name": attachment.get("name"),
                }
            )
            tags.append(f'<attachment id="{attachment_id}"></attachment>')
        return {
            "id": held["id"],
            "replyToId": held["reply_to"],
            "messageType": "message",
            "createdDateTime": held["created"],
            "lastModifiedDateTime": held["modified"] or held["created"],
            "chatId": conversation_id,
            "from": {
                "application": {
                    "id": self.app_id,
                    "displayName": self.display_name,
                    "applicationIdentityType": "bot",
                },
                "user": None,
            },
            "body": {
                "contentType": "html",
                "content": str(activity.get("text") or "") + "".join(tags),
            },
            "attachments": attachments,
        }


def _filter_value(odata_filter: str, name: str) -> str | None:
    """The value of `name eq '...'` in an OData $filter, or None when it has no such clause."""
    match = re.search(rf"(?:^|[\s(]){re.escape(name)}\s+eq\s+'((?:[^']|'')*)'", odata_filter)
    return match.group(1).replace("''", "'") if match else None


# -- all of it -------------------------------------------------------------------------------


class TeamsCloud:
    """Every stand-in, wired together and started as one: what an end-to-end test needs.

    `connections()` is the SDK `Connections` for the bot; `inbound_token()` is what Teams would
    put in the Authorization header of an activity it POSTs to the bot.
    """

    def __init__(
        self,
        app_id: str = "00000000-0000-0000-0000-0000000a9b07",
        app_secret: str = STAND_IN_SECRET,
        tenant_id: str = "11111111-2222-3333-4444-555555555555",
        *,
        signing_key: rsa.RSAPrivateKey | None = None,
    ) -> None:
        self.app_id, self.app_secret, self.tenant_id = app_id, app_secret, tenant_id
        self.openid = OpenIdStandIn(key=signing_key)
        self.entra = EntraTokenStandIn(app_id, app_secret, tenant_id=tenant_id)
        self.connector = ConnectorStandIn(self.entra)
        self.graph = GraphStandIn(self.entra, self.connector)

    def start(self) -> Self:
        for stand_in in self._all():
            stand_in.start()
        return self

    def stop(self) -> None:
        """Stops them side by side: each server takes up to a poll interval to notice."""
        stopping = [threading.Thread(target=s.stop, daemon=True) for s in self._all()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def connections(self) -> StandInConnections:
        return StandInConnections.for_standin(self.entra)

    def inbound_token(self, **kwargs: Any) -> str:
        return self.openid.token(self.app_id, service_url=self.connector.service_url, **kwargs)

    def _all(self) -> list[_StandIn]:
        return [self.openid, self.entra, self.connector, self.graph]


@contextmanager
def running() -> Iterator[TeamsCloud]:
    with TeamsCloud() as cloud:
        yield cloud
