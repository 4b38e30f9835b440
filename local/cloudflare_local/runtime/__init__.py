"""cloudflare-local's runtime (`serve --runtime`, the default): every deployed script runs in workerd.

A Node sidecar (local/node/sidecar/sidecar.mjs) hosts Miniflare 4 with every account's scripts as Workers
and every registered workflow bound as Cloudflare binds it; the model re-applies that configuration on each
write that changes it, and the instance endpoints are answered from it. One concern per module:

- `runtime.py`: `Runtime`, kept in step with the model (the hook), reviving instances after restarts;
- `options.py`: the pure mapping from an account's stored scripts and workflows to Miniflare options;
- `names.py`: the names accounts' objects have inside the one workerd;
- `sidecar.py`: the sidecar process and its control protocol;
- `explorer.py`: Miniflare's explorer API, where instances are read and driven;
- `shapes.py`: explorer shapes -> Cloudflare's instance records (pure);
- `instances.py`: the instance endpoints' service over the runtime;
- `revive.py`: in-flight instances set going again after workerd restarts;
- `workers.py`: `/__workers/<script>/<path>`, a deployed script's fetch handler.

Importing this package imports nothing else: `server.py` imports `runtime.runtime` only when the runtime is
on, and `http.py` only what `/__workers/` needs.
"""
