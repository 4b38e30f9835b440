"""Cross-script, method 2 (`script_name`): one Workflow bound by its host and by a client.

`script_name` names the host script, so the host (whose name matches) hosts and registers the workflow, and
the client gets a cross-script binding. The client is declared first on purpose: its binding's values are
outputs of the registered workflow, so it still deploys after the workflow's registration.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

# A plain str (hosting is decided while the program runs), scoped by stack so stacks never collide.
host_name = f"cfwf-invoice-host-{pulumi.get_stack()}".lower()[:63]

invoices = Workflow("invoices", class_name="InvoiceWorkflow", script_name=host_name)

client = Worker("invoice-client", entrypoint="workers/client.mjs", bindings={"INVOICES": invoices})
host = Worker("invoice-host", name=host_name, entrypoint="workers/host.mjs", bindings={"INVOICES": invoices})

pulumi.export("host", host.name)
pulumi.export("client", client.name)
pulumi.export("workflow_name", invoices.workflow_name)
