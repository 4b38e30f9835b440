// The api Worker: binds a KV namespace, an R2 bucket, a D1 database, a queue and a Worker made with
// pulumi-cloudflare, and hosts the IngestWorkflow, which stores an upload in R2, records it in D1, caches its
// size in KV and announces it on the queue, one durable step each.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class IngestWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const { key, body } = event.payload;
    const size = await step.do("store", async () => {
      const object = await this.env.UPLOADS.put(key, body);
      return object.size;
    });
    await step.do("record", async () => {
      await this.env.DB.prepare("CREATE TABLE IF NOT EXISTS uploads (key TEXT PRIMARY KEY, size INTEGER)").run();
      await this.env.DB.prepare("INSERT OR REPLACE INTO uploads (key, size) VALUES (?, ?)").bind(key, size).run();
    });
    await step.do("cache", async () => this.env.CACHE.put(`size:${key}`, String(size)));
    await step.do("announce", async () => this.env.JOBS.send({ key, size }));
    return { key, size };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "PUT") {
      const key = url.pathname.slice(1) || "upload";
      const instance = await env.INGEST.create({ params: { key, body: await request.text() } });
      return Response.json({ id: instance.id, status: await instance.status() });
    }
    const id = url.searchParams.get("id");
    if (id) {
      const instance = await env.INGEST.get(id);
      return Response.json({ id, status: await instance.status() });
    }
    return env.GREETER.fetch(request);
  },
};
