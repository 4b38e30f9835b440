"""Run Pulumi programs under `pulumi.runtime.set_mocks` and record what they register, with dependencies.

`RecordingMonitor` wraps the SDK's MockMonitor to keep every RegisterResource request (type, name, inputs,
dependency URNs) in arrival order. `run_program` runs a program either through `run_in_stack` (the path the
real language host takes: the Stack is created, the body runs, the Stack's outputs are registered, then
outstanding work drains) or through `@pulumi.runtime.test` (the usual unit-test path).

The mocks never run the providers: the registered inputs are what the program computed, and assertions are
about those and about ordering (dependencies), never about values the mock itself invented.
"""

from __future__ import annotations

import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

WORKER_TYPE = "pulumi-python:dynamic/cloudflare:Worker"
WORKFLOW_TYPE = "pulumi-python:dynamic/cloudflare:Workflow"


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)


class EchoMocks(pulumi.runtime.Mocks):
    """Outputs = inputs, id = the physical name (what the real providers do, minus computed keys)."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outs = dict(args.inputs)
        return str(outs.get("name") or outs.get("workflow_name") or args.name), outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            pulumi_mocks._ensure_event_loop()
            inputs = rpc.deserialize_properties(request.object)
            self.registrations.append(
                Registration(request.type, request.name, response.urn, inputs, list(request.dependencies))
            )
        return response

    def by_name(self, name: str) -> Registration:
        (match,) = [r for r in self.registrations if r.name == name]
        return match

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]


def install(
    project: str = "proj",
    stack: str = "dev",
    config: dict[str, str] | None = None,
    preview: bool = False,
    mocks: pulumi.runtime.Mocks | None = None,
) -> RecordingMonitor:
    """Installs `mocks` (by default `EchoMocks`) and the stack config; returns the monitor that records."""
    mocks = mocks or EchoMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config or {}))
    return monitor


def run_program(body: Callable[[], Any], *, real_runtime: bool = True) -> None:
    """Run `body` as a program (see module docstring) and wait for everything it registered."""
    if real_runtime:
        settings.set_root_resource(None)  # type: ignore[arg-type]
        _sync_await(run_in_stack(body))
        return

    @pulumi.runtime.test
    def as_test() -> Any:
        body()
        return None

    as_test()


def run_example(path: Path, **install_kwargs: Any) -> RecordingMonitor:
    monitor = install(**install_kwargs)
    run_program(lambda: runpy.run_path(str(path / "__main__.py"), run_name="__main__"))
    return monitor


def project_name(path: Path) -> str:
    for line in (path / "Pulumi.yaml").read_text().splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no name in {path / 'Pulumi.yaml'}")
