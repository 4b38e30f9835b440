"""An Agent that triggers Workflows: one in its own script, one in another project's script.

- `ResearchAgent` is a Durable Object class (SQLite-backed), one instance per user; it keeps each user's
  runs in its own storage. The Worker that exports it hosts it, so Pulumi adds its migration
  (`new_sqlite_classes`) to the upload that first creates it, and a `renamed_classes` one when the class
  is renamed later (the stored runs are kept).
- `ResearchWorkflow` lives in the same script (hosted here).
- `EmailWorkflow` lives in the `email-workflows` script, deployed by ./email-workflows: it is bound
  cross-script with `script_name`, without registering anything (that project owns it).

    cd email-workflows && pulumi up      # deploys email-workflows and its email-workflow
    cd .. && pulumi up                   # deploys the Agent's script, registers research

Then `POST /agents/<user>/research {"topic": ..., "email": ...}` on the agent Worker starts a research run
and, when an email is given, an email; `GET /agents/<user>/runs` lists the user's runs from the Agent's
storage.
"""

import pulumi
from pulumi_cloudflare_workflows import DurableObject, Worker, Workflow, WorkflowBinding

config = pulumi.Config()

agent = DurableObject("research-agent", class_name=config.get("agentClass") or "ResearchAgent")
research = Workflow("research", class_name="ResearchWorkflow")
email = WorkflowBinding(
    workflow_name=config.get("emailWorkflow") or "email-workflow",
    class_name="EmailWorkflow",
    script_name=config.get("emailScript") or "email-workflows",
)

worker = Worker(
    "agent",
    entrypoint="workers/agent.mjs",
    bindings={"AGENT": agent, "RESEARCH": research, "EMAIL": email},
)

pulumi.export("agent_script", worker.name)
pulumi.export("research_workflow", research.workflow_name)
