// BriefAnalysisWorkflow: three analyses of a brief run as parallel steps, a pause, then a verdict.
// The instance id is derived from the brief's id, so posting the same brief twice finds the same run.
import { WorkflowEntrypoint } from "cloudflare:workers";
import { clarity, effortDays, keywords } from "./analysis";
import type { Analysis, Brief, Step } from "./types";

interface Env {
  BRIEF_ANALYSIS: {
    create(options: { id: string; params: Brief }): Promise<{ id: string }>;
    get(id: string): Promise<{ id: string; status(): Promise<unknown> }>;
  };
}

export class BriefAnalysisWorkflow extends WorkflowEntrypoint<Env, Brief> {
  async run(event: { payload: Brief }, step: Step): Promise<Analysis> {
    const brief = event.payload;
    const [score, words, days] = await Promise.all([
      step.do("clarity", async () => clarity(brief)),
      step.do("keywords", async () => keywords(brief)),
      step.do("effort", async () => effortDays(brief)),
    ]);
    await step.sleep("let it settle", "1 second");
    return await step.do("verdict", async () => ({
      brief: brief.id,
      clarity: score,
      keywords: words,
      effortDays: days,
      verdict: score >= 60 ? "ready" : "needs-work",
    }));
  }
}

function instanceId(briefId: string): string {
  return `brief-${briefId.toLowerCase().replace(/[^a-z0-9_-]/g, "-")}`.slice(0, 100);
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/briefs\/([^/]+)$/);
    if (request.method === "POST" && url.pathname === "/briefs") {
      const brief = (await request.json()) as Brief;
      const id = instanceId(brief.id);
      try {
        const existing = await env.BRIEF_ANALYSIS.get(id);
        return Response.json({ id, status: await existing.status(), existing: true });
      } catch {
        const created = await env.BRIEF_ANALYSIS.create({ id, params: brief });
        return Response.json({ id: created.id, existing: false }, { status: 202 });
      }
    }
    if (request.method === "GET" && match) {
      const instance = await env.BRIEF_ANALYSIS.get(instanceId(match[1]));
      return Response.json({ id: instance.id, status: await instance.status() });
    }
    return new Response("briefs: POST /briefs, GET /briefs/<id>", { status: 404 });
  },
};
