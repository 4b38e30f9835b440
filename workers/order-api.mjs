// The API Worker: binds OrderWorkflow cross-script (it lives in the order-processor script).
//   POST /orders {"items": [...]}  -> starts an order workflow instance
//   GET  /orders/<id>              -> the instance's status (and its output once complete)
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/orders\/([^/]+)$/);
    if (request.method === "POST" && url.pathname === "/orders") {
      const order = await request.json();
      const instance = await env.ORDERS.create({ params: order });
      const { status } = await instance.status();
      return Response.json({ id: instance.id, status }, { status: 202 });
    }
    if (request.method === "GET" && match) {
      const instance = await env.ORDERS.get(match[1]);
      const { status, output, error } = await instance.status();
      return Response.json({ id: match[1], status, output: output ?? null, error: error ?? null });
    }
    return new Response(`order-api (${env.STORE_NAME}): POST /orders, GET /orders/<id>`, { status: 404 });
  },
};
