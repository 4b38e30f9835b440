"""What pulumi-local prints: pulumi's progress lines and summary, `--diff` details, and `--json` digests.

The JSON digest follows `pulumi preview --json` (pkg/backend/display/json.go `previewDigest`): root stack
always shown, same steps only with `--show-sames`, the non-logical halves of a replacement
(`create-replacement`, `delete-replaced`) only with `--show-replacement-steps`, secrets shown as `[secret]`,
and `changeSummary` counting the logical steps by op. Default providers are not shown, as in pulumi's display.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, TextIO

from pulumi_local.engine import Diagnostic
from pulumi_local.state import PYTHON_PROVIDER_TYPE, STACK_TYPE, ResourceState
from pulumi_local.steps import Op, StepEvent
from pulumi_local.values import UNKNOWN, is_secret

SYMBOLS = {
    Op.CREATE: "+ ",
    Op.UPDATE: "~ ",
    Op.DELETE: "- ",
    Op.REPLACE: "+-",
    Op.CREATE_REPLACEMENT: "++",
    Op.DELETE_REPLACED: "--",
    Op.SAME: "  ",
    Op.READ: "> ",
    Op.REFRESH: "~ ",
}
PRESENT = {Op.CREATE: "create", Op.UPDATE: "update", Op.DELETE: "delete", Op.REPLACE: "replace"}
PAST = {Op.CREATE: "created", Op.UPDATE: "updated", Op.DELETE: "deleted", Op.REPLACE: "replaced"}


@dataclass(frozen=True)
class DisplayOptions:
    show_diff: bool = False
    show_sames: bool = False
    show_replacement_steps: bool = False


def visible(step: StepEvent, opts: DisplayOptions) -> bool:
    """`shouldShow` for the JSON and diff displays (the root stack is always shown by the caller)."""
    if step.type == PYTHON_PROVIDER_TYPE:
        return False
    if step.op == Op.SAME:
        return opts.show_sames or (
            step.old is not None and step.new is not None and step.old.protect != step.new.protect
        )
    return step.logical or opts.show_replacement_steps


def change_summary(steps: list[StepEvent]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for step in steps:
        if step.logical and step.type != PYTHON_PROVIDER_TYPE and not step.failed:
            counts[step.op.value] += 1
    return dict(counts)


def has_changes(steps: list[StepEvent]) -> bool:
    return any(s.is_change and s.logical and s.type != PYTHON_PROVIDER_TYPE for s in steps)


def render_value(value: Any) -> str:
    if is_secret(value):
        return "[secret]"
    if value == UNKNOWN:
        return "[unknown]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + '..."'


def _lookup(props: dict[str, Any], path: str) -> Any:
    current: Any = props
    for part in path.replace("[", ".[").split("."):
        if not part:
            continue
        if is_secret(current):
            return current
        if part.startswith("["):
            key: Any = part[1:-1].strip('"')
            if isinstance(current, list):
                key = int(key)
                current = current[key] if key < len(current) else None
                continue
        else:
            key = part
        current = current.get(key) if isinstance(current, dict) else None
    return current


class HumanPrinter:
    """Prints each step as it completes, then pulumi's `Resources:` summary."""

    def __init__(self, out: TextIO, opts: DisplayOptions, dry_run: bool) -> None:
        self.out = out
        self.opts = opts
        self.dry_run = dry_run

    def header(self, title: str) -> None:
        print(title, file=self.out)

    def event(self, item: StepEvent | Diagnostic) -> None:
        if isinstance(item, Diagnostic):
            prefix = "" if item.severity == "info" else f"    {item.severity}: "
            print(f"{prefix}{item.message}", file=self.out)
            return
        if item.failed or not (item.type == STACK_TYPE or visible(item, self.opts)):
            return
        word = (PRESENT if self.dry_run else PAST).get(item.op, item.op.value)
        line = f" {SYMBOLS.get(item.op, '  ')} {item.type} {item.name} {word}"
        reasons = item.replace_reasons or item.diff_reasons
        if reasons and item.op != Op.SAME:
            line += f" [diff: ~{','.join(reasons)}]"
        print(line, file=self.out)
        if self.opts.show_diff and item.detailed_diff:
            old = item.old.inputs if item.old else {}
            new = item.new.inputs if item.new else {}
            if (
                item.op in (Op.UPDATE, Op.DELETE)
                and item.new is not None
                and item.old is not None
                and not item.new.inputs
            ):
                new = item.new.outputs
            for path, kind in sorted(item.detailed_diff.items()):
                marker = {"add": "+", "delete": "-"}.get(kind.split("-")[0], "~")
                if marker == "+":
                    print(f"      + {path}: {render_value(_lookup(new, path))}", file=self.out)
                elif marker == "-":
                    print(f"      - {path}: {render_value(_lookup(old, path))}", file=self.out)
                else:
                    before, after = render_value(_lookup(old, path)), render_value(_lookup(new, path))
                    print(f"      ~ {path}: {before} => {after}", file=self.out)

    def summary(self, steps: list[StepEvent], outputs: dict[str, Any], error: str) -> None:
        counts = change_summary(steps)
        verbs = PRESENT if self.dry_run else PAST
        if outputs:
            print("Outputs:", file=self.out)
            for key in sorted(outputs):
                print(f"    {key}: {render_value(outputs[key])}", file=self.out)
        print("Resources:", file=self.out)
        for op in (Op.CREATE, Op.UPDATE, Op.REPLACE, Op.DELETE):
            if counts.get(op.value):
                verb = verbs[op]
                label = f"to {verb}" if self.dry_run else verb
                print(f"    {SYMBOLS[op].strip():<2}{counts[op.value]} {label}", file=self.out)
        if counts.get("same"):
            print(f"    {counts['same']} unchanged", file=self.out)
        if error:
            print(f"error: {error.splitlines()[0] if error else ''}", file=self.out)


def state_for_json(res: ResourceState | None) -> dict[str, Any] | None:
    """ResourceV3 with secrets blinded as `[secret]` (stateForJSONOutput + MassageSecrets)."""
    if res is None:
        return None
    data = res.to_json(None)
    for key in ("inputs", "outputs"):
        if key in data:
            data[key] = _blind(getattr(res, key))
    return data


def _blind(value: Any) -> Any:
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: _blind(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blind(v) for v in value]
    return value


def json_digest(
    steps: list[StepEvent],
    diagnostics: list[Diagnostic],
    opts: DisplayOptions,
    duration_ns: int,
    config: dict[str, str] | None = None,
) -> dict[str, Any]:
    digest: dict[str, Any] = {}
    if config:
        digest["config"] = config
    rendered = []
    for step in steps:
        if step.failed or not (step.type == STACK_TYPE or visible(step, opts)):
            continue
        item: dict[str, Any] = {"op": step.op.value, "urn": step.urn}
        if step.provider:
            item["provider"] = step.provider
        old, new = state_for_json(step.old), state_for_json(step.new)
        if old is not None:
            item["oldState"] = old
        if new is not None:
            item["newState"] = new
        if step.diff_reasons:
            item["diffReasons"] = list(step.diff_reasons)
        if step.replace_reasons:
            item["replaceReasons"] = list(step.replace_reasons)
        item["detailedDiff"] = (
            {path: {"kind": kind, "inputDiff": True} for path, kind in step.detailed_diff.items()}
            if step.detailed_diff
            else None
        )
        rendered.append(item)
    if rendered:
        digest["steps"] = rendered
    diags = [
        {k: v for k, v in {"urn": d.urn, "message": d.message + "\n", "severity": d.severity}.items() if v}
        for d in diagnostics
    ]
    if diags:
        digest["diagnostics"] = diags
    digest["duration"] = duration_ns
    summary = change_summary(steps)
    if summary:
        digest["changeSummary"] = summary
    return digest
