"""The Worker scripts (ES modules) the tests and benchmarks deploy to cloudflare-local, or hand to the
providers and the SDK offline: one copy of each, so that `HOST_V1` in a provider test and in a benchmark is
one source.

A test whose script differs on purpose (another class name, a wrangler project, a fetch handler that uses its
binding) keeps its own next to the test.
"""

from __future__ import annotations

__all__ = ["CLIENT", "HOST_V1", "HOST_V2", "MINIMAL_HOST"]

# A host: exports the Workflow class `OrderWorkflow` (one step) and a fetch handler answering "v1".
HOST_V1 = """import { WorkflowEntrypoint } from "cloudflare:workers";
export class OrderWorkflow extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("one", async () => 1); }
}
export default { async fetch() { return new Response("v1"); } };
"""

# Its next version: `OrderWorkflow` kept, `OrderWorkflowV2` added (the target of a class rename), "v2".
HOST_V2 = """import { WorkflowEntrypoint } from "cloudflare:workers";
export class OrderWorkflow extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("one", async () => 1); }
}
export class OrderWorkflowV2 extends WorkflowEntrypoint {
  async run(event, step) { return await step.do("two", async () => 2); }
}
export default { async fetch() { return new Response("v2"); } };
"""

# A Worker that hosts no Workflow: a fetch handler only.
CLIENT = 'export default { async fetch(req, env) { return new Response("client"); } };\n'

# The least a host can be: the class `A` and nothing else (no fetch handler), for the offline checks.
MINIMAL_HOST = (
    'import { WorkflowEntrypoint } from "cloudflare:workers";\nexport class A extends WorkflowEntrypoint {}\n'
)
