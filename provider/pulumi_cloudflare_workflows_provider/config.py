"""Provider-side configuration: the API token and base URL, from ``configure()`` or the environment.

Resolution order: stack config (``cloudflare:apiToken``, ``cloudflare:apiBaseUrl``, delivered by the engine to
``configure()``), then wrangler's environment variables (``CLOUDFLARE_API_TOKEN``,
``CLOUDFLARE_API_BASE_URL``), then the public API base. The token lives only in this process's memory: never
in inputs, outputs, logs, reprs or error text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_BASE = "https://api.cloudflare.com/client/v4"

TOKEN_KEY = "cloudflare:apiToken"
BASE_URL_KEY = "cloudflare:apiBaseUrl"
TOKEN_ENV = "CLOUDFLARE_API_TOKEN"
BASE_URL_ENV = "CLOUDFLARE_API_BASE_URL"

__all__ = ["DEFAULT_API_BASE", "ProviderSettings", "resolve_settings"]


@dataclass(frozen=True)
class ProviderSettings:
    """Where and how the provider talks to Cloudflare. ``repr`` never shows the token."""

    base_url: str = DEFAULT_API_BASE
    token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        shown = "<set>" if self.token else "<missing>"
        return f"ProviderSettings(base_url={self.base_url!r}, token={shown})"


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


def resolve_settings(config: Any = None, environ: Mapping[str, str] | None = None) -> ProviderSettings:
    """Settings from a ``pulumi.dynamic.Config`` (or any object with ``.get(key)``) and the environment."""
    env = os.environ if environ is None else environ
    token = _config_value(config, TOKEN_KEY) or env.get(TOKEN_ENV) or None
    base = _config_value(config, BASE_URL_KEY) or env.get(BASE_URL_ENV) or DEFAULT_API_BASE
    return ProviderSettings(base_url=base.rstrip("/"), token=token)
