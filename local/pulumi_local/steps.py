"""The engine's step rules, as pure functions over state and provider answers.

Each rule cites the Go it reproduces (pulumi/pulumi `pkg/resource/deploy/step_generator.go`, `step.go`,
`source_eval.go`); docs/pulumi-local.md lists them with what was read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from pulumi_local.dynamic import DIFF_NONE, DIFF_SOME, DIFF_UNKNOWN, DiffResult
from pulumi_local.state import STACK_TYPE, ResourceState
from pulumi_local.values import PropertyMap, apply_ignore_changes, diff_inputs


class Op(str, Enum):
    """Step operations, spelled as the engine's `deploy.StepOp` values (and so as `preview --json` prints
    them)."""

    SAME = "same"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"
    CREATE_REPLACEMENT = "create-replacement"
    DELETE_REPLACED = "delete-replaced"
    READ = "read"
    REFRESH = "refresh"


@dataclass
class StepEvent:
    """One step the engine took (or, in a preview, would take), as the display and the API report it."""

    op: Op
    urn: str
    type: str
    provider: str = ""
    old: ResourceState | None = None
    new: ResourceState | None = None
    diff_reasons: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] | None = None
    logical: bool = True
    failed: bool = False
    error: str = ""

    @property
    def name(self) -> str:
        return urn_name(self.urn)

    @property
    def is_change(self) -> bool:
        return self.op not in (Op.SAME, Op.READ)


class StepError(Exception):
    """A step cannot proceed (protect, check failures, a failed provider call); the deployment stops."""

    def __init__(self, urn: str, message: str) -> None:
        super().__init__(message)
        self.urn = urn


@dataclass
class EngineDiff:
    """A provider's diff after the engine's own processing (DIFF_UNKNOWN resolved, replaceOnChanges
    applied)."""

    changes: int
    changed_keys: list[str] = field(default_factory=list)
    replace_keys: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] = field(default_factory=dict)
    delete_before_replace: bool = False

    @property
    def replace(self) -> bool:
        return self.changes == DIFF_SOME and bool(self.replace_keys)


def resolve_diff(
    provider_diff: DiffResult, old_inputs: PropertyMap, new_inputs: PropertyMap, ignore_changes: list[str]
) -> EngineDiff:
    """`diffResource`: DIFF_UNKNOWN makes the engine diff old inputs against new inputs itself.

    Any input change counts (including `__provider`); ChangedKeys and a detailed input diff are filled in. A
    provider's explicit DIFF_SOME/DIFF_NONE is taken as given, with whatever keys it sent (the Python dynamic
    server sends none).
    """
    result = EngineDiff(
        changes=provider_diff.changes,
        changed_keys=list(provider_diff.changed_keys),
        replace_keys=list(provider_diff.replaces),
        detailed_diff=dict(provider_diff.detailed_diff),
        delete_before_replace=provider_diff.delete_before_replace,
    )
    if provider_diff.changes == DIFF_UNKNOWN:
        news = apply_ignore_changes(new_inputs, old_inputs, ignore_changes)
        changed, detailed = diff_inputs(old_inputs, news)
        if changed:
            result.changes = DIFF_SOME
            result.changed_keys = changed
            result.detailed_diff = detailed
        else:
            result.changes = DIFF_NONE
    return result


def apply_replace_on_changes(diff: EngineDiff, replace_on_changes: list[str]) -> EngineDiff:
    """`applyReplaceOnChanges`: a changed key under a replaceOnChanges path becomes a replace key.

    It only sees ChangedKeys/DetailedDiff, so it has no effect when a provider said DIFF_SOME without keys.
    """
    if diff.changes != DIFF_SOME or not replace_on_changes:
        return diff
    replace = list(diff.replace_keys)
    for key in diff.changed_keys:
        if any(_path_contains(p, key) for p in replace_on_changes) and key not in replace:
            replace.append(key)
    detailed = {
        path: (
            kind
            if kind.endswith("-replace") or not any(_path_contains(p, path) for p in replace_on_changes)
            else f"{kind}-replace"
        )
        for path, kind in diff.detailed_diff.items()
    }
    return EngineDiff(diff.changes, diff.changed_keys, replace, detailed, diff.delete_before_replace)


def _path_contains(pattern: str, path: str) -> bool:
    if pattern == "*":
        return True
    return path == pattern or path.startswith(pattern + ".") or path.startswith(pattern + "[")


def classify(diff: EngineDiff) -> Op:
    """Replacement needs DIFF_SOME and a non-empty replace list; DIFF_SOME alone is an update; else same."""
    if diff.changes == DIFF_SOME:
        return Op.REPLACE if diff.replace_keys else Op.UPDATE
    return Op.SAME


def delete_before_replace(diff: EngineDiff, option: bool | None) -> bool:
    """The provider's deleteBeforeReplace, overridden by the resource option when the program set one."""
    return diff.delete_before_replace if option is None else option


def check_replace_allowed(urn: str, old: ResourceState, new_protect: bool) -> None:
    """A resource protected both before and now cannot be replaced (unprotect-and-replace in one run is
    allowed)."""
    if old.protect and new_protect:
        raise StepError(
            urn,
            f'unable to replace resource "{urn}"\nas it is currently marked for protection. '
            "To unprotect the resource, remove the `protect` flag from the resource in your "
            "Pulumi program and run `pulumi up`",
        )


def check_delete_allowed(old: ResourceState, replacing: bool) -> None:
    """`DeleteStep.Apply`: protected resources are never deleted except as part of an allowed replacement."""
    if old.protect and not replacing:
        raise StepError(
            old.urn,
            f'resource "{old.urn}" cannot be deleted\nbecause it is protected. To unprotect the resource, '
            "either remove the `protect` flag from the resource in your Pulumi program and run "
            "`pulumi up`, or use the "
            f"command:\n`pulumi state unprotect '{old.urn}'`",
        )


def make_urn(stack: str, project: str, type_: str, name: str, parent_urn: str = "") -> str:
    """The engine's URN: the parent's qualified type is prefixed unless the parent is the root stack."""
    parent_type = ""
    if parent_urn:
        qualified = parent_urn.split("::")[2]
        if qualified != STACK_TYPE:
            parent_type = qualified + "$"
    return f"urn:pulumi:{stack}::{project}::{parent_type}{type_}::{name}"


def urn_type(urn: str) -> str:
    return urn.split("::")[2].rsplit("$", 1)[-1]


def urn_name(urn: str) -> str:
    return urn.split("::", 3)[3]


def deletes_after_program(
    olds: list[ResourceState], seen: set[str], aliased: set[str]
) -> list[ResourceState]:
    """`GenerateDeletes`: walking the old snapshot backwards, delete what is marked for deletion (replaced,
    create-before-delete) and what the program no longer registers; aliased-away URNs are not deleted."""
    result: list[ResourceState] = []
    for res in reversed(olds):
        if res.delete or (res.urn not in seen and res.urn not in aliased):
            result.append(res)
    return result


def transitive_dependents(resources: Iterable[ResourceState], root: str) -> list[ResourceState]:
    """Resources that depend on `root` directly or indirectly (dependencies, property deps or parent), in
    snapshot (dependency) order."""
    condemned = {root}
    result: list[ResourceState] = []
    for res in resources:
        if res.urn == root:
            continue
        deps = set(res.dependencies) | {u for us in res.property_dependencies.values() for u in us}
        if res.parent:
            deps.add(res.parent)
        if deps & condemned:
            condemned.add(res.urn)
            result.append(res)
    return result


def inputs_with_unknown_dependencies(
    res: ResourceState, condemned: set[str], unknown: str
) -> PropertyMap | None:
    """`calculateDependentReplacements`: the dependent's inputs with every property that depends on a
    condemned resource made unknown, or None when no input depends on one (it cannot be replaced by it)."""
    changed = False
    inputs = dict(res.inputs)
    for key, deps in res.property_dependencies.items():
        if key in inputs and condemned & set(deps):
            inputs[key] = unknown
            changed = True
    return inputs if changed else None
