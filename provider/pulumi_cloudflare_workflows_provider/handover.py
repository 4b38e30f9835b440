"""Objects that a ``create`` of this deployment took over from another resource (``adopt=True``, ``import_``).

A logical rename without an alias, followed by ``adopt=True`` (as a refusal's hint may suggest), makes the
engine create the new resource by taking over the live object, then delete the old resource, which names the
same object: without this record that delete would remove what the new resource now holds. The engine runs
every step of one deployment in one dynamic-provider process, and deletes of removed resources come after
the creates, so a module-level record suffices: the old resource's ``delete`` sees the hand-over and leaves
the object alone (with a warning). A deployment that dies between the two leaves the old resource in state,
and the next deployment's delete runs in a new process: that narrow gap is documented (docs/sdk.md, the
first rule).
"""

from __future__ import annotations

import threading

__all__ = [
    "SCRIPT",
    "WORKFLOW",
    "forget_deployment",
    "fresh_script",
    "handed_over",
    "kept_script",
    "record_derived_workflow",
    "record_fresh_script",
    "record_handover",
    "record_kept_script",
    "renamed_into",
]

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


# A logical rename of a Workflow *and* its host Worker without aliases moves the class to a new script, so no
# create can tell it from a deliberate second workflow on the same class. The deletes at the end of the same
# update can: a workflow on the same class was just created under a derived name. Such a workflow is kept
# (and its host script with it, or its delete would fail while it hosts the workflow), with a warning.
_derived: dict[
    tuple[str, str], str
] = {}  # (account, class_name) -> the workflow created under a derived name
_kept_scripts: set[tuple[str, str]] = set()


def record_derived_workflow(account_id: str, class_name: str, workflow_name: str) -> None:
    """A create of this deployment registered `workflow_name` on `class_name` under a derived name."""
    with _lock:
        _derived[(account_id, class_name)] = workflow_name


def renamed_into(account_id: str, class_name: str, workflow_name: str) -> str | None:
    """The workflow this deployment created on the same class under a derived name, if not this one."""
    with _lock:
        created = _derived.get((account_id, class_name))
    return created if created not in (None, workflow_name) else None


def record_kept_script(account_id: str, script_name: str) -> None:
    with _lock:
        _kept_scripts.add((account_id, script_name))


def kept_script(account_id: str, script_name: str) -> bool:
    """Whether a workflow this script hosts was kept from deletion (so the script must be kept too)."""
    with _lock:
        return (account_id, script_name) in _kept_scripts


# Scripts a create of this deployment uploaded where no script of that name existed. No live workflow can run
# a class of such a script except one left behind by a forced delete of an earlier script of that name, so a
# derived-name workflow created on it skips the rename guard's list of every workflow (the call that costs
# most at scale). Nothing can be lost by the skip: a renamed workflow's old resource is still kept by its
# delete (:func:`renamed_into`).
_fresh_scripts: set[tuple[str, str]] = set()


def record_fresh_script(account_id: str, script_name: str) -> None:
    with _lock:
        _fresh_scripts.add((account_id, script_name))


def fresh_script(account_id: str, script_name: str) -> bool:
    """Whether this deployment created `script_name` where none existed."""
    with _lock:
        return (account_id, script_name) in _fresh_scripts


def forget_deployment() -> None:
    """Drop every record, as a new provider process starts with none: the next deployment begins. (The engine
    starts a process per deployment; tests that play several deployments in one process call this.)"""
    with _lock:
        _taken.clear()
        _derived.clear()
        _kept_scripts.clear()
        _fresh_scripts.clear()
