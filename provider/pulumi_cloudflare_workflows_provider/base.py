"""What both providers share: configuration, the lazily built client, pickling by reference, logging.

A provider object is pickled into every resource's ``__provider`` by ``serialize_provider``. It pickles as
``(ProviderClass, ())`` only: a constant, ~100-byte string that names the class by module path, so the code
that runs is always the code on disk, state never holds a token, and a change of settings never shows up as a
diff. After unpickling, ``__init__`` runs again; ``configure()`` (called once per process by the
dynamic-provider server) fills in the token and base URL; the httpx client is built on first use under a lock,
because the server runs up to four calls at once on one shared instance.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from .cloudflare.client import CloudflareClient, RetryPolicy
from .config import ProviderSettings, resolve_settings

__all__ = ["CloudflareProvider", "log_warning"]


def log_warning(message: str) -> None:
    """A warning line the engine shows for this resource's step (provider stderr passes through)."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


class CloudflareProvider(ResourceProvider):
    """Base of the Worker and Workflow providers."""

    serialize_as_secret_always = False

    def __init__(self, *, retry: RetryPolicy | None = None, timeout: float = 60.0) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._settings: ProviderSettings | None = None
        self._client: CloudflareClient | None = None
        self._retry = retry
        self._timeout = timeout

    # Pickled by reference and nothing else (see module docstring).
    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (type(self), ())

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def configure(self, req: ConfigureRequest) -> None:
        settings = resolve_settings(req.config)
        with self._lock:
            self._settings = settings
            old, self._client = self._client, None
        if old is not None:
            old.close()

    def client(self) -> CloudflareClient:
        """The shared client, built on first use from configure()'s settings or the environment."""
        client = self._client
        if client is not None:
            return client
        with self._lock:
            if self._client is None:
                settings = self._settings or resolve_settings(None)
                self._client = CloudflareClient(
                    settings.base_url, settings.token, retry=self._retry, timeout=self._timeout
                )
            return self._client
