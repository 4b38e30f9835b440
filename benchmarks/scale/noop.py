"""A do-nothing dynamic provider: the reference the scale benchmark divides by.

It makes no API call and validates nothing, so a stack of these costs what the engine, the language host and
the Python dynamic-provider server cost per resource. Its class lives in an importable module (not the
program's ``__main__``), so dill pickles it by reference, as it does this project's providers: the two
stacks then differ only in what the providers do.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ResourceProvider

PROVIDER_KEY = "__provider"


class NoopProvider(ResourceProvider):
    """Echoes its inputs; differs only when an input differs."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [k for k in news if k != PROVIDER_KEY and olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed))

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(str(props.get("name") or props.get("workflow_name")), props)


class NoopWorker(pulumi.dynamic.Resource, module="noop", name="Worker"):
    name: pulumi.Output[str]

    def __init__(self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(NoopProvider(), resource_name, props, opts)


class NoopWorkflow(pulumi.dynamic.Resource, module="noop", name="Workflow"):
    workflow_name: pulumi.Output[str]
    script_name: pulumi.Output[str]

    def __init__(self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(NoopProvider(), resource_name, props, opts)
