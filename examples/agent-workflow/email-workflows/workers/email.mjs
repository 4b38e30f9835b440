// The email-workflows script: EmailWorkflow renders a message and "sends" it (no real mail leaves).
import { WorkflowEntrypoint } from "cloudflare:workers";

export class EmailWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const { to, subject, body } = event.payload ?? {};
    const message = await step.do("render", async () => {
      if (!to) throw new Error("an email needs a recipient");
      return { to, subject: subject ?? "(no subject)", text: `${body ?? ""}\n-- sent by email-workflows` };
    });
    const receipt = await step.do("send", async () => ({ accepted: [message.to], id: `msg-${event.instanceId}` }));
    return { sent: receipt.id, to: message.to };
  }
}

export default {
  async fetch() {
    return new Response("email-workflows: runs EmailWorkflow");
  },
};
