// The host Worker: runs OrderWorkflow (validate -> charge -> wait for the warehouse -> ship) and exports it
// for the binding.
import { WorkflowEntrypoint } from "cloudflare:workers";

export class OrderWorkflow extends WorkflowEntrypoint {
  async run(event, step) {
    const order = event.payload ?? {};
    const validated = await step.do("validate", async () => {
      const items = Array.isArray(order.items) ? order.items : [];
      if (items.length === 0) throw new Error("an order needs at least one item");
      return { id: order.id ?? crypto.randomUUID(), items };
    });
    const charge = await step.do("charge", { retries: { limit: 3, delay: "1 second", backoff: "exponential" } }, async () => ({
      amount: validated.items.length * 1000,
      currency: "usd",
    }));
    // A sleeping instance holds no resources; `wait` (e.g. "30 seconds") makes the pause visible.
    await step.sleep("wait for the warehouse", order.wait ?? "1 second");
    const shipment = await step.do("ship", async () => ({ carrier: "local", tracking: `trk-${validated.id}` }));
    // `workflow` names the class that ran the instance: after a class rename, new instances name the new one.
    return { order: validated.id, charged: charge.amount, tracking: shipment.tracking, workflow: this.constructor.name };
  }
}

export default {
  async fetch() {
    return new Response("order-processor: runs OrderWorkflow");
  },
};
