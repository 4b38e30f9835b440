"""Planning (pure): input normalisation, diffs, replace decisions and class-rename plans.

Nothing here talks to Cloudflare. ``check`` normalises with :func:`normalise_worker` /
:func:`normalise_workflow`; ``diff`` compares old outputs with new checked inputs through the resource type's
:class:`Kind` (:data:`WORKER`, :data:`WORKFLOW`), which also shapes the outputs.

Diff contract (docs/sdk.md, "Diff is exact and names the changed keys"): no change after normalisation ->
``changes=False``; otherwise ``changes=None`` with ``replaces`` = the identity keys that changed or are
unknown, so the engine diffs old and new inputs itself and previews name the changed keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.output import Unknown

from .rules import DURABLE_OBJECT_BINDING, hosted_workflow_bindings, is_hosted, is_unknown
from .workflow_settings import canonical_retention, canonical_schedules, comparable_schedules

DEFAULT_COMPATIBILITY_DATE = "2025-04-01"
DEFAULT_MAIN_MODULE = "worker.mjs"

WORKER_INPUTS = (
    "account_id",
    "name",
    "script",
    "main_module",
    "modules",
    "compatibility_date",
    "compatibility_flags",
    "bindings",
    "durable_objects",
    "adopt",
    "owner_tag",
    "derived_name",
    "import_id",
)
WORKER_IDENTITY = ("account_id", "name")
# `migration_tag`: the script's Durable Object migration tag as Cloudflare last reported it (migrations.py).
WORKER_COMPUTED = ("etag", "created_on", "modified_on", "migration_tag")

WORKFLOW_INPUTS = (
    "account_id",
    "workflow_name",
    "class_name",
    "script_name",
    "limits",
    "schedules",
    "default_retention",
    "adopt",
    "derived_name",
    "import_id",
)
WORKFLOW_IDENTITY = ("account_id", "workflow_name")
WORKFLOW_COMPUTED = ("workflow_id", "version_id", "created_on")

# In a hosted workflow binding, marks a workflow_name derived from the Workflow's logical name: it steers the
# host's rename guard (a binding must not move to a derived name a logical rename without alias produced)
# and is never sent to Cloudflare nor compared.
DERIVED_MARK = "derived_name"

# Keys that only steer `create` (taking over or importing an existing object, the rename guard): changing
# them changes nothing remote, so they never make a diff on their own.
CREATE_ONLY = ("adopt", "derived_name", "owner_tag", "import_id")

__all__ = [
    "DEFAULT_COMPATIBILITY_DATE",
    "DEFAULT_MAIN_MODULE",
    "DERIVED_MARK",
    "WORKER",
    "WORKER_COMPUTED",
    "WORKER_IDENTITY",
    "WORKER_INPUTS",
    "WORKFLOW",
    "WORKFLOW_COMPUTED",
    "WORKFLOW_IDENTITY",
    "WORKFLOW_INPUTS",
    "ClassRename",
    "Diff",
    "Kind",
    "bindings_from_wire",
    "bindings_to_wire",
    "class_renames",
    "comparable_bindings",
    "derived_hosted_names",
    "derived_name_change",
    "diff_worker",
    "diff_workflow",
    "digest",
    "hosted_workflows",
    "json_numbers",
    "normalise_binding",
    "normalise_bindings",
    "normalise_worker",
    "normalise_workflow",
]


@dataclass(frozen=True)
class Diff:
    """What changed between the state and the program, as the provider's ``diff`` reports it."""

    changed: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True)
class ClassRename:
    """A hosted workflow whose class changes: the script must export `new`; `old` may still run instances."""

    workflow_name: str
    old: str
    new: str


def json_numbers(value: Any) -> Any:
    """Integral floats back to ints, recursively.

    Every number crosses the engine's gRPC boundary as a protobuf double, so ``{"steps": 50}`` reaches
    ``create`` as ``{"steps": 50.0}``; Cloudflare validates integers strictly. JavaScript has one number type,
    so turning ``50.0`` into ``50`` never changes what a script sees.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: json_numbers(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_numbers(v) for v in value]
    return value


# --- normalisation -----------------------------------------------------------------------------------------


def _drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def normalise_binding(name: str, body: Any, script_name: Any) -> Any:
    """Canonical binding body: no ``None`` values, no ``name`` key, no self-``script_name`` on workflows."""
    if not isinstance(body, Mapping):
        return body
    out = _drop_none(body)
    if out.get("name") == name:
        del out["name"]
    hosts_class = out.get("type") in ("workflow", DURABLE_OBJECT_BINDING)
    if hosts_class and "script_name" in out and is_hosted(out["script_name"], script_name):
        # A workflow or Durable Object bound by its own host: Cloudflare's default for a missing script_name
        # is "this script".
        del out["script_name"]
    return out


def normalise_bindings(bindings: Any, script_name: Any) -> Any:
    if bindings is None:
        return {}
    if not isinstance(bindings, Mapping):
        return bindings
    return {
        k: normalise_binding(k, v, script_name)
        for k, v in sorted(bindings.items(), key=lambda kv: str(kv[0]))
    }


def _flags(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, (list, tuple)) and not is_unknown(value):
        return sorted(set(value), key=str)
    return value


def _modules(value: Any) -> Any:
    """Extra modules sorted by name; none (``None``, ``{}``) is ``None``, as in a state written before
    Workers had extra modules, so upgrading never shows a diff."""
    if isinstance(value, Mapping):
        return dict(sorted(value.items(), key=lambda kv: str(kv[0]))) or None
    return value


def _durable_objects(value: Any) -> Any:
    """Hosted Durable Objects by stable id, sorted, ``sqlite`` a bool; none (``None``, ``{}``) is ``None``, as
    in a state written before Workers hosted Durable Objects, so upgrading never shows a diff."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for stable_id, entry in sorted(value.items(), key=lambda kv: str(kv[0])):
        if isinstance(entry, Mapping):
            sqlite = entry.get("sqlite", True)
            entry = {**_drop_none(entry), "sqlite": sqlite if isinstance(sqlite, Unknown) else bool(sqlite)}
        out[stable_id] = entry
    return out or None


def normalise_worker(props: Mapping[str, Any]) -> dict[str, Any]:
    """Worker inputs with defaults filled and canonical order/shape (idempotent)."""
    out: dict[str, Any] = {k: props.get(k) for k in WORKER_INPUTS}
    if out["main_module"] is None:
        out["main_module"] = DEFAULT_MAIN_MODULE
    if out["compatibility_date"] is None:
        out["compatibility_date"] = DEFAULT_COMPATIBILITY_DATE
    out["compatibility_flags"] = _flags(out["compatibility_flags"])
    out["modules"] = _modules(out["modules"])
    out["bindings"] = normalise_bindings(out["bindings"], out["name"])
    out["durable_objects"] = _durable_objects(out["durable_objects"])
    for flag in ("adopt", "derived_name"):
        out[flag] = bool(out[flag]) if not isinstance(out[flag], Unknown) else out[flag]
    out["import_id"] = out["import_id"] or None
    return out


def normalise_workflow(props: Mapping[str, Any]) -> dict[str, Any]:
    """Workflow inputs with defaults filled (idempotent). ``limits={}`` means no limits; ``schedules`` and
    ``default_retention`` take their one spelling (:mod:`.workflow_settings`), ``None`` when not set."""
    out: dict[str, Any] = {k: props.get(k) for k in WORKFLOW_INPUTS}
    limits = out["limits"]
    if isinstance(limits, Mapping):
        limits = json_numbers(_drop_none(limits)) or None
    out["limits"] = limits
    out["schedules"] = canonical_schedules(out["schedules"])
    out["default_retention"] = canonical_retention(out["default_retention"])
    for flag in ("adopt", "derived_name"):
        out[flag] = bool(out[flag]) if not isinstance(out[flag], Unknown) else out[flag]
    out["import_id"] = out["import_id"] or None
    return out


# --- diffs -------------------------------------------------------------------------------------------------


def _diff(
    old: Mapping[str, Any], new: Mapping[str, Any], keys: tuple[str, ...], identity: tuple[str, ...]
) -> Diff:
    changed: list[str] = []
    for key in keys:
        if key in CREATE_ONLY:
            continue
        before, after = old.get(key), new.get(key)
        if key == "bindings":
            before, after = comparable_bindings(before), comparable_bindings(after)
        elif key == "schedules":
            before, after = comparable_schedules(before), comparable_schedules(after)
        if is_unknown(after) or before != after:
            changed.append(key)
    replaces = [k for k in changed if k in identity]
    return Diff(changed=changed, replaces=replaces)


def diff_worker(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """Old Worker outputs vs new checked inputs. ``account_id`` and ``name`` changes replace the script."""
    return WORKER.diff(olds, news)


def diff_workflow(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
    """Old Workflow outputs vs new checked inputs. ``account_id`` and ``workflow_name`` changes replace it;
    ``class_name``, ``script_name``, ``limits``, ``schedules`` and ``default_retention`` are updated in place
    (the workflow keeps its id)."""
    return WORKFLOW.diff(olds, news)


def digest(text: str) -> str:
    """sha256 of `text` (UTF-8), hex: what state's outputs hold instead of a large input."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest_of(props: Mapping[str, Any], key: str) -> Any:
    """`key`'s digest from inputs (the text itself) or from outputs (``<key>_sha256``, or the text in a state
    written before outputs held digests). A map of texts (``modules``) digests to a map of digests, none to
    ``None``. An unknown text stays unknown: it counts as a change."""
    value = props.get(key)
    if isinstance(value, str):
        return digest(value)
    if isinstance(value, Mapping) and not is_unknown(value):
        return {k: digest(v) if isinstance(v, str) else v for k, v in sorted(value.items())} or None
    if is_unknown(value):
        return value
    return props.get(f"{key}_sha256")


@dataclass(frozen=True)
class Kind:
    """One resource type's shape: its inputs, the keys that are its identity, the outputs Cloudflare computes,
    and its normalisation. Both providers diff and build outputs through it, so the rule has one home.

    `digested` inputs are kept whole in the state's inputs (the engine shows ``--diff`` from old and new
    inputs, so a reviewer sees the script change) but only as ``<key>_sha256`` in its outputs, which the
    provider's ``diff`` receives: a 1 MB script then weighs 1 MB in the checkpoint, not 2
    (benchmarks/results, section ``state``)."""

    inputs: tuple[str, ...]
    identity: tuple[str, ...]
    computed: tuple[str, ...]
    normalise: Callable[[Mapping[str, Any]], dict[str, Any]]
    digested: tuple[str, ...] = ()

    def diff(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        old, new = self.normalise(olds), self.normalise(news)
        for key in self.digested:
            old[key], new[key] = _digest_of(olds, key), _digest_of(news, key)
        return _diff(old, new, self.inputs, self.identity)

    def outputs(self, inputs: Mapping[str, Any], computed: Mapping[str, Any]) -> dict[str, Any]:
        """What state holds: every input (a digested one as its digest), then the computed keys."""
        outs = {k: inputs.get(k) for k in self.inputs if k not in self.digested}
        for key in self.digested:
            outs[f"{key}_sha256"] = _digest_of(inputs, key)
        outs.update({k: computed.get(k) for k in self.computed})
        return outs


WORKER = Kind(
    WORKER_INPUTS, WORKER_IDENTITY, WORKER_COMPUTED, normalise_worker, digested=("script", "modules")
)
WORKFLOW = Kind(WORKFLOW_INPUTS, WORKFLOW_IDENTITY, WORKFLOW_COMPUTED, normalise_workflow)


# --- derived names ------------------------------------------------------------------------------------------


def derived_name_change(olds: Mapping[str, Any], news: Mapping[str, Any], key: str) -> str | None:
    """Why `check` must stop a derived (default) physical name from changing under an existing resource.

    A derived name follows the logical name (or its first alias), the project and the stack. If it changes
    while the resource keeps its identity in the state (the engine matched it, e.g. through an alias), the
    diff would replace the object and delete the old one, with its history: an identity change the user did
    not ask for. Returns the reason, or None when nothing derived changes.
    """
    old, new = olds.get(key), news.get(key)
    if not (olds.get("derived_name") and news.get("derived_name")):
        return None
    if not isinstance(old, str) or not isinstance(new, str) or old == new:
        return None
    return (
        f"the derived {key} would change from {old!r} to {new!r} (the logical name, its first alias, the "
        f"project or the stack changed), which replaces the object and deletes {old!r}. Keep it with "
        f"{key}={old!r}, or list the original logical name first in aliases; to replace it on purpose, set "
        f"{key} explicitly"
    )


# --- hosted workflows and class renames --------------------------------------------------------------------


def hosted_workflows(bindings: Any, script_name: Any) -> dict[str, str]:
    """``workflow_name -> class_name`` for the workflow bindings a script hosts (:func:`rules.is_hosted`)."""
    hosted: dict[str, str] = {}
    for _, body in hosted_workflow_bindings(bindings, script_name):
        wf, cls = body.get("workflow_name"), body.get("class_name")
        if isinstance(wf, str) and isinstance(cls, str):
            hosted[wf] = cls
    return hosted


def class_renames(old_bindings: Any, new_bindings: Any, script_name: Any) -> list[ClassRename]:
    """Hosted workflows whose class changes between two versions of one script."""
    old = hosted_workflows(old_bindings, script_name)
    new = hosted_workflows(new_bindings, script_name)
    return [ClassRename(wf, old[wf], cls) for wf, cls in sorted(new.items()) if wf in old and old[wf] != cls]


# --- wire shape --------------------------------------------------------------------------------------------


def bindings_to_wire(bindings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """State shape (name -> body without name) to Cloudflare's list shape, sorted by name."""
    return [{"name": name, **json_numbers(dict(_unmarked(body)))} for name, body in sorted(bindings.items())]


def _unmarked(body: Any) -> Any:
    if isinstance(body, Mapping) and DERIVED_MARK in body:
        return {k: v for k, v in body.items() if k != DERIVED_MARK}
    return body


def comparable_bindings(bindings: Any) -> Any:
    """Bindings as Cloudflare sees them: what a diff compares (the derived-name mark is not Cloudflare's)."""
    if not isinstance(bindings, Mapping):
        return bindings
    return {k: _unmarked(v) for k, v in bindings.items()}


def derived_hosted_names(old_bindings: Any, new_bindings: Any, script_name: Any) -> dict[str, str]:
    """``workflow_name -> class_name`` of hosted workflows the new bindings name with a derived name that no
    old binding named: where a logical rename without an alias would point the host."""
    old = hosted_workflows(old_bindings, script_name)
    found: dict[str, str] = {}
    for _, body in hosted_workflow_bindings(new_bindings, script_name):
        wf, cls = body.get("workflow_name"), body.get("class_name")
        if body.get(DERIVED_MARK) and isinstance(wf, str) and isinstance(cls, str) and wf not in old:
            found[wf] = cls
    return found


def bindings_from_wire(
    items: Any, script_name: str, previous: Mapping[str, Any] | None = None
) -> dict[str, dict[str, Any]]:
    """Cloudflare's list shape (from GET settings) to state shape.

    Cloudflare never returns ``secret_text`` values; a secret binding that still exists remotely keeps the
    value from `previous` (the state), so a refresh does not erase it. Nor does it know the derived-name mark:
    a binding that reads back as the state had it keeps the state's mark, so a refresh changes no input (the
    engine would otherwise list ``bindings`` among the changed keys of the next update).
    """
    previous = previous or {}
    out: dict[str, dict[str, Any]] = {}
    for item in items or []:
        if not isinstance(item, Mapping) or "name" not in item:
            continue
        name = str(item["name"])
        body = {k: v for k, v in item.items() if k != "name"}
        if body.get("type") == "secret_text" and "text" not in body:
            old = previous.get(name)
            if isinstance(old, Mapping) and old.get("type") == "secret_text" and "text" in old:
                body["text"] = old["text"]
        body = normalise_binding(name, body, script_name)
        old_body = previous.get(name)
        if isinstance(old_body, Mapping) and old_body.get(DERIVED_MARK) and _unmarked(old_body) == body:
            body = {**body, DERIVED_MARK: old_body[DERIVED_MARK]}
        out[name] = body
    return dict(sorted(out.items()))
