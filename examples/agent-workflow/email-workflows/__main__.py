"""The `email-workflows` script: hosts EmailWorkflow for other projects to bind cross-script.

Deploy this before ../ (the Agent binds `email-workflow` with `script_name="email-workflows"`). Both names
are explicit, not derived, because another project names them; override them with
`pulumi config set emailScript` / `emailWorkflow` here and in ../.
"""

import pulumi
from pulumi_cloudflare_workflows import Worker, Workflow

config = pulumi.Config()
script = config.get("emailScript") or "email-workflows"

email = Workflow(
    "email", workflow_name=config.get("emailWorkflow") or "email-workflow", class_name="EmailWorkflow"
)
host = Worker("email-workflows", name=script, entrypoint="workers/email.mjs", bindings={"EMAIL": email})

pulumi.export("script_name", host.name)
pulumi.export("workflow_name", email.workflow_name)
