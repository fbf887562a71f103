/**
 * Helpers shared by the benchmarks: free ports, starting/stopping the production app, a small
 * bounded keep-alive load generator, percentiles, throwaway PostgreSQL databases. Plain Node
 * (`pg` is loaded only by the helpers that talk to PostgreSQL).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const BENCH_DIST_DIR = ".next-bench";

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `node lib/launcher/start.mjs` (builds into .next-bench when the sources changed) and
 * waits until `ready()` resolves true. Returns { port, child, stop, log }.
 */
export async function startApp({ env, name = "app", ready, timeoutMs = 240_000, quiet = true }) {
  const port = await freePort();
  const child = spawn(process.execPath, ["lib/launcher/start.mjs"], {
    cwd: root,
    env: { ...process.env, NEXT_DIST_DIR: BENCH_DIST_DIR, NODE_ENV: "production", PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: false,
  });
  let log = "";
  const onData = (chunk) => {
    log += chunk;
    if (!quiet) process.stderr.write(`[${name}] ${chunk}`);
    else if (/building|rebuilding/.test(String(chunk))) process.stderr.write(`[${name}] ${String(chunk).trim()}\n`);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exited = null;
  child.on("exit", (code) => (exited = code));
  const stop = async () => {
    if (exited !== null) return;
    child.kill("SIGTERM");
    for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
    if (exited === null) child.kill("SIGKILL");
  };
  const t0 = Date.now();
  for (;;) {
    if (exited !== null) throw new Error(`${name} exited (code ${exited}) before it was ready:\n${log.slice(-3000)}`);
    if (Date.now() - t0 > timeoutMs) {
      await stop();
      throw new Error(`${name} not ready after ${timeoutMs} ms:\n${log.slice(-3000)}`);
    }
    try {
      if (await ready(port)) break;
    } catch {
      // not up yet
    }
    await sleep(500);
  }
  return { port, child, stop, log: () => log };
}

export function readToken(dataDir, service = "support-assistant") {
  const file = path.join(dataDir, "demo-credentials.json");
  if (!existsSync(file)) return null;
  const creds = JSON.parse(readFileSync(file, "utf8"));
  return creds.tokens.find((t) => t.service === service)?.token ?? null;
}

/** One GET, body read fully. */
export function get(agent, port, pathname, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: pathname, headers, agent, method: "GET" }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("request timeout")));
    req.end();
  });
}

/**
 * Closed-loop load: `connections` keep-alive connections, each sending the next request as soon
 * as the previous answered, for `durationMs`. `pathFor(i)` gives the i-th request's path.
 */
export async function load({ port, durationMs, connections, pathFor, headers = {} }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const latencies = [];
  let ok = 0;
  let errors = 0;
  let non2xx = 0;
  let bytes = 0;
  let seq = 0;
  const deadline = performance.now() + durationMs;
  const t0 = performance.now();
  async function worker() {
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        const res = await get(agent, port, pathFor(seq++), headers);
        latencies.push(performance.now() - start);
        bytes += res.body.length;
        if (res.status >= 200 && res.status < 300) ok++;
        else non2xx++;
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: ok + non2xx,
    ok,
    non2xx,
    errors,
    seconds: +elapsed.toFixed(2),
    rps: Math.round((ok + non2xx) / elapsed), // answered requests/s (the main runs check non2xx is 0)
    p50Ms: +pct(latencies, 50).toFixed(2),
    p99Ms: +pct(latencies, 99).toFixed(2),
    maxMs: +(latencies.at(-1) ?? 0).toFixed(2),
    avgBodyBytes: ok + non2xx ? Math.round(bytes / (ok + non2xx)) : 0,
  };
}

/** Nearest-rank percentile of a sorted array. */
export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, p50: round(pct(s, 50)), p90: round(pct(s, 90)), p99: round(pct(s, 99)), max: round(s.at(-1)), min: round(s[0]) };
}
const round = (x) => (x === undefined || Number.isNaN(x) ? null : +x.toFixed(1));

/** The PostgreSQL server the database benchmarks create their throwaway databases on. */
export const BENCH_PG_SERVER_URL = process.env.BENCH_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database name `cg_bench_<random>` on the bench server, and its URL (not created yet). */
export function benchDatabase(serverUrl = BENCH_PG_SERVER_URL) {
  const name = `cg_bench_${randomBytes(4).toString("hex")}`;
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}

/** Runs `fn` with a pg client connected to `url`, closed afterwards. */
export async function withPgClient(url, fn) {
  const pg = (await import("pg")).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/**
 * The benchmarks that import the app's TypeScript modules need them with the react-server
 * condition (for `server-only`), as `npm run db:seed` does: started without it, the script at
 * `metaUrl` runs itself again with `--conditions=react-server --import tsx` and exits with its code.
 */
export function rerunWithServerConditions(metaUrl) {
  if (process.execArgv.includes("--conditions=react-server")) return;
  const self = fileURLToPath(metaUrl);
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", self, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
