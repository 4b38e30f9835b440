"""Durable Object migrations, applied to one script's classes the way Cloudflare applies them (pure).

A script's Durable Object classes are ``class name -> {"sqlite": bool, "storage_id": str}``. The storage id
is assigned when a class is created and moves with it through ``renamed_classes`` and
``transferred_classes``, so a runtime can keep a renamed class's stored data; ``deleted_classes`` drops it.

:func:`apply` checks the tag precondition (HTTP 412 naming the expected tag, which clients such as Alchemy
parse), then applies each step in order to a copy: a refused step leaves nothing applied, and the caller
keeps the result only if the rest of the upload passes too. What needs other scripts or the new version's
bindings and exports (a deleted class still bound, a class the script does not export) is checked by the
caller (`scripts.py`), which has them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.validation import CLASS_NAME_PATTERN

Classes = dict[str, dict[str, Any]]
"""class name -> {"sqlite": bool, "storage_id": str}"""

STEP_KEYS = ("new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes", "transferred_classes")

__all__ = ["STEP_KEYS", "Applied", "Classes", "apply", "steps_of"]


@dataclass
class Applied:
    """The classes and tag after a migration, and what it took away (for the caller's checks)."""

    classes: Classes
    tag: str | None
    deleted: list[str] = field(default_factory=list)
    transferred: list[tuple[str, str]] = field(default_factory=list)  # (from_script, from class)
    created: list[str] = field(default_factory=list)  # classes created, renamed to or transferred to


def _refuse(message: str) -> ApiError:
    return ApiError(errors.MIGRATION_ERROR, message, 400)


def _class_list(step: Mapping[str, Any], key: str) -> list[str]:
    value = step.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(c, str) and CLASS_NAME_PATTERN.match(c) for c in value
    ):
        raise _refuse(f"migrations: {key} must be a list of JavaScript class names, got {value!r}")
    return value


def _pairs(step: Mapping[str, Any], key: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    value = step.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and all(isinstance(item.get(f), str) and item[f] for f in fields)
        for item in value
    ):
        raise _refuse(f"migrations: each of {key} needs {', '.join(fields)} (strings), got {value!r}")
    return value


def steps_of(migrations: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The steps of a single-step (class lists at the top) or multiple-step (``steps``) migration."""
    if "steps" not in migrations:
        return [migrations]
    if any(key in migrations for key in STEP_KEYS):
        raise _refuse("migrations: give either `steps` or one step's class lists, not both")
    steps = migrations["steps"]
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        raise _refuse("migrations: `steps` must be a list of migration steps")
    return steps


def _check_tags(migrations: Mapping[str, Any], current: str | None) -> str | None:
    """The tag after the migration; a stale `old_tag` is Cloudflare's HTTP 412 naming the expected tag."""
    old, new = migrations.get("old_tag"), migrations.get("new_tag")
    for key, value in (("old_tag", old), ("new_tag", new)):
        if value is not None and not (isinstance(value, str) and value):
            raise _refuse(f"migrations: {key} must be a non-empty string, got {value!r}")
    if (old or None) != (current or None):
        raise ApiError(
            errors.MIGRATION_TAG_MISMATCH,
            f"Migration tag precondition failed: the upload's old_tag is {old!r}, when expected tag is "
            f"'{current or ''}'. Send the script's current migration tag as old_tag",
            412,
        )
    return new or current


def apply(
    script: str,
    classes: Mapping[str, Mapping[str, Any]],
    tag: str | None,
    migrations: Any,
    transferable: Callable[[str, str], Mapping[str, Any] | None],
) -> Applied:
    """`migrations` (an upload's metadata field, or None) applied to script `script`'s `classes`.

    `transferable(from_script, class)` returns that other script's class entry, or None when it has none.
    Raises ``ApiError``: 412 for a stale ``old_tag``, 10074 for a step Cloudflare refuses (a class named
    twice in one step, a new class that exists, a rename or delete of a class that does not).
    """
    out: Classes = {name: dict(entry) for name, entry in classes.items()}
    if migrations is None:
        return Applied(out, tag)
    if not isinstance(migrations, dict):
        raise _refuse("metadata.migrations must be an object")
    new_tag = _check_tags(migrations, tag)
    applied = Applied(out, new_tag)
    for step in steps_of(migrations):
        _apply_step(script, out, step, transferable, applied)
    return applied


def _apply_step(
    script: str,
    out: Classes,
    step: Mapping[str, Any],
    transferable: Callable[[str, str], Mapping[str, Any] | None],
    applied: Applied,
) -> None:
    new = [(c, False) for c in _class_list(step, "new_classes")]
    new += [(c, True) for c in _class_list(step, "new_sqlite_classes")]
    deleted = _class_list(step, "deleted_classes")
    renamed = _pairs(step, "renamed_classes", ("from", "to"))
    transferred = _pairs(step, "transferred_classes", ("from", "from_script", "to"))
    named = [c for c, _ in new] + deleted + [r["from"] for r in renamed] + [r["to"] for r in renamed]
    named += [t["to"] for t in transferred]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise _refuse(f"Class {twice[0]!r} cannot be the target of more than one migration in one step")
    for cls, sqlite in new:
        if cls in out:
            raise _refuse(
                f"Cannot apply new-class migration to class {cls!r}: script {script!r} already has it"
            )
        out[cls] = {"sqlite": sqlite, "storage_id": uuid.uuid4().hex}
        applied.created.append(cls)
    for rename in renamed:
        source, target = rename["from"], rename["to"]
        if source not in out:
            raise _refuse(
                f"Cannot rename class {source!r}: script {script!r} has no such Durable Object class"
            )
        if target in out:
            raise _refuse(f"Cannot rename class {source!r} to {target!r}: script {script!r} already has it")
        out[target] = out.pop(source)
        applied.created.append(target)
    for transfer in transferred:
        entry = transferable(transfer["from_script"], transfer["from"])
        if entry is None:
            raise _refuse(
                f"Cannot transfer class {transfer['from']!r} from script {transfer['from_script']!r}: it has "
                "no such Durable Object class"
            )
        if transfer["to"] in out:
            raise _refuse(f"Cannot transfer to class {transfer['to']!r}: script {script!r} already has it")
        out[transfer["to"]] = dict(entry)
        applied.transferred.append((transfer["from_script"], transfer["from"]))
        applied.created.append(transfer["to"])
    for cls in deleted:
        if cls not in out:
            raise _refuse(
                f"Cannot apply deleted_classes migration to class {cls!r}: script {script!r} has no such "
                "Durable Object class"
            )
        del out[cls]
        applied.deleted.append(cls)
