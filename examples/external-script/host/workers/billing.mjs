// Exports the Workflow class. This script binds no workflow itself: the program in ../ registers the workflow.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class BillingWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const amount = await step.do("rate", async () => (event.payload?.units ?? 1) * 5);
    const charge = await step.do("charge", async () => ({ amount, status: "charged" }));
    return charge;
  }
}

export default {
  async fetch() {
    return new Response("billing host");
  },
};
