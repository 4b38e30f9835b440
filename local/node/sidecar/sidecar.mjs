// cloudflare-local's runtime: one Miniflare (one workerd process) running every deployed script of every
// account. The Python server starts it (cloudflare_local/runtime/sidecar.py), decides what it runs and stops
// it; this file only hosts Miniflare.
//
// Control: one JSON request per line on stdin, one JSON reply per line on stdout, prefixed with "@@cfl " (any
// other stdout line is not ours). stdin closing means the server is gone: everything stops.
//   {"id", "op": "apply", "workers": [...]}  -> {"id", "ok", "seconds", "error"?, "log"?, "restored"?}
//   {"id", "op": "forget", "workflows": [...]} -> {"id", "ok"}   (storage of deleted workflows)
// Traffic: an HTTP proxy on 127.0.0.1 whose requests go through mf.dispatchFetch, which waits while a
// configuration is being applied, so callers never meet workerd in the middle of its restart.

import { rm } from "node:fs/promises";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

import { Miniflare } from "miniflare";

const PREFIX = "@@cfl ";
const HERE = path.dirname(fileURLToPath(import.meta.url));
const LOG_KEPT = 400; // workerd's recent stderr lines: what explains a configuration it refused
// Set by the caller to say which URL the Worker sees (its own request URL, not the proxy's).
const URL_HEADER = "x-cloudflare-local-url";
const HOP_BY_HOP = new Set([
  "connection",
  "content-length",
  "host",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  URL_HEADER,
]);

const data = argument("--data");
// workerd tied to this process by the kernel (workerd.sh), so even a SIGKILLed sidecar leaves none behind.
process.env.CLOUDFLARE_LOCAL_WORKERD = createRequire(import.meta.url)("workerd").default;
process.env.MINIFLARE_WORKERD_PATH = path.join(HERE, "workerd.sh");

let mf = null;
let running = null; // the workers of the last configuration workerd started with
const recent = [];
let lineCount = 0;
const entryPort = await freePort();

function argument(name) {
  const index = process.argv.indexOf(name);
  if (index < 0 || index + 1 >= process.argv.length) {
    process.stderr.write(`sidecar: ${name} is required\n`);
    process.exit(2);
  }
  return process.argv[index + 1];
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function reply(message) {
  process.stdout.write(PREFIX + JSON.stringify(message) + "\n");
}

// workerd's stdout (the Workers' console.log) and stderr go to our stderr, which the server logs; stderr is
// also kept, numbered, so a failed start can say why.
function captureStdio(stdout, stderr) {
  readline.createInterface({ input: stdout }).on("line", (line) => process.stderr.write(`[workerd] ${line}\n`));
  readline.createInterface({ input: stderr }).on("line", (line) => {
    lineCount += 1;
    recent.push([lineCount, line]);
    if (recent.length > LOG_KEPT) recent.shift();
    process.stderr.write(`[workerd] ${line}\n`);
  });
}

function linesAfter(mark) {
  return recent
    .filter(([n]) => n > mark)
    .map(([, line]) => line)
    .join("\n");
}

// A Worker may fetch loopback addresses only: the local account never reaches the network.
async function loopbackOnly(request) {
  const { hostname } = new URL(request.url);
  if (["127.0.0.1", "localhost", "[::1]"].includes(hostname)) return fetch(request);
  return new Response(`cloudflare-local: outbound fetch to ${hostname} refused (loopback only)`, { status: 502 });
}

function workerOptions(spec) {
  const { modules, script_b64: script, ...rest } = spec;
  const out = { ...rest, outboundService: loopbackOnly };
  if (modules !== undefined) {
    out.modules = modules.map((m) => ({ type: m.type, path: m.path, contents: Buffer.from(m.contents_b64, "base64") }));
  }
  if (script !== undefined) out.script = Buffer.from(script, "base64").toString("utf8");
  return out;
}

function options(workers) {
  return {
    host: "127.0.0.1",
    port: entryPort,
    unsafeLocalExplorer: true,
    workflowsPersist: path.join(data, "workflows"),
    durableObjectsPersist: path.join(data, "durable-objects"),
    handleRuntimeStdio: captureStdio,
    workers: workers.map(workerOptions),
  };
}

async function start(workers) {
  if (mf === null) {
    const created = new Miniflare(options(workers));
    try {
      await created.ready;
    } catch (error) {
      await created.dispose().catch(() => {});
      throw error;
    }
    mf = created;
  } else {
    await mf.setOptions(options(workers));
  }
  running = workers;
}

// A configuration workerd refuses takes the whole runtime down (every Worker of every account), so the
// previous one is started again before answering: the account keeps serving what it served.
async function apply(workers) {
  const began = performance.now();
  const mark = lineCount;
  try {
    await start(workers);
    return { ok: true, seconds: (performance.now() - began) / 1000 };
  } catch (error) {
    const failure = {
      ok: false,
      error: String(error?.message ?? error),
      log: linesAfter(mark),
      restored: false,
    };
    if (running !== null) {
      try {
        await start(running);
        failure.restored = true;
      } catch (again) {
        failure.restore_error = String(again?.message ?? again);
      }
    }
    return { ...failure, seconds: (performance.now() - began) / 1000 };
  }
}

// Miniflare keeps a workflow's instances under workflowsPersist/miniflare-workflows-<name>; a deleted
// workflow's go with it (only once no configuration names it any more).
async function forget(names) {
  for (const name of names) {
    if (name.includes("/") || name === "." || name === "..") throw new Error(`not a workflow name: ${name}`);
    await rm(path.join(data, "workflows", `miniflare-workflows-${name}`), { recursive: true, force: true });
  }
  return { ok: true };
}

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    process.stderr.write(`sidecar: not a JSON request: ${line.slice(0, 200)}\n`);
    return;
  }
  try {
    if (request.op === "apply") reply({ id: request.id, ...(await apply(request.workers)) });
    else if (request.op === "forget") reply({ id: request.id, ...(await forget(request.workflows)) });
    else reply({ id: request.id, ok: false, error: `unknown op ${request.op}` });
  } catch (error) {
    reply({ id: request.id, ok: false, error: String(error?.message ?? error) });
  }
}

async function proxied(req, res) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (!HOP_BY_HOP.has(key)) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  const url = req.headers[URL_HEADER] ?? `http://localhost${req.url}`;
  const hasBody = !["GET", "HEAD"].includes(req.method);
  try {
    if (mf === null) throw new Error("no configuration is running");
    const response = await mf.dispatchFetch(url, {
      method: req.method,
      headers,
      body: hasBody ? Buffer.concat(chunks) : undefined,
      redirect: "manual",
    });
    const body = Buffer.from(await response.arrayBuffer());
    const out = {};
    response.headers.forEach((value, key) => {
      if (!HOP_BY_HOP.has(key)) out[key] = value;
    });
    res.writeHead(response.status, out);
    res.end(body);
  } catch (error) {
    // dispatchFetch rethrows a Worker's uncaught exception (Miniflare revives it from workerd's answer).
    res.writeHead(500, { "content-type": "text/plain; charset=utf-8", "x-cloudflare-local-error": "exception" });
    res.end(String(error?.stack ?? error));
  }
}

const proxy = http.createServer((req, res) => {
  proxied(req, res).catch((error) => {
    process.stderr.write(`sidecar: proxy: ${error?.stack ?? error}\n`);
    res.destroy();
  });
});
proxy.keepAliveTimeout = 60_000;
await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  proxy.close();
  await mf?.dispose().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.on("unhandledRejection", (error) => process.stderr.write(`sidecar: ${error?.stack ?? error}\n`));

// One request at a time, in order: an apply must finish before the next one starts.
let queue = Promise.resolve();
const input = readline.createInterface({ input: process.stdin });
input.on("line", (line) => {
  queue = queue.then(() => handle(line));
});
input.on("close", () => {
  queue.then(stop);
});

reply({ event: "ready", proxy: `http://127.0.0.1:${proxy.address().port}`, pid: process.pid });
