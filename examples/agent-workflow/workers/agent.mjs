// The Agent's script: ResearchAgent (a SQLite Durable Object, one per user) starts ResearchWorkflow (here) and
// EmailWorkflow (in the email-workflows script) and remembers each run in its own storage.
//   POST /agents/<user>/research {"topic": "...", "email"?: "..."} -> {run, research, email?}
//   GET  /agents/<user>/runs                                      -> the runs this Agent stored
import { DurableObject, WorkflowEntrypoint } from "cloudflare:workers";

export class ResearchAgent extends DurableObject {
  async research(user, topic, email) {
    const run = ((await this.ctx.storage.get("runs")) ?? 0) + 1;
    await this.ctx.storage.put("runs", run);
    const research = await this.env.RESEARCH.create({ id: `${user}-${run}`, params: { user, topic } });
    let sent = null;
    if (email) {
      sent = await this.env.EMAIL.create({
        id: `${user}-${run}-email`,
        params: { to: email, subject: `Research on ${topic}`, body: `Run ${run} started.` },
      });
    }
    const record = { run, topic, research: research.id, email: sent ? sent.id : null };
    await this.ctx.storage.put(`run:${run}`, record);
    return record;
  }

  async runs() {
    const count = (await this.ctx.storage.get("runs")) ?? 0;
    const out = [];
    for (let run = 1; run <= count; run++) out.push(await this.ctx.storage.get(`run:${run}`));
    return out;
  }
}

export class ResearchWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const { user, topic } = event.payload ?? {};
    const sources = await step.do("gather", async () => [`${topic} overview`, `${topic} in practice`]);
    const summary = await step.do("summarise", async () => `${sources.length} sources on ${topic} for ${user}`);
    return { topic, summary };
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/agents\/([^/]+)\/(research|runs)$/);
    if (!match) return new Response("agent: POST /agents/<user>/research, GET /agents/<user>/runs", { status: 404 });
    const [, user, action] = match;
    const agent = env.AGENT.get(env.AGENT.idFromName(user));
    if (action === "runs") return Response.json(await agent.runs());
    if (request.method !== "POST") return new Response("POST a JSON body", { status: 405 });
    const { topic, email } = await request.json();
    return Response.json(await agent.research(user, topic, email), { status: 202 });
  },
};
