// The host: exports the Workflow class and runs it.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class ReportWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const rows = await step.do("collect", async () => [1, 2, 3]);
    const sum = await step.do("sum", async () => rows.reduce((a, b) => a + b, 0));
    return { report: event.payload?.report ?? "daily", sum };
  }
}

export default {
  async fetch() {
    return new Response("report host");
  },
};
