"""The state model of a local Cloudflare account: scripts, versions, deployments, workflows, instances.

It knows nothing of HTTP (moto's shape): plain methods that validate like Cloudflare, persist through the
store and raise `ApiError` carrying Cloudflare's code and status. The methods are split by family, as moto
splits a backend: `scripts`, `workflows` and `instances` are mixins over `base.AccountBase`, composed here
into `Account`; `records` holds the dataclasses they store. `Backend` is what they share: the store and
the lock that makes each API call one serialised transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cloudflare_local.models.instances import InstancesMixin
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
    "Part",
    "Script",
    "ScriptVersion",
    "Upload",
    "Workflow",
    "WorkflowVersion",
    "now",
    "retention_ms",
]


class Backend:
    """All accounts: the store, and the lock that serialises changes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.RLock()

    def account(self, account_id: str) -> Account:
        return Account(self, account_id)

    @contextmanager
    def change(self) -> Iterator[None]:
        """One atomic change: a store transaction under the lock (an exception rolls it all back)."""
        with self.lock, self.store.transaction():
            yield


class Account(ScriptsMixin, WorkflowsMixin, InstancesMixin):
    """One Cloudflare account's Workers and Workflows (a view over the shared backend)."""
