"""A request read at the edge, before it is trusted: bounded, and refused with a 4xx.

Nothing here knows a platform; each edge (Slack's signature, Teams' token) refuses with
`RefusedError` and answers with a `Response`, and the reason is logged, never the body.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from wsgiref.types import WSGIEnvironment

log = logging.getLogger(__name__)

JSON = "application/json"


@dataclass(frozen=True)
class Response:
    status: str
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"


class RefusedError(Exception):
    """A request we answer with a 4xx; the reason is logged, the body never is."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class RefusalLog:
    """One WARNING per reason per minute, with how many were refused since the last one."""

    def __init__(self, platform: str, every: float = 60.0) -> None:
        self.platform = platform
        self.every = every
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def refused(self, reason: str, body: bytes) -> None:
        now = time.monotonic()
        with self._lock:
            last = self._last.get(reason)
            if last is not None and now - last < self.every:
                self._suppressed[reason] = self._suppressed.get(reason, 0) + 1
                return
            self._last[reason] = now
            more = self._suppressed.pop(reason, 0)
        digest = hashlib.sha256(body).hexdigest()[:16]
        also = f" ({more} more refused for this reason since the last report)" if more else ""
        log.warning(
            "%s request refused: %s; %d bytes, sha256 %s%s",
            self.platform,
            reason,
            len(body),
            digest,
            also,
        )


def read_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """Refuse by Content-Length before reading; never read more than the limit."""
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared and not declared.isdigit():
        raise RefusedError("400 Bad Request", "malformed Content-Length")
    if declared and int(declared) > limit:
        raise RefusedError("413 Payload Too Large", "request body over the limit")
    stream = environ["wsgi.input"]
    body: bytes = stream.read(int(declared)) if declared else stream.read(limit + 1)
    if len(body) > limit:
        raise RefusedError("413 Payload Too Large", "request body over the limit")
    return body


def request_headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
    return headers


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def json_object(text: str, *, max_depth: int) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise RefusedError("400 Bad Request", "malformed JSON") from None
    if not isinstance(value, dict):
        raise RefusedError("400 Bad Request", "JSON body is not an object")
    if too_deep(value, max_depth):
        raise RefusedError("400 Bad Request", "JSON nested too deeply")
    return value


def utf8_text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RefusedError("400 Bad Request", "body is not UTF-8") from None
    if "\x00" in text:
        raise RefusedError("400 Bad Request", "body contains NUL")
    return text


def too_deep(value: object, limit: int) -> bool:
    """Iterative, so a hostile nesting can't exhaust the stack."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False
