// Both classes are exported, so instances started on the old class can finish after the rename.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class OrderWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const total = await step.do("total", async () => (event.payload?.items ?? []).length * 10);
    return { version: 1, total };
  }
}

export class OrderWorkflowV2 extends WorkflowEntrypoint {
  async run(event, step) {
    const total = await step.do("total", async () => (event.payload?.items ?? []).length * 10);
    const receipt = await step.do("receipt", async () => `total=${total}`);
    return { version: 2, total, receipt };
  }
}

export default {
  async fetch(request, env) {
    const instance = await env.ORDERS.create({ params: { items: ["a", "b"] } });
    return Response.json({ id: instance.id });
  },
};
