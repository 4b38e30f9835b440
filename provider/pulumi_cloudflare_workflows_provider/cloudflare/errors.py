"""One exception tree for everything that can go wrong talking to Cloudflare.

::

    CloudflareError                      status, code, message, hint, method, path
    ├── ConfigurationError               no token, bad base URL (raised before any request)
    ├── TransportError (Retryable)       connection refused/reset, timeouts: no HTTP answer
    └── CloudflareAPIError               an HTTP answer with success=false or a non-2xx status
        ├── NotFoundError                404 with 10007 (script), 10090 or 10200 (workflow)
        ├── AuthenticationError          401/403, code 10000
        ├── ConflictError                409, or refused because the object exists / is still referenced
        │   └── AlreadyExistsError       create refused: the name is taken and adopt is off
        ├── ValidationError              400/422 (bad script, bad binding, ...)
        ├── RateLimitedError (Retryable) 429 (carries retry_after)
        └── ServerError (Retryable)      5xx (Workflows' internal_server [10001] comes as a 500)

``str(error)`` leads with what failed and what to do in one sentence, then the details, then Cloudflare's
code, the HTTP status and the full URL; it never contains the token (the client never puts headers in
errors, and scrubs the token from any text it did not write). A refusal of this provider's own (an object
that exists and is not this resource's) carries no status: it names the request that found the object.
"""

from __future__ import annotations

from ..config import ACCOUNT_ID_SOURCES, BASE_URL_SOURCES, TOKEN_SOURCES

__all__ = [
    "AlreadyExistsError",
    "AuthenticationError",
    "CloudflareAPIError",
    "CloudflareError",
    "ConfigurationError",
    "ConflictError",
    "NotFoundError",
    "RateLimitedError",
    "Retryable",
    "ServerError",
    "TransportError",
    "ValidationError",
    "hint_for",
]


class CloudflareError(Exception):
    """Base of every Cloudflare client error.

    ``str(error)`` leads with one sentence that says what failed and what to do (``message`` and ``hint``);
    ``details`` follow, then where it happened: Cloudflare's code, the HTTP status and the full URL when
    Cloudflare answered, the request that found the object when the refusal is this provider's own.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        hint: str | None = None,
        method: str | None = None,
        path: str | None = None,
        url: str | None = None,
        details: str | None = None,
        action: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.method = method
        self.path = path
        self.url = url
        self.details = details
        self.action = action  # what the failed request did ("uploading Worker script 'api'")
        super().__init__(self._render())

    @property
    def summary(self) -> str:
        """The first line: what failed, and what to do."""
        text = self.message.rstrip(". ")
        if self.action:
            text = f"{self.action} failed: {text}"
        return f"{text}; {self.hint.rstrip('. ')}." if self.hint else f"{text}."

    def _where(self) -> str | None:
        target = self.url or self.path
        if not (self.method and target):
            return None
        if self.status is not None or self.code is not None:
            tags = [f"code {self.code}"] if self.code is not None else []
            tags += [f"HTTP {self.status}"] if self.status is not None else []
            return f"Cloudflare API: {', '.join(tags)} for {self.method} {target}"
        return f"Cloudflare API: {self.method} {target}"

    def _render(self) -> str:
        return "\n".join(line for line in (self.summary, self.details, self._where()) if line)

    def __str__(self) -> str:
        return self._render()


class Retryable:
    """Marker: the request may succeed if sent again (after a backoff)."""


class ConfigurationError(CloudflareError):
    """The provider cannot talk to Cloudflare at all (no token, bad base URL)."""


class TransportError(CloudflareError, Retryable):
    """No HTTP answer: connection refused or reset, a timeout, a broken response."""


class CloudflareAPIError(CloudflareError):
    """Cloudflare answered with an error envelope or a non-2xx status."""


class NotFoundError(CloudflareAPIError):
    """The script or workflow does not exist (404; codes 10007, 10200)."""


class AuthenticationError(CloudflareAPIError):
    """The token is missing, invalid, or lacks permission for this account (401/403; code 10000)."""


class ConflictError(CloudflareAPIError):
    """The object exists or is still in use."""


class AlreadyExistsError(ConflictError):
    """``create`` refused to take over an existing object (pass ``adopt=True`` to take it over)."""


class ValidationError(CloudflareAPIError):
    """Cloudflare rejected the request's content (400/422)."""


class RateLimitedError(CloudflareAPIError, Retryable):
    """429: slow down; ``retry_after`` holds the server's ``Retry-After`` in seconds when sent."""

    retry_after: float | None = None


class ServerError(CloudflareAPIError, Retryable):
    """5xx (Workflows' ``internal_server`` [10001] comes as a 500): usually transient."""


_HINTS: dict[int, str] = {
    10000: f"check that the API token is valid ({TOKEN_SOURCES})",
    10001: "a transient Cloudflare Workflows error; it was retried. If it persists, the account may not be "
    "enabled for Workflows yet",
    10007: "the Worker script does not exist (deleted outside Pulumi?); run `pulumi refresh`",
    10021: "Cloudflare rejected the script: it must be a valid ES module exporting every class its "
    "workflow bindings name",
    10061: "a bound class or script does not exist: deploy the script that defines it first",
    10064: "the script is still in use (e.g. a queue consumer); remove that use first",
    10074: "Cloudflare refused the script's Durable Object migration: if this stack's record of the "
    "classes is stale (migrations applied outside Pulumi, or an interrupted `up`), make the program's "
    "DurableObjects match the classes the script has",
    10142: "other Workers still bind this script; delete or update them first (Pulumi deletes dependents "
    "first when they are in the same stack)",
    10200: "the workflow does not exist (deleted outside Pulumi?); run `pulumi refresh`",
    10208: "workflow cron schedules need a Workers Paid plan",
    10251: "the script does not export the workflow's class: deploy a script that exports it first "
    "(a hosting Worker is updated before its workflows)",
    10252: "the script still hosts workflows: delete them first (Pulumi deletes a hosted Workflow "
    "before its host Worker when both are in the stack)",
}


def hint_for(status: int | None, code: int | None, message: str = "") -> str | None:
    """A short, actionable hint for a Cloudflare error."""
    if code is not None and code in _HINTS:
        return _HINTS[code]
    lowered = message.lower()
    if "referenced" in lowered or "still bound" in lowered or "in use" in lowered:
        return _HINTS[10142]
    if status == 412 and "expected tag" in lowered:
        return (
            "the script's Durable Object migration tag changed while this upload was prepared (another "
            "deploy applied migrations): run `pulumi up` again"
        )
    if status in (401, 403):
        return (
            f"check the API token ({TOKEN_SOURCES}) and that it has Workers Scripts and Workflows edit "
            f"permission on this account ({ACCOUNT_ID_SOURCES})"
        )
    if status == 404:
        return (
            "Cloudflare answered 404 without saying which object is missing: check the API base URL "
            f"({BASE_URL_SOURCES}, which ends in /client/v4) and the account id"
        )
    if status == 429:
        return "rate limited by Cloudflare; retried with backoff"
    if status is not None and status >= 500:
        return "Cloudflare had a server error; retried with backoff. Try again later"
    return None
