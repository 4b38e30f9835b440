// Binds the externally hosted workflow (cross-script) and starts instances of it.
export default {
  async fetch(request, env) {
    const instance = await env.BILLING.create({ params: { units: 3 } });
    return Response.json({ id: instance.id, status: await instance.status() });
  },
};
