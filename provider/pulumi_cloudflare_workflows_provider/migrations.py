"""Durable Object migrations (pure): the classes a Worker hosts, keyed by stable identifier, planned into the
``migrations`` of its next upload.

A Worker's ``durable_objects`` input is ``{stable id: {"class_name": str, "sqlite": bool}}``, the
``DurableObject`` declarations it hosts; its outputs echo it, so after a successful upload the state holds
the classes the script has. :func:`plan` compares that record (the previous classes) with the program's
declarations:

- a stable id that first appears: ``new_sqlite_classes`` (``new_classes`` with ``sqlite=False``);
- a stable id whose class changes: ``renamed_classes`` (Cloudflare keeps the stored data);
- a stable id that leaves: ``deleted_classes`` (Cloudflare deletes the stored data).

Steps are ordered so that no class is the target of two migrations in one step (Cloudflare's 10074):
deletes first, then renames (a chain ``B->C``, ``A->B`` renames ``B`` first), then new classes; adjacent
steps that name disjoint classes are merged, so the usual change is one single-step migration.

Tags (:func:`next_tag`): ``old_tag`` is the script's current migration tag as Cloudflare reports it, and
``new_tag`` continues it: the trailing number goes up by one, keeping any prefix (``v1`` -> ``v2``,
``alchemy:v4`` -> ``alchemy:v5``), so a script deployed by wrangler or Alchemy keeps its own scheme; a
script without a tag starts at ``v1``, and a tag without a trailing number gets ``-1`` (``initial`` ->
``initial-1``). An upload that migrates nothing sends no ``migrations`` at all.

:func:`transition_failures` is the safety rule ``check`` applies before any of this runs (docs/sdk.md,
"Deleting a Durable Object class takes two signals").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.output import Unknown

from . import exports, rules
from .rules import Failure

__all__ = [
    "DurableObjectClass",
    "Plan",
    "adopted_classes",
    "classes_of",
    "destructive",
    "next_tag",
    "plan",
    "reconciled",
    "to_wire",
    "transition_failures",
    "validate_durable_objects",
]

_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


@dataclass(frozen=True)
class DurableObjectClass:
    """One declared Durable Object: its class and storage backend."""

    class_name: str
    sqlite: bool


@dataclass(frozen=True)
class Plan:
    """What one upload migrates: ``steps`` (empty: send no ``migrations``). The state afterwards is the
    declaration itself: the Worker's outputs echo its ``durable_objects`` input."""

    steps: list[dict[str, Any]] = field(default_factory=list)


def classes_of(value: Any) -> dict[str, DurableObjectClass]:
    """A ``durable_objects`` property (input or state) as classes by stable id; entries whose class is not
    a plain string (an unknown in a preview) are left out, and a state from before Durable Objects
    (``None``) has none."""
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, DurableObjectClass] = {}
    for stable_id, entry in value.items():
        if isinstance(entry, Mapping) and isinstance(entry.get("class_name"), str):
            out[str(stable_id)] = DurableObjectClass(entry["class_name"], entry.get("sqlite") is not False)
    return out


def plan(previous: Any, declared: Any) -> Plan:
    """The migration from the `previous` classes (the state) to the `declared` ones (the program).

    Raises ``ValueError`` for a rename cycle (two classes swapping names), which ``check`` refuses first.
    """
    old, new = classes_of(previous), classes_of(declared)
    deleted = sorted(old[sid].class_name for sid in old if sid not in new)
    renames = {old[sid].class_name: new[sid].class_name for sid in new if sid in old}
    renames = {source: target for source, target in renames.items() if source != target}
    created = sorted((new[sid].class_name, new[sid].sqlite) for sid in new if sid not in old)
    layers: list[dict[str, Any]] = []
    if deleted:
        layers.append({"deleted_classes": deleted})
    layers += _rename_layers(renames, {c.class_name for c in old.values()} - set(deleted))
    step: dict[str, Any] = {}
    for key, sqlite in (("new_classes", False), ("new_sqlite_classes", True)):
        names = [name for name, flag in created if flag is sqlite]
        if names:
            step[key] = names
    if step:
        layers.append(step)
    return Plan(_merged(layers))


def destructive(previous: Any, declared: Any) -> list[str]:
    """What the next upload's migrations destroy, in words a preview shows: each class deleted with its data
    (the diff itself only shows a binding and a declaration leaving)."""
    old, new = classes_of(previous), classes_of(declared)
    return [
        f"this update deletes Durable Object class {old[sid].class_name!r} (DurableObject {sid!r}) and every "
        "object stored in it (deleted_classes); keep declaring and exporting it to keep its data"
        for sid in sorted(old)
        if sid not in new
    ]


def _rename_layers(renames: Mapping[str, str], existing: set[str]) -> list[dict[str, Any]]:
    """Renames in an order Cloudflare accepts: a class is renamed onto a name only once that name is free."""
    pending, taken, layers = dict(renames), set(existing), []
    while pending:
        ready = sorted(source for source, target in pending.items() if target not in taken)
        if not ready:
            raise ValueError(
                f"Durable Object classes {sorted(pending)} swap names: rename them in two updates"
            )
        layers.append({"renamed_classes": [{"from": s, "to": pending[s]} for s in ready]})
        for source in ready:
            taken.discard(source)
            taken.add(pending.pop(source))
    return layers


def _named(step: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key, value in step.items():
        for item in value:
            names.update([item["from"], item["to"]] if key == "renamed_classes" else [item])
    return names


def _merged(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Adjacent steps that name disjoint classes merged into one (their order then does not matter)."""
    out: list[dict[str, Any]] = []
    for layer in layers:
        if out and not (_named(out[-1]) & _named(layer)) and not (set(out[-1]) & set(layer)):
            out[-1] = {**out[-1], **layer}
        else:
            out.append(dict(layer))
    return out


def next_tag(tag: str | None) -> str:
    """The tag after `tag` (see the module docstring): ``None`` -> ``v1``, ``v7`` -> ``v8``."""
    if not tag:
        return "v1"
    match = _TRAILING_NUMBER.match(tag)
    if match is None:
        return f"{tag}-1"
    prefix, number = match.groups()
    return f"{prefix}{str(int(number) + 1).zfill(len(number))}"


def to_wire(steps: list[dict[str, Any]], live_tag: str | None) -> dict[str, Any]:
    """The upload's ``metadata.migrations``: single-step when one step will do, else ``steps``; ``old_tag``
    is the script's live tag (none for a script without one), ``new_tag`` the next."""
    body: dict[str, Any] = {"old_tag": live_tag} if live_tag else {}
    body["new_tag"] = next_tag(live_tag)
    if len(steps) == 1:
        body.update(steps[0])
    else:
        body["steps"] = steps
    return body


def adopted_classes(declared: Any, live_bindings: Mapping[str, Any], script_name: str) -> dict[str, Any]:
    """What an adopted script already has, as previous classes: each declared Durable Object whose class a
    live binding of the script hosts (Cloudflare refuses a binding to a class that does not exist, 10061).
    Classes the script has and the program does not declare are never deleted by an adoption."""
    live = {
        body.get("class_name") for _, body in rules.hosted_durable_object_bindings(live_bindings, script_name)
    }
    return {
        sid: {"class_name": c.class_name, "sqlite": c.sqlite}
        for sid, c in classes_of(declared).items()
        if c.class_name in live
    }


def reconciled(
    previous: Any, declared: Any, live_bindings: Mapping[str, Any], script_name: str
) -> dict[str, Any]:
    """The previous classes once the script's tag shows migrations this state did not record (an ``up``
    interrupted after its upload, or a migration applied outside Pulumi), judged by the classes the live
    script binds: a declared class it binds already exists (its migration is not sent again), and a class
    of the state that neither the program declares nor the script binds any more is already gone (not
    deleted again). Every other class stays as the state has it, so a rename the program asks for is
    still a rename, never a new empty class."""
    live = {
        body.get("class_name") for _, body in rules.hosted_durable_object_bindings(live_bindings, script_name)
    }
    old, new = classes_of(previous), classes_of(declared)
    out = {
        sid: {"class_name": c.class_name, "sqlite": c.sqlite}
        for sid, c in old.items()
        if sid in new or c.class_name in live
    }
    out.update(adopted_classes(declared, live_bindings, script_name))
    return out


def transition_failures(previous: Any, declared: Any, script: Any, main_module: Any) -> list[Failure]:
    """``check``'s refusals of a change that would lose a class's stored data or that Cloudflare refuses:

    - a stable id that leaves while another one declares its class (a renamed ``resource_name``): the
      upload would delete the class, with its data, and create it again (Cloudflare: 10074);
    - a stable id that leaves while the script still exports its class: deleting a class takes two
      signals, the declaration and the class's export both removed, so a binding dropped by mistake never
      deletes stored data;
    - ``sqlite`` changed on an existing class (Cloudflare has no migration between storage backends);
    - two classes that swap names (no order of renames can do it in one upload).
    """
    old, new = classes_of(previous), classes_of(declared)
    failures: list[Failure] = []
    claimed = {c.class_name: sid for sid, c in new.items()}
    gone = {sid: c for sid, c in old.items() if sid not in new}
    exported = exports.module_exports(script) if isinstance(script, str) else None
    for sid, cls in sorted(gone.items()):
        name = cls.class_name
        if name in claimed:
            failures.append(
                (
                    f"durable_objects.{claimed[name]}",
                    f"Durable Object {sid!r} left the program and {claimed[name]!r} now declares its class "
                    f"{name!r}. Keep the resource_name {sid!r} (DurableObject({sid!r}, "
                    f"class_name={name!r})): a Durable Object's resource_name is its stable identifier, and "
                    "a new one would delete "
                    f"class {name!r} with all its stored data and create it anew (Cloudflare refuses both "
                    "in one upload, 10074). To start over with empty storage on purpose, remove the "
                    "DurableObject in one `up` (with its class's export) and add the new one in the next",
                )
            )
        elif exported is not None and name in exported:
            failures.append(
                (
                    "durable_objects",
                    f"Durable Object {sid!r} (class {name!r}) left the program, but {main_module} still "
                    f"exports class {name!r}. To keep it and its stored data, bind "
                    f"DurableObject({sid!r}, class_name={name!r}) again; to delete the class and all its "
                    f"stored data, also remove `export class {name}` from {main_module}",
                )
            )
    for sid in sorted(set(old) & set(new)):
        if old[sid].sqlite != new[sid].sqlite:
            failures.append(
                (
                    f"durable_objects.{sid}.sqlite",
                    f"Durable Object {sid!r} was created with sqlite={old[sid].sqlite}; keep that: "
                    "Cloudflare cannot move an existing class to another storage backend (a new "
                    "DurableObject with another resource_name and class gets the new one)",
                )
            )
    try:
        plan(previous, declared)
    except ValueError as cycle:
        failures.append(("durable_objects", f"{cycle} (one to a temporary class name first)"))
    return failures


def validate_durable_objects(
    value: Any, bindings: Any, script_name: Any, prop: str = "durable_objects"
) -> list[Failure]:
    """The Durable Objects a script hosts: ``{stable id: {"class_name": str, "sqlite": bool}}``, one stable
    id per class, and every Durable Object binding to a class of this script declared among them (its
    migrations are planned from the declaration; an undeclared class would never be created)."""
    if value is None or rules.is_unknown(value):
        return []
    if not isinstance(value, Mapping):
        return [(prop, 'durable_objects must be a dict of stable id -> {"class_name": ..., "sqlite": ...}')]
    failures: list[Failure] = []
    owner: dict[str, str] = {}
    for stable_id, entry in value.items():
        where = f"{prop}.{stable_id}"
        if not isinstance(stable_id, str) or not stable_id:
            failures.append((prop, f"a Durable Object's stable id must be a non-empty string: {stable_id!r}"))
            continue
        if rules.is_unknown(entry):
            continue
        if not isinstance(entry, Mapping):
            failures.append((where, 'a Durable Object must be {"class_name": ..., "sqlite": ...}'))
            continue
        cls, sqlite = entry.get("class_name"), entry.get("sqlite")
        failures += rules.validate_class_name(cls, f"{where}.class_name")
        if not isinstance(sqlite, (bool, Unknown)):
            failures.append((f"{where}.sqlite", f"sqlite must be True or False, not {sqlite!r}"))
        if isinstance(cls, str):
            first = owner.setdefault(cls, stable_id)
            if first != stable_id:
                failures.append(
                    (
                        f"{where}.class_name",
                        f"Durable Objects {first!r} and {stable_id!r} both declare class {cls!r}; a class "
                        "has one Durable Object (one stable id): bind the same DurableObject twice instead",
                    )
                )
    if failures or rules.is_unknown(bindings):
        return failures
    for name, body in rules.hosted_durable_object_bindings(bindings, script_name):
        cls = body.get("class_name")
        if isinstance(cls, str) and cls not in owner:
            failures.append(
                (
                    f"bindings.{name}.class_name",
                    f"binding {name} names Durable Object class {cls!r} of this script, which no "
                    f'DurableObject declares: bind DurableObject("<stable id>", class_name={cls!r}) '
                    "so its migrations are planned, or set script_name to the script that hosts it",
                )
            )
    return failures
