"""One Cloudflare object, one resource: physical names claimed while the program runs.

Two resources of one program that resolve to the same account-global name (``Worker("Api")`` and
``Worker("api")`` share a default script name; two Workflows given one ``workflow_name``) would both "create"
the same object, since their creates run concurrently and each sees it missing; afterwards destroying either
deletes the other's. The SDK refuses the second one while the program runs, so even a preview fails.

Claims are kept per program run (keyed by the runtime's resource monitor), so many mocked programs in one
test process do not see each other.
"""

from __future__ import annotations

import weakref
from typing import Any

from pulumi.runtime.settings import get_monitor

from .failures import ProgramError

__all__ = ["claim_name"]

_NO_MONITOR = type("_NoMonitor", (), {})()
_CLAIMS: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, str], str]] = weakref.WeakKeyDictionary()


def claim_name(kind: str, account_id: str | None, name: str, resource_name: str) -> None:
    """Record that `resource_name` manages the `kind` object `name`; raise if another resource does."""
    run = get_monitor() or _NO_MONITOR
    try:
        names = _CLAIMS.setdefault(run, {})
    except TypeError:  # a monitor that cannot be weakly referenced: fall back to one shared table
        names = _CLAIMS.setdefault(_NO_MONITOR, {})
    key = (kind, account_id or "", name)
    holder = names.setdefault(key, resource_name)
    if holder != resource_name:
        raise ProgramError(
            f"{kind} name {name!r} is used by both {holder!r} and {resource_name!r} in this program: two "
            "resources would manage one Cloudflare object, and destroying either would delete the other's. "
            f"Give one of them another {'name' if kind == 'Worker script' else 'workflow_name'}"
        )
