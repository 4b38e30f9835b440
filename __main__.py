"""Quickstart: the order-processing app.

- `order-processor` (host) exports OrderWorkflow and hosts the `orders` Workflow: Pulumi uploads the script,
  then registers the workflow (PUT /workflows/{name}) with the host's name as its script_name.
- `order-api` (client) binds the host's re-exported binding, so it gets a cross-script binding
  {workflow_name, class_name, script_name: <host>} and deploys after the workflow's registration.

Account, token and API base come from stack config (cloudflare-workflows:accountId, cloudflare:apiToken,
cloudflare:baseUrl) or the environment (CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_API_TOKEN,
CLOUDFLARE_API_BASE_URL).
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

orders = Workflow("orders", class_name="OrderWorkflow", limits={"steps": 50})

processor = Worker("order-processor", entrypoint="workers/order-processor.mjs", bindings={"ORDERS": orders})

api = Worker(
    "order-api",
    entrypoint="workers/order-api.mjs",
    bindings={
        "ORDERS": processor.bindings["ORDERS"],
        "STORE_NAME": pulumi.Config().get("storeName") or "demo store",
    },
)

pulumi.export("processor", processor.name)
pulumi.export("api", api.name)
pulumi.export("workflow_name", orders.workflow_name)
pulumi.export("workflow_id", orders.workflow_id)
