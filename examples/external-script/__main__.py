"""A Workflow defined in another script: `script_name` names a Worker deployed outside this program.

No Worker here hosts the Workflow, so it is registered on its own (PUT /workflows/{name} with the literal
script_name) once the program body has run; the client Worker binds it cross-script and is deployed after that
registration. Deploy ./host first (see README.md).
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

host_script = pulumi.Config().get("hostScript") or f"cfwf-billing-host-{pulumi.get_stack()}".lower()[:63]

billing = Workflow("billing", class_name="BillingWorkflow", script_name=host_script)

client = Worker("billing-client", entrypoint="workers/client.mjs", bindings={"BILLING": billing})

pulumi.export("workflow_name", billing.workflow_name)
pulumi.export("workflow_id", billing.workflow_id)
pulumi.export("client", client.name)
