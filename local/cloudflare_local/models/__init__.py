"""The state model of a local Cloudflare account: scripts, versions, deployments, workflows, instances.

It knows nothing of HTTP (moto's shape): plain methods that validate like Cloudflare, persist through the
store and raise `ApiError` carrying Cloudflare's code and status. The methods are split by family, as moto
splits a backend: `scripts`, `workflows` and `instances` are mixins over `base.AccountBase`, composed here
into `Account`; `records` holds the dataclasses they store. `Backend` is what they share: the store and
the lock that makes each API call one serialised transaction.

With a runtime (`cloudflare-local serve --runtime`), the writes that change what workerd runs (an upload, a
deployment, a settings change, a delete, a workflow PUT or delete) re-apply its configuration inside their
own transaction, just before it commits: a configuration the runtime refuses raises the `ApiError` that
rolls the write back, so the stored state never says what the runtime does not run. The instance endpoints
ask `Backend.instances` whose instances to serve: stored ones, or the runtime's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from cloudflare_local.models.instances import InstanceService, InstancesMixin
from cloudflare_local.models.records import (
    ES_MODULE_TYPES,
    INSTANCE_STATUSES,
    MODULE_TYPES,
    TERMINAL_STATUSES,
    Deployment,
    Instance,
    Part,
    Script,
    ScriptVersion,
    Upload,
    Workflow,
    WorkflowVersion,
    now,
    retention_ms,
)
from cloudflare_local.models.scripts import ScriptsMixin
from cloudflare_local.models.workflows import WorkflowsMixin
from cloudflare_local.store import Store

__all__ = [
    "ES_MODULE_TYPES",
    "INSTANCE_STATUSES",
    "MODULE_TYPES",
    "TERMINAL_STATUSES",
    "Account",
    "Backend",
    "Deployment",
    "Instance",
    "InstanceService",
    "Part",
    "Runtime",
    "Script",
    "ScriptVersion",
    "Upload",
    "Workflow",
    "WorkflowVersion",
    "now",
    "retention_ms",
]


class Runtime(Protocol):
    """What the model needs from a runtime (`cloudflare_local.runtime.Runtime`)."""

    def reconfigure(self, account: Account) -> None:
        """Run what `account` now holds, or raise the `ApiError` that refuses it."""

    def instances(self, account: Account) -> InstanceService:
        """The account's workflow instances, as the runtime runs them."""


class Backend:
    """All accounts: the store, the lock that serialises changes, and the runtime, if there is one."""

    def __init__(self, store: Store, runtime: Runtime | None = None) -> None:
        self.store = store
        self.lock = threading.RLock()
        self.runtime = runtime
        self._depth = 0
        self._reconfigure: list[str] = []

    def account(self, account_id: str) -> Account:
        return Account(self, account_id)

    def instances(self, account: Account) -> InstanceService:
        """Whose instances the API serves: the runtime's, or the stored ones."""
        return account if self.runtime is None else self.runtime.instances(account)

    @contextmanager
    def change(self) -> Iterator[None]:
        """One atomic change: a store transaction under the lock (an exception rolls it all back). The
        outermost one re-applies the runtime's configuration of each account a write marked, before the
        commit."""
        with self.lock, self.store.transaction():
            self._depth += 1
            try:
                yield
                if self._depth == 1:
                    self._apply_runtime()
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._reconfigure.clear()

    def reconfigures(self, account_id: str) -> None:
        """Mark the account: what its runtime runs must follow this change."""
        if self.runtime is not None and account_id not in self._reconfigure:
            self._reconfigure.append(account_id)

    def _apply_runtime(self) -> None:
        if self.runtime is not None:
            for account_id in self._reconfigure:
                self.runtime.reconfigure(self.account(account_id))


P = ParamSpec("P")
R = TypeVar("R")


def _reconfigures(
    method: Callable[Concatenate[Account, P], R],
) -> Callable[Concatenate[Account, P], R]:
    """A write that changes what the runtime runs: one change that marks the account for reconfiguring."""

    @functools.wraps(method)
    def wrapped(self: Account, *args: P.args, **kwargs: P.kwargs) -> R:
        with self.backend.change():
            result = method(self, *args, **kwargs)
            self.backend.reconfigures(self.id)
        return result

    return wrapped


class Account(ScriptsMixin, WorkflowsMixin, InstancesMixin):
    """One Cloudflare account's Workers and Workflows (a view over the shared backend)."""

    # The writes that change what the runtime runs (docs/cloudflare-local.md, "The runtime").
    upload_script = _reconfigures(ScriptsMixin.upload_script)
    create_deployment = _reconfigures(ScriptsMixin.create_deployment)
    patch_settings = _reconfigures(ScriptsMixin.patch_settings)
    delete_script = _reconfigures(ScriptsMixin.delete_script)
    put_workflow = _reconfigures(WorkflowsMixin.put_workflow)
    delete_workflow = _reconfigures(WorkflowsMixin.delete_workflow)
