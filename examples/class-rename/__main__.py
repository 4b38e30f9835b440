"""Class rename: the Workflow's class comes from config, so one program shows both states.

    pulumi up                                              # class OrderWorkflow
    pulumi config set workflowClass OrderWorkflowV2
    pulumi preview --diff                                  # ~ update: class_name (not a replace)
    pulumi up                                              # uploads the script, then PUT /workflows/{name}

The workflow's name comes from its stable identifier ("orders") and the stack, never from the class, so the
rename is an in-place update: the same Cloudflare workflow (same id, same instance history) now runs the new
class.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

config = pulumi.Config()
workflow_class = config.get("workflowClass") or "OrderWorkflow"

orders = Workflow("orders", class_name=workflow_class)
worker = Worker("orders-host", entrypoint="workers/worker.mjs", bindings={"ORDERS": orders})

pulumi.export("workflow_name", orders.workflow_name)
pulumi.export("class_name", orders.class_name)
pulumi.export("workflow_id", orders.workflow_id)
