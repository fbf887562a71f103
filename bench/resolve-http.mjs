#!/usr/bin/env node
/**
 * Runtime API resolve throughput and latency (issue 4: target ≥ 0.5× a bare node:http server).
 *
 * Starts the production build (NEXT_DIST_DIR=.next-bench, fresh PGlite data dir, demo seeded on
 * first start), and a bare node:http server in its own process answering the SAME JSON body the
 * app returns (captured from the app first). Then, on loopback, a closed-loop keep-alive load of
 * CONNECTIONS connections for DURATION seconds against each, alternating bare → app → bare → app,
 * with subjects varying on every request (`?subject=user-<n>`). Reports requests/s and
 * p50/p99/max latency, and the ratio app/bare (mean of the two rounds each).
 *
 *   node bench/resolve-http.mjs [--duration 10] [--connections 16] [--rounds 2]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { freePort, get, load, readToken, sleep, startApp } from "./lib.mjs";

const { values } = parseArgs({
  options: { duration: { type: "string", default: "10" }, connections: { type: "string", default: "16" }, rounds: { type: "string", default: "2" } },
});
const DURATION_MS = Math.min(20, Number(values.duration)) * 1000;
const CONNECTIONS = Number(values.connections);
const ROUNDS = Math.max(1, Math.min(3, Number(values.rounds)));
const SERVICE = "support-assistant";

const dataDir = mkdtempSync(path.join(os.tmpdir(), "cg-bench-http-"));
const agent = new http.Agent({ keepAlive: true });
let app;
let bare;
try {
  let token = null;
  app = await startApp({
    name: "app",
    env: { CHANGEGATE_DATA_DIR: dataDir, DATABASE_URL: "", CHANGEGATE_DEMO: "auto" },
    ready: async (port) => {
      token ??= readToken(dataDir, SERVICE);
      if (!token) return false;
      const res = await get(agent, port, `/api/v1/services/${SERVICE}/config?subject=probe`, { authorization: `Bearer ${token}` });
      return res.status === 200;
    },
  });
  const auth = { authorization: `Bearer ${token}` };
  const pathFor = (i) => `/api/v1/services/${SERVICE}/config?subject=user-${i}&tenant=tenant-${i % 7}`;

  // The exact body (and headers) the bare server will return.
  const sample = await get(agent, app.port, pathFor(1), auth);
  const body = sample.body;
  const etag = sample.headers.etag ?? '"x"';

  // Bare node:http server, its own process (as the app is), same JSON, same content-type, ETag.
  const barePort = await freePort();
  const bareSrc = `
    const http = require("node:http");
    const body = Buffer.from(process.env.BODY);
    http.createServer((req, res) => {
      const u = new URL(req.url, "http://x"); // parse the query like the app does
      if (!u.searchParams.get("subject") || req.headers.authorization !== process.env.AUTH) { res.statusCode = 400; return res.end(); }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8", etag: process.env.ETAG, "cache-control": "no-cache" });
      res.end(body);
    }).listen(${barePort}, "127.0.0.1", () => process.stdout.write("up\\n"));`;
  bare = spawn(process.execPath, ["-e", bareSrc], { env: { ...process.env, BODY: body, ETAG: etag, AUTH: auth.authorization }, stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve) => bare.stdout.once("data", resolve));

  // Warm-up both (JIT, Next's route compilation cache, token memory).
  await load({ port: barePort, durationMs: 2000, connections: CONNECTIONS, pathFor, headers: auth });
  await load({ port: app.port, durationMs: 3000, connections: CONNECTIONS, pathFor, headers: auth });

  const runs = { bare: [], app: [] };
  for (let r = 0; r < ROUNDS; r++) {
    await sleep(300);
    runs.bare.push(await load({ port: barePort, durationMs: DURATION_MS, connections: CONNECTIONS, pathFor: (i) => pathFor(i + r * 1e7), headers: auth }));
    await sleep(300);
    runs.app.push(await load({ port: app.port, durationMs: DURATION_MS, connections: CONNECTIONS, pathFor: (i) => pathFor(i + r * 1e7 + 5e6), headers: auth }));
  }
  // Diagnostic, not the target: the same route with no token (401 before any token check, no
  // DB, no snapshot) — roughly the floor Next.js's routing and Request/Response plumbing set.
  await sleep(300);
  const floor = await load({ port: app.port, durationMs: Math.min(DURATION_MS, 5000), connections: CONNECTIONS, pathFor });
  // Both arms were exercised? (the demo may or may not have a canary running)
  const arms = new Set();
  for (let i = 0; i < 200; i++) arms.add(JSON.parse((await get(agent, app.port, pathFor(i), auth)).body).arm);

  const mean = (xs, k) => xs.reduce((s, x) => s + x[k], 0) / xs.length;
  const bareRps = mean(runs.bare, "rps");
  const appRps = mean(runs.app, "rps");
  const out = {
    bench: "resolve-http",
    connections: CONNECTIONS,
    durationSec: DURATION_MS / 1000,
    rounds: ROUNDS,
    bodyBytes: Buffer.byteLength(body),
    armsSeen: [...arms],
    bare: { rps: Math.round(bareRps), p50Ms: +mean(runs.bare, "p50Ms").toFixed(2), p99Ms: +mean(runs.bare, "p99Ms").toFixed(2), runs: runs.bare },
    app: { rps: Math.round(appRps), p50Ms: +mean(runs.app, "p50Ms").toFixed(2), p99Ms: +mean(runs.app, "p99Ms").toFixed(2), runs: runs.app },
    ratio: +(appRps / bareRps).toFixed(3),
    nextFloor401: { rps: floor.rps, p50Ms: floor.p50Ms, p99Ms: floor.p99Ms, status: floor.non2xx ? "non-2xx as expected" : "unexpected 2xx" },
    ratioAppToNextFloor: +(appRps / floor.rps).toFixed(3),
    target: "app rps >= 0.5 x bare node:http rps",
    pass: appRps / bareRps >= 0.5,
  };
  console.log(`bare node:http  ${out.bare.rps} req/s  p50 ${out.bare.p50Ms} ms  p99 ${out.bare.p99Ms} ms`);
  console.log(`app /config     ${out.app.rps} req/s  p50 ${out.app.p50Ms} ms  p99 ${out.app.p99Ms} ms`);
  console.log(`ratio app/bare  ${out.ratio}`);
  console.log(`(diagnostic) same route, no token → 401: ${floor.rps} req/s  p99 ${floor.p99Ms} ms`);
  console.log(`RESULT ${JSON.stringify(out)}`);
} finally {
  agent.destroy();
  bare?.kill("SIGTERM");
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
