"""Provider-side configuration: the API token and base URL, from ``configure()`` or the environment.

Resolution order: stack config (``cloudflare:apiToken``, ``cloudflare:baseUrl``: the keys pulumi-cloudflare
itself reads, so one stack config serves both providers; delivered by the engine to ``configure()``), then
wrangler's environment variables (``CLOUDFLARE_API_TOKEN``, ``CLOUDFLARE_API_BASE_URL``), then the public API
base. ``cloudflare:apiBaseUrl``, this package's first key for the base URL, still works with a deprecation
warning: pulumi-cloudflare rejects it. The token lives only in this process's memory: never in inputs,
outputs, logs, reprs or error text.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_BASE = "https://api.cloudflare.com/client/v4"

TOKEN_KEY = "cloudflare:apiToken"
BASE_URL_KEY = "cloudflare:baseUrl"
# Deprecated: pulumi-cloudflare rejects cloudflare:* keys it does not know, and this is one.
LEGACY_BASE_URL_KEY = "cloudflare:apiBaseUrl"
# This package's own knobs, in its own namespace: seconds per request, and sends per request (1 = no retry).
TIMEOUT_KEY = "cloudflare-workflows:requestTimeout"
MAX_ATTEMPTS_KEY = "cloudflare-workflows:maxAttempts"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_ATTEMPTS = 6
# The account id is the program's (the SDK resolves it), in this package's namespace: pulumi-cloudflare
# rejects cloudflare:* keys it does not know, such as the legacy key.
ACCOUNT_ID_KEY = "cloudflare-workflows:accountId"
LEGACY_ACCOUNT_ID_KEY = "cloudflare:accountId"
# wrangler's environment variables, the fallback for each setting.
TOKEN_ENV = "CLOUDFLARE_API_TOKEN"
BASE_URL_ENV = "CLOUDFLARE_API_BASE_URL"
ACCOUNT_ID_ENV = "CLOUDFLARE_ACCOUNT_ID"
# Where each setting comes from, as error hints say it.
TOKEN_SOURCES = f"{TOKEN_KEY} or {TOKEN_ENV}"
BASE_URL_SOURCES = f"{BASE_URL_KEY} or {BASE_URL_ENV}"
ACCOUNT_ID_SOURCES = f"{ACCOUNT_ID_KEY} or {ACCOUNT_ID_ENV}"

__all__ = [
    "ACCOUNT_ID_ENV",
    "ACCOUNT_ID_KEY",
    "ACCOUNT_ID_SOURCES",
    "BASE_URL_ENV",
    "BASE_URL_KEY",
    "BASE_URL_SOURCES",
    "DEFAULT_API_BASE",
    "LEGACY_ACCOUNT_ID_KEY",
    "TOKEN_ENV",
    "TOKEN_KEY",
    "TOKEN_SOURCES",
    "ProviderSettings",
    "resolve_settings",
]


@dataclass(frozen=True)
class ProviderSettings:
    """Where and how the provider talks to Cloudflare. ``repr`` never shows the token."""

    base_url: str = DEFAULT_API_BASE
    token: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def __repr__(self) -> str:
        shown = "<set>" if self.token else "<missing>"
        return (
            f"ProviderSettings(base_url={self.base_url!r}, token={shown}, timeout={self.timeout}, "
            f"max_attempts={self.max_attempts})"
        )


def _config_value(config: Any, key: str) -> str | None:
    if config is None:
        return None
    getter = getattr(config, "get", None)
    if getter is None:
        return None
    value = getter(key)
    if value is None or value == "":
        return None
    return str(value)


_warned: set[str] = set()


def resolve_settings(config: Any = None, environ: Mapping[str, str] | None = None) -> ProviderSettings:
    """Settings from a ``pulumi.dynamic.Config`` (or any object with ``.get(key)``) and the environment."""
    env = os.environ if environ is None else environ
    token = _config_value(config, TOKEN_KEY) or env.get(TOKEN_ENV) or None
    base = _config_value(config, BASE_URL_KEY)
    legacy = _config_value(config, LEGACY_BASE_URL_KEY)
    if legacy is not None and LEGACY_BASE_URL_KEY not in _warned:
        _warned.add(LEGACY_BASE_URL_KEY)  # once per process, not once per provider class
        print(
            f"warning: the config key {LEGACY_BASE_URL_KEY} is deprecated and will be removed in the next "
            f"release: rename it with `pulumi config rm {LEGACY_BASE_URL_KEY}` and `pulumi config set "
            f"{BASE_URL_KEY} {legacy}` (the key pulumi-cloudflare also reads; "
            f"it rejects {LEGACY_BASE_URL_KEY})",
            file=sys.stderr,
            flush=True,
        )
    base = base or legacy or env.get(BASE_URL_ENV) or DEFAULT_API_BASE
    timeout = _number(config, TIMEOUT_KEY, DEFAULT_TIMEOUT, minimum=1.0)
    attempts = int(_number(config, MAX_ATTEMPTS_KEY, DEFAULT_MAX_ATTEMPTS, minimum=1))
    return ProviderSettings(base_url=base.rstrip("/"), token=token, timeout=timeout, max_attempts=attempts)


def _number(config: Any, key: str, default: float, minimum: float) -> float:
    raw = _config_value(config, key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"config {key} is {raw!r}: set it to a number (at least {minimum:g})") from None
    if value < minimum:
        raise ValueError(f"config {key} is {raw!r}: set it to at least {minimum:g}")
    return value
