"""Minimal: one Workflow bound to one Worker, which hosts it.

The Worker registers first (script upload), then the Workflow (PUT /workflows/{name}) with the Worker's name
as its script_name. Names default to `{project}-{stack}-{resource name}`, so two stacks never collide.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

# The stable identifier "MyWorkflow" is also the (valid JavaScript) class name.
workflow = Workflow("MyWorkflow")

worker = Worker("my-worker", entrypoint="workers/worker.mjs", bindings={"MY_WORKFLOW": workflow})

pulumi.export("script_name", worker.name)
pulumi.export("workflow_name", workflow.workflow_name)
pulumi.export("workflow_id", workflow.workflow_id)
