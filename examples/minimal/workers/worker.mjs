// A Worker that hosts one Workflow (MyWorkflow) and starts instances of it over HTTP.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class MyWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const greeting = await step.do("greet", async () => `hello, ${event.payload?.name ?? "world"}`);
    const length = await step.do("measure", async () => greeting.length);
    return { greeting, length };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const id = url.searchParams.get("id");
    if (id) {
      const instance = await env.MY_WORKFLOW.get(id);
      return Response.json({ id, status: await instance.status() });
    }
    const instance = await env.MY_WORKFLOW.create({ params: { name: url.searchParams.get("name") ?? "world" } });
    return Response.json({ id: instance.id, status: await instance.status() });
  },
};
