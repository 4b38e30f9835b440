"""Operations as the CLI runs them: a preview phase, then (with `--yes`) the apply phase.

`up`, `refresh` and `destroy` preview first unless `--skip-preview`, as pulumi does; a failed preview stops
the operation. `--expect-no-changes` fails the operation when its last phase changed (or would change)
anything.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pulumi_local.crypto import load_crypter
from pulumi_local.display import has_changes
from pulumi_local.engine import Context, Deployment, Transcript
from pulumi_local.project import load_config, load_project
from pulumi_local.state import StateStore
from pulumi_local.steps import StepEvent

EXIT_ERROR = 255
NO_CHANGES_EXPECTED = "no changes were expected but changes were proposed"

PHASE_TITLES = {
    ("update", True): "Previewing update",
    ("update", False): "Updating",
    ("refresh", True): "Previewing refresh",
    ("refresh", False): "Refreshing",
    ("destroy", True): "Previewing destroy",
    ("destroy", False): "Destroying",
}
KINDS = {"preview": "update", "up": "update", "refresh": "refresh", "destroy": "destroy"}


@dataclass
class Phase:
    kind: str
    dry_run: bool
    transcript: Transcript
    duration_ns: int = 0

    @property
    def title(self) -> str:
        return PHASE_TITLES[(self.kind, self.dry_run)]


@dataclass
class OperationOutcome:
    command: str
    phases: list[Phase] = field(default_factory=list)
    error: str = ""

    @property
    def exit_code(self) -> int:
        return EXIT_ERROR if self.error else 0

    @property
    def last(self) -> Phase:
        return self.phases[-1]

    @property
    def steps(self) -> list[StepEvent]:
        return self.last.transcript.steps if self.phases else []


def state_dir_for(project_root: Path, env: Mapping[str, str]) -> Path:
    configured = env.get("PULUMI_LOCAL_STATE_DIR")
    return Path(configured) if configured else project_root / ".pulumi-local"


def open_context(cwd: Path, stack: str, env: Mapping[str, str] | None = None) -> Context:
    full_env = dict(os.environ if env is None else env)
    project = load_project(cwd)
    state_dir = state_dir_for(project.root, full_env)
    crypter = load_crypter(state_dir, stack, full_env)
    config = load_config(project, stack, crypter)
    store = StateStore(state_dir, project.name, stack, crypter)
    return Context(project=project, stack=stack, config=config, store=store, env=full_env)


def run_operation(
    ctx: Context,
    command: str,
    *,
    skip_preview: bool = False,
    expect_no_changes: bool = False,
    on_phase: Callable[[Phase], Callable[[object], None] | None] | None = None,
    on_phase_end: Callable[[Phase], None] | None = None,
) -> OperationOutcome:
    """Runs `preview`, `up`, `refresh` or `destroy`; `on_phase` may return a live event callback per phase."""
    kind = KINDS[command]
    dry_runs = [True] if command == "preview" else ([False] if skip_preview else [True, False])
    outcome = OperationOutcome(command)
    for dry_run in dry_runs:
        phase = Phase(kind, dry_run, Transcript())
        if on_phase is not None:
            phase.transcript.on_event = on_phase(phase)
        started = time.monotonic_ns()
        Deployment(ctx, kind, dry_run, phase.transcript).run()
        phase.duration_ns = time.monotonic_ns() - started
        outcome.phases.append(phase)
        if phase.transcript.error:
            outcome.error = phase.transcript.error
        if on_phase_end is not None:
            on_phase_end(phase)
        if outcome.error:
            return outcome
    if expect_no_changes and has_changes(outcome.last.transcript.steps):
        outcome.error = NO_CHANGES_EXPECTED
    return outcome
