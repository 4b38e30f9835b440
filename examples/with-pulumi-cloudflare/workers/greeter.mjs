// A plain Worker deployed by pulumi-cloudflare (cloudflare.WorkersScript); the api Worker calls it through a
// service binding (env.GREETER).
export default {
  async fetch(request) {
    const name = new URL(request.url).searchParams.get("name") ?? "world";
    return new Response(`hello, ${name}`);
  },
};
