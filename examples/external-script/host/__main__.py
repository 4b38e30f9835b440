"""The external host: a Worker script that exports BillingWorkflow and is deployed on its own.

Deploy this first (`pulumi up` here, with the same stack name as ../, or `wrangler deploy` of an equivalent
script): the Workflows API only accepts a workflow whose class is exported by an already deployed script.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker

# The name ../ points its Workflow at (override with `pulumi config set hostScript <name>` in both programs).
host_script = pulumi.Config().get("hostScript") or f"cfwf-billing-host-{pulumi.get_stack()}".lower()[:63]

host = Worker("billing-host", name=host_script, entrypoint="workers/billing.mjs")

pulumi.export("script_name", host.name)
