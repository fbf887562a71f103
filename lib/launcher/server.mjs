#!/usr/bin/env node
/**
 * The production server (`npm start` runs it after building): Next.js behind a plain node:http
 * server, so the runtime API's hot path — `GET /api/v1/services/{service}/config` with a token
 * and snapshot already in memory — is answered before the Next.js router (lib/runtime/fast-path.ts,
 * installed on globalThis by the app's boot). Every other request, and every config request the
 * fast path declines, goes to Next.js unchanged.
 *
 *   PORT (default 3000); CHANGEGATE_HOST (default: all interfaces, like `next start`; not HOSTNAME,
 *   which shells and containers set to the machine's name); NEXT_DIST_DIR as for `next start`.
 */
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

process.env.NODE_ENV = "production";
const { default: next } = await import("next");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const port = Number.parseInt(process.env.PORT || "3000", 10);
const hostname = process.env.CHANGEGATE_HOST || undefined;
const FAST_PATH_KEY = Symbol.for("changegate.runtimeFastPath");

const app = next({ dev: false, dir: root, hostname: hostname ?? "localhost", port });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  const fastPath = globalThis[FAST_PATH_KEY];
  try {
    if (typeof fastPath === "function" && fastPath(req, res)) return;
  } catch (err) {
    // The fast path only reads memory; if it ever throws, the route answers instead.
    console.error(`[changegate] runtime fast path failed, handing the request to Next.js: ${err instanceof Error ? err.message : String(err)}`);
    if (res.headersSent) return;
  }
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
// Same keep-alive behaviour as `next start` behind a load balancer.
server.keepAliveTimeout = 65_000;

server.on("error", (err) => {
  console.error(`[changegate] cannot listen on ${hostname ?? "*"}:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => {
  console.log(`[changegate] listening on http://${hostname ?? "localhost"}:${port}`);
});

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeIdleConnections?.();
  // Streams (SSE) keep connections open: give them a moment, then go.
  setTimeout(() => process.exit(0), 1_000).unref();
  app.close?.().catch(() => undefined);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
