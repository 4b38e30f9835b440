// The client: binds the host's workflow cross-script and starts instances of it.
export default {
  async fetch(request, env) {
    const instance = await env.INVOICES.create({ params: { invoice: "inv-1" } });
    return Response.json({ id: instance.id, status: await instance.status() });
  },
};
