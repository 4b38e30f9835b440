"""The scale program: `count` Workflows, each hosted by its own Worker, every other one also bound
cross-script by a client Worker (2.5 resources per Workflow). Config `scale:count` and `scale:provider`
(`ours` or `noop`).

The noop variant builds the same graph with the same properties (every input and computed key of this
project's resources, the same scripts and binding bodies, the workflow depending on its host, the client on
the workflow's outputs) from :mod:`.noop`.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi
from pulumi_cloudflare_workflows_provider.plan import (
    DEFAULT_COMPATIBILITY_DATE,
    DEFAULT_MAIN_MODULE,
    WORKER,
    WORKFLOW,
    Kind,
)
from sample_scripts import CLIENT, HOST_V1

CLASS = "OrderWorkflow"


def ours(count: int) -> None:
    from pulumi_cloudflare_workflows import Worker, Workflow

    for i in range(count):
        workflow = Workflow(f"wf{i}", class_name=CLASS)
        host = Worker(f"host{i}", script=HOST_V1, bindings={"WF": workflow})
        if i % 2 == 0:
            Worker(f"client{i}", script=CLIENT, bindings={"WF": host.bindings["WF"]})


def noop(count: int) -> None:
    from benchmarks.scale.noop import NoopWorker, NoopWorkflow

    project, stack = pulumi.get_project(), pulumi.get_stack()
    account = os.environ["CLOUDFLARE_ACCOUNT_ID"]

    def every_property(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
        # Every property this project's resource of that kind carries (its inputs and computed outputs, from
        # plan.Kind, so a property added there is added here too), the unset ones None.
        return {**dict.fromkeys(kind.inputs + kind.computed), **values}

    def worker(name: str, script: str, bindings: dict[str, Any]) -> dict[str, Any]:
        return every_property(
            WORKER,
            {
                "account_id": account,
                "name": f"{project}-{stack}-{name}",
                "script": script,
                "main_module": DEFAULT_MAIN_MODULE,
                "compatibility_date": DEFAULT_COMPATIBILITY_DATE,
                "compatibility_flags": [],
                "bindings": bindings,
                "adopt": False,
                "owner_tag": f"pulumi-cfwf-owner-{name}",
                "derived_name": True,
                "import_id": None,
            },
        )

    for i in range(count):
        workflow_name = f"{project}-{stack}-wf{i}"
        cross = {"type": "workflow", "workflow_name": workflow_name, "class_name": CLASS}
        host = NoopWorker(f"host{i}", worker(f"host{i}", HOST_V1, {"WF": {**cross, "derived_name": True}}))
        workflow = NoopWorkflow(
            f"wf{i}",
            every_property(
                WORKFLOW,
                {
                    "account_id": account,
                    "workflow_name": workflow_name,
                    "class_name": CLASS,
                    "script_name": host.name,
                    "adopt": False,
                    "derived_name": True,
                },
            ),
            pulumi.ResourceOptions(depends_on=[host]),
        )
        if i % 2 == 0:
            bound = {**cross, "script_name": workflow.script_name}
            NoopWorker(f"client{i}", worker(f"client{i}", CLIENT, {"WF": bound}))


def main() -> None:
    config = pulumi.Config("scale")
    count = config.require_int("count")
    (noop if config.get("provider") == "noop" else ours)(count)
