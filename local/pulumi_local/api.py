"""A Python API over pulumi-local for tests and the demo: `Stack(dir).preview() / .up() / .refresh() / ...`.

By default an operation runs in this process (the program and the provider still run in their own processes,
as under pulumi); `via_cli=True` runs the real `pulumi-local` console script instead and reads its `--json`
digest, so the CLI path is exercised end to end. Results carry the steps, the change summary, the exit code
and the printed text either way.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_local.cli import main as cli_main
from pulumi_local.display import DisplayOptions, HumanPrinter, change_summary, json_digest
from pulumi_local.operations import open_context, run_operation, state_dir_for
from pulumi_local.project import load_project
from pulumi_local.state import STACK_TYPE
from pulumi_local.steps import StepEvent
from pulumi_local.values import strip_secrets

CLI_TIMEOUT = 600.0


@dataclass
class StepRecord:
    """One step as a test sees it. `inputs`/`outputs` are the new state's (the old one's for a delete),
    secrets unwrapped; `detailed_diff` maps property paths to add/delete/update."""

    op: str
    urn: str
    type: str
    name: str
    id: str = ""
    diff_reasons: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    detailed_diff: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    logical: bool = True

    @classmethod
    def from_event(cls, event: StepEvent) -> StepRecord:
        state = event.new or event.old
        return cls(
            op=event.op.value,
            urn=event.urn,
            type=event.type,
            name=event.name,
            id=state.id if state else "",
            diff_reasons=list(event.diff_reasons),
            replace_reasons=list(event.replace_reasons),
            detailed_diff=dict(event.detailed_diff or {}),
            inputs=strip_secrets(state.inputs) if state else {},
            outputs=strip_secrets(state.outputs) if state else {},
            logical=event.logical,
        )

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> StepRecord:
        state = item.get("newState") or item.get("oldState") or {}
        urn = item["urn"]
        return cls(
            op=item["op"],
            urn=urn,
            type=urn.split("::")[2].rsplit("$", 1)[-1],
            name=urn.split("::", 3)[3],
            id=state.get("id", ""),
            diff_reasons=list(item.get("diffReasons") or []),
            replace_reasons=list(item.get("replaceReasons") or []),
            detailed_diff={k: v["kind"] for k, v in (item.get("detailedDiff") or {}).items()},
            inputs=state.get("inputs") or {},
            outputs=state.get("outputs") or {},
        )


@dataclass
class OperationResult:
    command: str
    exit_code: int
    stdout: str
    steps: list[StepRecord]
    summary: dict[str, int]
    error: str = ""
    digest: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def changes(self) -> list[StepRecord]:
        return [s for s in self.steps if s.op not in ("same", "read") and s.logical]

    def step(self, name: str, type_suffix: str = "") -> StepRecord:
        """The logical step for the resource named `name` (and whose type ends with `type_suffix`)."""
        matches = [s for s in self.steps if s.name == name and s.type.endswith(type_suffix) and s.logical]
        if len(matches) != 1:
            raise KeyError(
                f"{len(matches)} logical steps for {name!r}{type_suffix}: {[s.op for s in matches]}"
            )
        return matches[0]

    def ops(self) -> dict[str, str]:
        """Resource name -> op for every logical step (the root stack included)."""
        return {s.name: s.op for s in self.steps if s.logical}


class Stack:
    """One stack of one Pulumi project directory."""

    def __init__(
        self,
        cwd: str | Path,
        stack: str = "dev",
        env: Mapping[str, str] | None = None,
        via_cli: bool = False,
    ) -> None:
        self.cwd = Path(cwd).resolve()
        self.stack = stack
        self.env = {**os.environ, **(env or {})}
        self.via_cli = via_cli

    # --- operations -------------------------------------------------------------------------------------

    def preview(self, *, diff: bool = False, expect_no_changes: bool = False) -> OperationResult:
        return self._run("preview", diff=diff, expect_no_changes=expect_no_changes)

    def up(self, *, skip_preview: bool = False, expect_no_changes: bool = False) -> OperationResult:
        return self._run("up", skip_preview=skip_preview, expect_no_changes=expect_no_changes)

    def refresh(self, *, skip_preview: bool = False, expect_no_changes: bool = False) -> OperationResult:
        return self._run("refresh", skip_preview=skip_preview, expect_no_changes=expect_no_changes)

    def destroy(self, *, skip_preview: bool = False) -> OperationResult:
        return self._run("destroy", skip_preview=skip_preview)

    def _run(
        self, command: str, *, diff: bool = False, skip_preview: bool = False, expect_no_changes: bool = False
    ) -> OperationResult:
        if self.via_cli:
            return self._run_cli(
                command, diff=diff, skip_preview=skip_preview, expect_no_changes=expect_no_changes
            )
        # The CLI's own code path (open_context + run_operation), kept in-process for the structured steps.
        buffer = io.StringIO()
        ctx = open_context(self.cwd, self.stack, self.env)
        opts = DisplayOptions(show_diff=diff)

        def on_phase(phase: Any) -> Any:
            printer = HumanPrinter(buffer, opts, phase.dry_run)
            printer.header(f"{phase.title} ({self.stack}):")
            return printer.event

        def on_phase_end(phase: Any) -> None:
            t = phase.transcript
            HumanPrinter(buffer, opts, phase.dry_run).summary(t.steps, t.outputs, "")

        outcome = run_operation(
            ctx,
            command,
            skip_preview=skip_preview,
            expect_no_changes=expect_no_changes,
            on_phase=on_phase,
            on_phase_end=on_phase_end,
        )
        if outcome.error:
            buffer.write(f"error: {outcome.error}\n")
        last = outcome.last.transcript if outcome.phases else None
        steps = [StepRecord.from_event(e) for e in (last.steps if last else []) if not e.failed]
        digest = (
            json_digest(last.steps, last.diagnostics, DisplayOptions(), outcome.last.duration_ns)
            if last
            else None
        )
        return OperationResult(
            command=command,
            exit_code=outcome.exit_code,
            stdout=buffer.getvalue(),
            steps=[s for s in steps if s.type != "pulumi:providers:pulumi-python"],
            summary=change_summary(last.steps) if last else {},
            error=outcome.error,
            digest=digest,
        )

    def _run_cli(
        self, command: str, *, diff: bool, skip_preview: bool, expect_no_changes: bool
    ) -> OperationResult:
        argv = [
            *self._cli(),
            *self._global_args(),
            command,
            "--json",
            "--show-sames",
            "--show-replacement-steps",
        ]
        if command != "preview":
            argv += ["--yes"]
        argv += ["--skip-preview"] if skip_preview else []
        argv += ["--diff"] if diff else []
        argv += ["--expect-no-changes"] if expect_no_changes else []
        proc = subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
        )
        try:
            digest = json.loads(proc.stdout)
        except json.JSONDecodeError:
            digest = None
        records = [StepRecord.from_json(s) for s in (digest or {}).get("steps", [])]
        for record, item in zip(records, (digest or {}).get("steps", []), strict=True):
            record.logical = item["op"] not in ("create-replacement", "delete-replaced")
        error = proc.stderr.strip().splitlines()[-1].removeprefix("error: ") if proc.returncode else ""
        return OperationResult(
            command=command,
            exit_code=proc.returncode,
            stdout=proc.stdout + proc.stderr,
            steps=records,
            summary=(digest or {}).get("changeSummary", {}),
            error=error,
            digest=digest,
        )

    # --- state and config -------------------------------------------------------------------------------

    def export(self, show_secrets: bool = False) -> dict[str, Any]:
        """`stack export`, parsed."""
        argv = [*self._global_args(), "stack", "export"] + (["--show-secrets"] if show_secrets else [])
        return json.loads(self._cli_text(argv))

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        self._cli_text([*self._global_args(), "config", "set", key, value] + (["--secret"] if secret else []))

    def outputs(self) -> dict[str, Any]:
        """The root stack's outputs from state, secrets unwrapped."""
        ctx = open_context(self.cwd, self.stack, self.env)
        root = next((r for r in ctx.store.load() if r.type == STACK_TYPE), None)
        return strip_secrets(root.outputs) if root else {}

    @property
    def state_dir(self) -> Path:
        return state_dir_for(load_project(self.cwd).root, self.env)

    @property
    def state_file(self) -> Path:
        return self.state_dir / "stacks" / load_project(self.cwd).name / f"{self.stack}.json"

    def _global_args(self) -> list[str]:
        return ["--cwd", str(self.cwd), "--stack", self.stack]

    def _cli(self) -> list[str]:
        script = shutil.which("pulumi-local", path=str(Path(sys.executable).parent))
        return [script] if script else [sys.executable, "-m", "pulumi_local.cli"]

    def _cli_text(self, argv: list[str]) -> str:
        if self.via_cli:
            proc = subprocess.run(
                [*self._cli(), *argv],
                env=self.env,
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT,
                check=False,
            )
            if proc.returncode:
                raise RuntimeError(f"pulumi-local {' '.join(argv)} failed: {proc.stdout}{proc.stderr}")
            return proc.stdout
        buffer = io.StringIO()
        code = cli_main(argv, out=buffer, env=self.env)
        if code:
            raise RuntimeError(f"pulumi-local {' '.join(argv)} failed: {buffer.getvalue()}")
        return buffer.getvalue()
