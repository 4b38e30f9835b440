// The host: exports the Workflow class; the Workflow names this script in its script_name.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class InvoiceWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const invoice = await step.do("load", async () => ({ id: event.payload?.invoice ?? "inv-0", amount: 42 }));
    await step.do("send", async () => `sent ${invoice.id}`);
    return invoice;
  }
}

export default {
  async fetch() {
    return new Response("invoice host");
  },
};
