import "server-only";
import type { IncomingMessage, ServerResponse } from "node:http";
import { rememberedRuntimeAuth } from "./access";
import { heldRuntimeCache } from "./cache";
import { parseConfigQuery } from "./config-query";
import { armFor, etagMatches } from "./resolve";

/**
 * The runtime API's hot path, answered before the Next.js router.
 *
 * `GET /api/v1/services/{service}/config` is what every LLM service calls, possibly per request.
 * Through the App Router each call pays for routing and Web `Request`/`Response` objects, which
 * cost ~20× the work of the answer itself (docs/benchmarks.md, resolve-http). The server started
 * by `npm start` (lib/launcher/server.mjs) therefore offers each request to this handler first.
 *
 * It answers only when everything needed is already in memory and certain:
 * - the bearer token authenticated on this instance within TOKEN_MEMORY_MS, for this very service;
 * - the service's snapshot is cached and current (the pointer listener is connected and no change
 *   was announced since it loaded);
 * - the query is valid.
 * Otherwise it returns false and the request goes to the route (app/api/v1/services/[service]/
 * config/route.ts), which authenticates, loads, explains errors and fills the memory this path
 * reads. Both share the query parsing, the bucketing and the prepared bodies, so an answer does
 * not depend on which of the two gave it (tested in fast-path.integration.test.ts).
 */

const CONFIG_PATH = /^\/api\/v1\/services\/([^/?#]+)\/config\/?(?:\?|$)/;
const REVALIDATE = "no-cache";

export type RuntimeFastPath = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Answers the request and returns true, or returns false without touching `res`. */
export const handleRuntimeFastPath: RuntimeFastPath = (req, res) => {
  if (req.method !== "GET") return false;
  const url = req.url;
  if (!url) return false;
  const match = CONFIG_PATH.exec(url);
  if (!match) return false;

  let service: string;
  try {
    service = decodeURIComponent(match[1]!);
  } catch {
    return false;
  }
  const auth = rememberedRuntimeAuth(req.headers.authorization);
  if (!auth || auth.serviceSlug !== service) return false;

  const cached = heldRuntimeCache()?.peekCurrent(service);
  if (!cached) return false;

  const queryStart = url.indexOf("?");
  let who;
  try {
    who = parseConfigQuery(new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1)));
  } catch {
    return false;
  }

  const arm = armFor(cached.snapshot, who);
  const view = arm === "canary" && cached.configs.canary ? cached.configs.canary : cached.configs.stable;
  if (etagMatches(req.headers["if-none-match"], view.etag)) {
    res.writeHead(304, { etag: view.etag, "cache-control": REVALIDATE });
    res.end();
    return true;
  }
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(view.body),
    etag: view.etag,
    "cache-control": REVALIDATE,
  });
  res.end(view.body);
  return true;
};

/** Where the server started by `npm start` looks for the fast path (the Next.js bundle installs it). */
export const RUNTIME_FAST_PATH_KEY = Symbol.for("changegate.runtimeFastPath");

/** Offers the fast path to lib/launcher/server.mjs, which shares this process's globalThis. */
export function installRuntimeFastPath(): void {
  (globalThis as Record<symbol, unknown>)[RUNTIME_FAST_PATH_KEY] = handleRuntimeFastPath;
}
