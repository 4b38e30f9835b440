"""A small, thread-safe Cloudflare v4 client on httpx: timeouts, retries with backoff, typed errors.

Retries: 429, 5xx (Workflows' ``internal_server`` [10001] comes as a 500) and transport errors (connection
refused/reset, timeouts), with exponential backoff and jitter (a random wait between half and all of it),
capped, honouring ``Retry-After``, at most ``max_attempts`` sends in all. Every request has a timeout. Errors
carry Cloudflare's code and message, the method and path, and a hint, and never the token.

httpx is imported lazily (inside :func:`make_http_client`), so importing the provider costs nothing until the
first API call.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..config import BASE_URL_SOURCES, DEFAULT_API_BASE, TOKEN_ENV, TOKEN_KEY
from ..diagnostics import warn
from .errors import (
    AuthenticationError,
    CloudflareAPIError,
    CloudflareError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    Retryable,
    ServerError,
    TransportError,
    ValidationError,
    hint_for,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["CloudflareClient", "RetryPolicy", "make_http_client"]

USER_AGENT = "pulumi-cloudflare-workflows/0.1"


class RetryPolicy:
    """How often and how long to retry. Delays: ``min(cap, base * 2**n)`` with full jitter, or Retry-After."""

    def __init__(
        self,
        max_attempts: int = 6,
        base_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retry_after: float = 30.0,
    ) -> None:
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before send number ``attempt + 1`` (``attempt`` counts from 1)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return rng.uniform(ceiling / 2, ceiling)


def make_http_client(timeout: float) -> httpx.Client:
    """The one place httpx is imported: a client with timeouts on connect, read, write and pool."""
    import httpx

    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class CloudflareClient:
    """Calls the Cloudflare v4 API. Safe to share between threads (httpx.Client is thread-safe)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
        seed: int | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        if not token:
            raise ConfigurationError(
                "no Cloudflare API token",
                hint=f"set it with `pulumi config set --secret {TOKEN_KEY} <token>` or the {TOKEN_ENV} "
                "environment variable",
            )
        if not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"the API base URL {base_url!r} is not an http(s) URL",
                hint=f"set {BASE_URL_SOURCES} to e.g. {DEFAULT_API_BASE}",
            )
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._report = report or warn
        self._http = http
        self._http_lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"CloudflareClient(base_url={self._base!r})"

    def url(self, path: str) -> str:
        """The full URL of an API path (``/accounts/...``): errors name it, host included."""
        return f"{self._base}{path}"

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("CloudflareClient holds a token and a connection pool; it is never pickled")

    # --- plumbing -------------------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._http is None:
            with self._http_lock:
                if self._http is None:
                    self._http = make_http_client(self._timeout)
        return self._http

    def close(self) -> None:
        with self._http_lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def _scrub(self, text: str) -> str:
        """Mask the token in text that may reach an error message (tokens shorter than 6 characters are test
        values that would mangle every word they occur in, and reveal nothing)."""
        return text.replace(self._token, "***") if self._token and len(self._token) >= 6 else text

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        files: Any = None,
        params: Mapping[str, str] | None = None,
        raw: bool = False,
        what: str | None = None,
    ) -> Any:
        """Send with retries; return the envelope's ``result`` (or the ``httpx.Response`` when `raw`).

        ``what`` says what the request does ("uploading Worker script 'api'"): errors lead with it. Every
        retry is reported on stderr (the engine shows it in the update's diagnostics), with reason and wait.
        """
        url = f"{self._base}{path}"
        headers = {"Authorization": f"Bearer {self._token}"}
        doing = what or f"{method} {path}"
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, path, url, headers, json_body, files, params, raw)
            except CloudflareError as exc:
                exc.action = doing
                if not isinstance(exc, Retryable) or attempt >= self.retry.max_attempts:
                    if isinstance(exc, Retryable) and attempt > 1:
                        exc.message = f"{exc.message} (gave up after {attempt} attempts)"
                    raise
                retry_after = exc.retry_after if isinstance(exc, RateLimitedError) else None
                with self._rng_lock:
                    delay = self.retry.delay(attempt, retry_after, self._rng)
                self._report(
                    f"{doing}: {_reason(exc)}; retrying in {delay:.1f} s "
                    f"(attempt {attempt + 1} of {self.retry.max_attempts})"
                )
                self._sleep(delay)

    def _send_once(
        self,
        method: str,
        path: str,
        url: str,
        headers: dict[str, str],
        json_body: Any,
        files: Any,
        params: Mapping[str, str] | None,
        raw: bool,
    ) -> Any:
        import httpx

        try:
            response = self._client().request(
                method, url, headers=headers, json=json_body, files=files, params=params
            )
        except httpx.TransportError as exc:
            cause = _unrecoverable_cause(exc)
            detail = self._scrub(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            kind: type[CloudflareError] = ConfigurationError if cause else TransportError
            raise kind(
                f"could not reach the Cloudflare API at {self._base} ({cause or detail})",
                method=method,
                path=path,
                url=url,
                hint=f"check the API base URL ({BASE_URL_SOURCES}) and the network",
            ) from None
        return self._handle(method, path, response, raw, url)

    def _handle(self, method: str, path: str, response: httpx.Response, raw: bool, url: str) -> Any:
        status = response.status_code
        payload: Any = None
        if not raw or status >= 300:
            try:
                payload = response.json()
            except (json.JSONDecodeError, ValueError):
                payload = None
        if 200 <= status < 300:
            if raw:
                return response
            if isinstance(payload, Mapping) and payload.get("success") is False:
                raise self._error(method, path, status, payload, response, url)
            if isinstance(payload, Mapping) and "result" in payload:
                return payload["result"]
            if payload is None and not response.content:
                return None
            if payload is None:
                raise ServerError(
                    "the response body is not JSON",
                    status=status,
                    method=method,
                    path=path,
                    url=url,
                    hint=hint_for(500, None),
                )
            return payload
        raise self._error(method, path, status, payload, response, url)

    def _error(
        self, method: str, path: str, status: int, payload: Any, response: httpx.Response, url: str
    ) -> CloudflareAPIError:
        code: int | None = None
        message = f"HTTP {status}"
        if isinstance(payload, Mapping):
            errors = payload.get("errors") or []
            if errors and isinstance(errors[0], Mapping):
                raw_code = errors[0].get("code")
                code = int(raw_code) if isinstance(raw_code, (int, float)) else None
                message = str(errors[0].get("message") or message)
                if len(errors) > 1:
                    message += "; " + "; ".join(
                        str(e.get("message")) for e in errors[1:] if isinstance(e, Mapping)
                    )
        elif response.text and status >= 400:
            message = f"HTTP {status}: {response.text[:200].strip()}"
        message = self._scrub(message)
        kind = _classify(status, code)
        error = kind(
            message,
            status=status,
            code=code,
            method=method,
            path=path,
            url=url,
            hint=hint_for(status, code, message),
        )
        if isinstance(error, RateLimitedError):
            error.retry_after = _parse_retry_after(response.headers.get("Retry-After"))
        return error

    # --- Workers scripts ------------------------------------------------------------------------------------

    def get_script_settings(self, account_id: str, script_name: str) -> Any:
        return self.request(
            "GET",
            f"/accounts/{account_id}/workers/scripts/{script_name}/settings",
            what=f"reading Worker script {script_name!r}",
        )

    def get_script_content(self, account_id: str, script_name: str) -> tuple[str, bytes]:
        """``(content type, body)``: raw JavaScript, or multipart with one part per module."""
        path = f"/accounts/{account_id}/workers/scripts/{script_name}/content/v2"
        return self._download(path, f"reading the code of Worker script {script_name!r}")

    def download_script(self, account_id: str, script_name: str) -> tuple[str, bytes]:
        """``(content type, body)`` of GET the script: every module, as multipart (raw for a service
        worker)."""
        path = f"/accounts/{account_id}/workers/scripts/{script_name}"
        return self._download(path, f"downloading Worker script {script_name!r}")

    def _download(self, path: str, what: str) -> tuple[str, bytes]:
        response = self.request("GET", path, raw=True, what=what)
        return response.headers.get("content-type", ""), response.content

    def upload_script(
        self,
        account_id: str,
        script_name: str,
        metadata: Mapping[str, Any],
        modules: Mapping[str, str],
    ) -> Any:
        """Multipart PUT: a ``metadata`` JSON part plus one ES-module part per module,
        named by its file name."""
        files: list[tuple[str, tuple[str | None, bytes, str]]] = [
            ("metadata", (None, json.dumps(metadata).encode(), "application/json"))
        ]
        for module_name, source in modules.items():
            files.append((module_name, (module_name, source.encode(), "application/javascript+module")))
        return self.request(
            "PUT",
            f"/accounts/{account_id}/workers/scripts/{script_name}",
            files=files,
            what=f"uploading Worker script {script_name!r}",
        )

    def script_migration_tag(self, account_id: str, script_name: str) -> str | None:
        """The script's Durable Object migration tag as Cloudflare reports it, or ``None`` (no migration yet,
        or no such script). The script list carries it (``migration_tag``), as wrangler reads it; a script's
        settings do not."""
        scripts = self.request(
            "GET",
            f"/accounts/{account_id}/workers/scripts",
            what=f"reading the migration tag of Worker script {script_name!r}",
        )
        for item in scripts or []:
            if isinstance(item, Mapping) and item.get("id") == script_name:
                tag = item.get("migration_tag")
                return tag if isinstance(tag, str) and tag else None
        return None

    def delete_script(self, account_id: str, script_name: str) -> None:
        self.request(
            "DELETE",
            f"/accounts/{account_id}/workers/scripts/{script_name}",
            what=f"deleting Worker script {script_name!r}",
        )

    # --- Workflows ------------------------------------------------------------------------------------------

    def get_workflow(self, account_id: str, workflow_name: str) -> Any:
        return self.request(
            "GET",
            f"/accounts/{account_id}/workflows/{workflow_name}",
            what=f"reading workflow {workflow_name!r}",
        )

    def list_workflows(self, account_id: str, page_size: int = 100) -> list[dict[str, Any]]:
        """Every workflow of the account: pages until a short or empty page (Cloudflare's paging rule)."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"page": str(page), "per_page": str(page_size)}
            batch = (
                self.request(
                    "GET", f"/accounts/{account_id}/workflows", params=params, what="listing the workflows"
                )
                or []
            )
            found.extend(dict(item) for item in batch if isinstance(item, Mapping))
            if len(batch) < page_size:
                return found
            page += 1

    def latest_workflow_version(self, account_id: str, workflow_name: str) -> dict[str, Any] | None:
        """The workflow's newest version (where its ``limits`` live: the workflow object has none), from the
        first page of its versions (newest first, as Cloudflare lists them), by ``created_on``."""
        params = {"page": "1", "per_page": "50"}
        versions = self.request(
            "GET",
            f"/accounts/{account_id}/workflows/{workflow_name}/versions",
            params=params,
            what=f"reading the versions of workflow {workflow_name!r}",
        )
        items = [dict(v) for v in versions or [] if isinstance(v, Mapping)]
        return max(items, key=lambda v: str(v.get("created_on") or ""), default=None)

    def get_workflow_version(self, account_id: str, workflow_name: str, version_id: str) -> Any:
        """One version of a workflow, with what its list item lacks (``default_retention``)."""
        return self.request(
            "GET",
            f"/accounts/{account_id}/workflows/{workflow_name}/versions/{version_id}",
            what=f"reading version {version_id} of workflow {workflow_name!r}",
        )

    def put_workflow(self, account_id: str, workflow_name: str, body: Mapping[str, Any]) -> Any:
        return self.request(
            "PUT",
            f"/accounts/{account_id}/workflows/{workflow_name}",
            json_body=dict(body),
            what=f"registering workflow {workflow_name!r}",
        )

    def delete_workflow(self, account_id: str, workflow_name: str) -> None:
        self.request(
            "DELETE",
            f"/accounts/{account_id}/workflows/{workflow_name}",
            what=f"deleting workflow {workflow_name!r}",
        )


# The codes that mean "this object does not exist": a 404 without one of them is not proof of absence (a
# wrong base URL, a proxy or a gateway answers 404 too), and read/delete must never drop state on it.
NOT_FOUND_CODES = frozenset({10007, 10090, 10200})


def _classify(status: int, code: int | None) -> type[CloudflareAPIError]:
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    if status in (401, 403) or code == 10000:
        return AuthenticationError
    if code in NOT_FOUND_CODES:
        return NotFoundError
    if status == 409 or code in (10142, 10064):
        return ConflictError
    return ValidationError if status in (400, 422) else CloudflareAPIError


def _reason(error: CloudflareError) -> str:
    """Why a request is retried, in a few words."""
    if isinstance(error, RateLimitedError):
        return "rate limited (HTTP 429)"
    if isinstance(error, ServerError):
        return f"Cloudflare server error (HTTP {error.status}{f', code {error.code}' if error.code else ''})"
    return "no answer (connection refused, reset or timed out)"


def _unrecoverable_cause(exc: BaseException) -> str | None:
    """A transport failure no retry can mend: the host name does not resolve, or TLS fails."""
    import socket
    import ssl

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return f"the host name does not resolve: {seen}"
        if isinstance(seen, ssl.SSLError):
            return f"TLS failed: {seen}"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return f"the host name does not resolve: {text}"
    if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
        return f"TLS failed: {text}"
    return None
