"""One stack of one Pulumi project directory, driven through the real CLI: `Stack(dir).preview() / .up() ...`.

Every operation runs `pulumi <command> --json` (so steps, diff reasons and the change summary come from the
engine's own digest) with `--show-sames --show-replacement-steps`; `text=True` runs it without `--json` and
returns what a person reads (the `--diff` text of a pull-request preview).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pulumi_offline.engine import engine_bin_dir, offline_env
from pulumi_offline.results import OperationResult

CLI_TIMEOUT = 600.0


class Stack:
    """A stack on a `file://` backend folder; created (selected) on construction."""

    def __init__(
        self,
        cwd: str | Path,
        stack: str = "dev",
        env: Mapping[str, str] | None = None,
        backend: str | Path | None = None,
    ) -> None:
        self.cwd = Path(cwd).resolve()
        self.stack = stack
        self.backend = Path(backend) if backend else self.cwd / ".pulumi-offline"
        self.env = offline_env(self.backend, {**os.environ, **(env or {})})
        self.run("stack", "select", "--create", stack, stack_arg=False)
        self.project = project_name(self.cwd)

    # --- operations -------------------------------------------------------------------------------------

    def preview(
        self,
        *,
        diff: bool = False,
        expect_no_changes: bool = False,
        text: bool = False,
        **options: Any,
    ) -> OperationResult:
        return self.operation("preview", diff=diff, expect_no_changes=expect_no_changes, text=text, **options)

    def up(
        self, *, skip_preview: bool = False, expect_no_changes: bool = False, **options: Any
    ) -> OperationResult:
        return self.operation("up", skip_preview=skip_preview, expect_no_changes=expect_no_changes, **options)

    def refresh(
        self, *, skip_preview: bool = False, expect_no_changes: bool = False, **options: Any
    ) -> OperationResult:
        return self.operation(
            "refresh", skip_preview=skip_preview, expect_no_changes=expect_no_changes, **options
        )

    def destroy(self, *, skip_preview: bool = False, **options: Any) -> OperationResult:
        return self.operation("destroy", skip_preview=skip_preview, **options)

    def operation(
        self,
        command: str,
        *,
        diff: bool = False,
        skip_preview: bool = False,
        expect_no_changes: bool = False,
        text: bool = False,
        targets: Iterable[str] = (),
        replace: Iterable[str] = (),
        refresh: bool = False,
        parallel: int | None = None,
        extra: Iterable[str] = (),
    ) -> OperationResult:
        """`pulumi <command>` with pulumi's own flags; `targets`/`replace` take URNs."""
        argv = [command]
        if not text:
            argv += ["--json"]
        argv += ["--show-sames", "--show-replacement-steps"]
        if command != "preview":
            argv += ["--yes"]
        argv += ["--skip-preview"] if skip_preview else []
        argv += ["--diff"] if diff else []
        argv += ["--expect-no-changes"] if expect_no_changes else []
        argv += ["--refresh"] if refresh else []
        argv += [f"--target={urn}" for urn in targets]
        argv += [f"--replace={urn}" for urn in replace]
        argv += [f"--parallel={parallel}"] if parallel is not None else []
        argv += list(extra)
        proc = self.run(*argv, check=False)
        if text:
            error = proc.stderr.strip() if proc.returncode else ""
            return OperationResult(command, proc.returncode, proc.stdout + proc.stderr, [], {}, error)
        return OperationResult.from_json_output(command, proc.returncode, proc.stdout, proc.stderr)

    # --- state and config -------------------------------------------------------------------------------

    def export(self, show_secrets: bool = False) -> dict[str, Any]:
        """`pulumi stack export`, parsed."""
        proc = self.run("stack", "export", *(["--show-secrets"] if show_secrets else []))
        return json.loads(proc.stdout)

    def import_state(self, deployment: Mapping[str, Any]) -> None:
        """`pulumi stack import` of an exported deployment."""
        path = self.backend / f"import-{self.stack}.json"
        path.write_text(json.dumps(deployment))
        self.run("stack", "import", "--file", str(path))

    def config_set(self, key: str, value: str, secret: bool = False) -> None:
        self.run("config", "set", key, value, "--secret" if secret else "--plaintext")

    def outputs(self) -> dict[str, Any]:
        """The root stack's outputs, secrets shown."""
        return json.loads(self.run("stack", "output", "--json", "--show-secrets").stdout)

    def urn(self, type_token: str, name: str) -> str:
        """The URN of a top-level resource of this stack (for `targets=` and `replace=`)."""
        return f"urn:pulumi:{self.stack}::{self.project}::{type_token}::{name}"

    # --- the CLI ----------------------------------------------------------------------------------------

    def argv(self, *args: str, stack: bool = True) -> list[str]:
        """The command line of `pulumi ARGS` on this stack (for a caller that runs it itself); `stack=False`
        leaves out `--stack` (for `stack select --create`, which names it itself)."""
        selected = ["--stack", self.stack] if stack else []
        return [
            str(engine_bin_dir() / "pulumi"),
            "--cwd",
            str(self.cwd),
            "--non-interactive",
            *args,
            *selected,
        ]

    def run(self, *args: str, check: bool = True, stack_arg: bool = True) -> subprocess.CompletedProcess[str]:
        """`pulumi --cwd DIR --non-interactive ARGS --stack NAME`; `check` raises with its output."""
        argv = self.argv(*args, stack=stack_arg)
        proc = subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=CLI_TIMEOUT, check=False
        )
        if check and proc.returncode:
            raise RuntimeError(
                f"pulumi {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}"
            )
        return proc


def project_name(cwd: Path) -> str:
    """The `name:` of the project's Pulumi.yaml (read without a YAML parser: it is a top-level scalar)."""
    for line in (cwd / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise ValueError(f"{cwd / 'Pulumi.yaml'} has no name")
