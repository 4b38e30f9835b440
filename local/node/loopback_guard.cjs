// Preloaded into wrangler (NODE_OPTIONS=--require): refuse any socket to a host other than loopback,
// so a fidelity run is provably offline (on its error path wrangler still checks the npm registry for a
// newer version).
"use strict";
const net = require("net");
const ALLOWED = new Set(["127.0.0.1", "localhost", "::1"]);
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  let host;
  if (first && typeof first === "object") {
    if (first.path) return original.apply(this, args); // unix sockets are local
    host = first.host;
  } else if (typeof args[1] === "string") {
    host = args[1];
  } else if (typeof first === "string" && isNaN(Number(first))) {
    return original.apply(this, args); // a unix socket path
  }
  host = host || "localhost";
  if (!ALLOWED.has(host)) {
    process.stderr.write(`loopback_guard: refused connection to ${host}\n`);
    const error = new Error(`loopback_guard: refused connection to ${host}`);
    error.code = "ECONNREFUSED";
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return original.apply(this, args);
};
