"""The base every family of account methods stands on: the backend, the account id and the store.

An `Account` is composed of one mixin per family (`scripts`, `workflows`, `instances`), the way moto
splits a service's backend by resource: each family keeps its validation and persistence together, and
the families share nothing but this base. Where one family calls another's lookup (a workflow names a
script; an instance belongs to a workflow), it declares that method under `TYPE_CHECKING`, so mypy checks
the call while the method itself comes from the sibling mixin in `Account`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cloudflare_local.models import Backend
    from cloudflare_local.store import Store


class AccountBase:
    """One Cloudflare account's state: a view over the shared backend, keyed by the account id."""

    def __init__(self, backend: Backend, account_id: str) -> None:
        self.backend = backend
        self.id = account_id
        self.store: Store = backend.store
