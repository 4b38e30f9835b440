"""What both providers share: configuration, the lazily built client, pickling by reference, logging.

A provider object is pickled into every resource's ``__provider`` by ``serialize_provider``. It pickles as
``(ProviderClass, ())`` only: a constant string of about 110 characters that names the class by module path,
so the code that runs is always the code on disk, state never holds a token, and a change of settings never
shows up as a diff. After unpickling, ``__init__`` runs again; ``configure()`` (called once per process by the
dynamic-provider server) fills in the token and base URL; the httpx client is built on first use under a lock,
because the server runs up to four calls at once on one shared instance.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from pulumi.dynamic import ConfigureRequest, CreateResult, DiffResult, ResourceProvider

from . import rules
from .cloudflare.client import CloudflareClient, RetryPolicy
from .cloudflare.errors import CloudflareError, ConflictError, NotFoundError
from .config import ProviderSettings, resolve_settings
from .diagnostics import print_error, trace
from .handover import record_handover
from .plan import Kind, derived_name_change
from .rules import Failure

__all__ = ["CloudflareProvider", "reported"]

Method = TypeVar("Method", bound=Callable[..., Any])


def reported(method: Method) -> Method:
    """Prints a failure's first line (what failed, what to do) on stderr before the exception leaves, so it is
    what the user reads first (:mod:`.diagnostics`); with ``CFWF_TRACE_FILE`` set, records the call's span
    (:func:`diagnostics.trace`)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.time()
        try:
            return method(*args, **kwargs)
        except CloudflareError as exc:
            print_error(exc.summary, exc.details)
            raise
        finally:
            trace(method.__name__, started)

    return wrapper  # type: ignore[return-value]


class CloudflareProvider(ResourceProvider):
    """Base of the Worker and Workflow providers: the client, configuration, ``diff`` and the outputs."""

    serialize_as_secret_always = False
    kind: ClassVar[Kind]
    """The resource type's shape (inputs, identity, computed outputs); each provider sets its own."""

    def __init__(self, *, retry: RetryPolicy | None = None, timeout: float | None = None) -> None:
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
                retry = self._retry or RetryPolicy(max_attempts=settings.max_attempts)
                timeout = self._timeout if self._timeout is not None else settings.timeout
                self._client = CloudflareClient(
                    settings.base_url, settings.token, retry=retry, timeout=timeout
                )
            return self._client

    def identity_failures(
        self,
        olds: Mapping[str, Any],
        props: Mapping[str, Any],
        name_key: str,
        validate_name: Callable[[Any], list[Failure]],
    ) -> list[Failure]:
        """``check``'s first rules for both types: the account id, the name, and a derived name that must not
        change under an existing resource (:func:`plan.derived_name_change`)."""
        failures = rules.validate_account_id(props["account_id"]) + validate_name(props[name_key])
        renamed = derived_name_change(olds or {}, props, name_key)
        if renamed:
            failures.append((name_key, renamed))
        return failures

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = self.kind.diff(olds, news)
        if not result.has_changes:
            return DiffResult(changes=False)
        # A replacement the engine forces without an identity change (replace_on_changes) keeps the same
        # Cloudflare name: create-before-delete would write over the live object, then delete it. So it
        # deletes first; a replacement under a new name creates first (no gap).
        return DiffResult(changes=None, replaces=result.replaces, delete_before_replace=not result.replaces)

    def outputs(self, inputs: Mapping[str, Any], computed: Mapping[str, Any]) -> dict[str, Any]:
        """The state of one resource: its inputs and what Cloudflare computed."""
        return self.kind.outputs(inputs, computed)

    def import_existing(
        self,
        kind: str,
        props: dict[str, Any],
        name: str,
    ) -> CreateResult:
        """``create`` for ``import_``: take the live object into state without changing it, as
        ``pulumi import`` does, and refuse (naming the keys) when it differs from the program."""
        account = props["account_id"]
        live = self.read(name, props)
        if not live.id or live.inputs is None:
            raise NotFoundError(
                f"nothing to import: {kind} {name!r} does not exist in account {account}",
                hint="check the import id (<account_id>/<name>), or drop import_ to create it",
            )
        changed = self.kind.diff(live.inputs, props).changed
        if changed:
            inputs = live.inputs
            raise ConflictError(
                f"cannot import {kind} {name!r}: the live object differs from the program in "
                f"{', '.join(changed)}, and an import never changes what it imports",
                hint="make the program match the live object and run `up` again, or replace import_ with "
                "adopt=True to take it over and make it match the program",
                details="; ".join(_differences(changed, inputs, props)),
            )
        record_handover(kind, account, name)
        return CreateResult(live.id, dict(live.outs or {}))


def _differences(keys: list[str], live: Mapping[str, Any], program: Mapping[str, Any]) -> list[str]:
    """`key: live X, program Y` for each changed key; for a map (bindings), only the entries that differ."""
    out: list[str] = []
    for key in keys:
        a, b = live.get(key), program.get(key)
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            for sub in sorted(set(a) | set(b), key=str):
                if a.get(sub) != b.get(sub):
                    out.append(f"{key}.{sub}: live {_short(a.get(sub))}, program {_short(b.get(sub))}")
        else:
            out.append(f"{key}: live {_short(a)}, program {_short(b)}")
    return out


def _short(value: Any, limit: int = 80) -> str:
    """A value for an error message: a secret text masked, a long value cut."""
    if isinstance(value, Mapping) and value.get("type") == "secret_text":
        value = {**value, "text": "***"}
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."
