"""Cross-script, method 1 (re-export): bind `host.bindings["REPORTS"]` in the client.

The host hosts the Workflow. Its `bindings["REPORTS"]` comes out with `script_name` set to the host's name and
values taken from the registered Workflow, so the client binds it cross-script and is deployed after the
workflow's registration. The client makes no Workflows API call of its own.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

reports = Workflow("reports", class_name="ReportWorkflow")

host = Worker("report-host", entrypoint="workers/host.mjs", bindings={"REPORTS": reports})
client = Worker(
    "report-client", entrypoint="workers/client.mjs", bindings={"REPORTS": host.bindings["REPORTS"]}
)

pulumi.export("host", host.name)
pulumi.export("client", client.name)
pulumi.export("workflow_name", reports.workflow_name)
