"""Objects that a ``create`` of this deployment took over from another resource (``adopt=True``, ``import_``).

A logical rename without an alias, followed by ``adopt=True`` (as a refusal's hint may suggest), makes the
engine create the new resource by taking over the live object, then delete the old resource, which names the
same object: without this record that delete would remove what the new resource now holds. The engine runs
every step of one deployment in one dynamic-provider process, and deletes of removed resources come after
the creates, so a module-level record suffices: the old resource's ``delete`` sees the hand-over and leaves
the object alone (with a warning). A deployment that dies between the two leaves the old resource in state,
and the next deployment's delete runs in a new process: that narrow gap is documented (README, the rules).
"""

from __future__ import annotations

import threading

__all__ = ["SCRIPT", "WORKFLOW", "handed_over", "record_handover"]

WORKFLOW = "workflow"
SCRIPT = "Worker script"

_lock = threading.Lock()
_taken: set[tuple[str, str, str]] = set()


def record_handover(kind: str, account_id: str, name: str) -> None:
    """A create of this deployment now holds ``kind`` object ``name`` of ``account_id``."""
    with _lock:
        _taken.add((kind, account_id, name))


def handed_over(kind: str, account_id: str, name: str) -> bool:
    """Whether a create of this deployment took the object over (so another resource's delete must not)."""
    with _lock:
        return (kind, account_id, name) in _taken
