#!/usr/bin/env node
/**
 * Rollback propagation (issue 4: p99 ≤ 100 ms over 100 rollbacks).
 *
 * A fresh PostgreSQL database cg_bench_<random> (DATABASE_URL, default server
 * postgres://postgres@127.0.0.1:5432), seeded with `npm run db:seed` (tokens parsed from its
 * output); two app instances (production build, .next-bench) on it; SUBSCRIBERS SDK clients
 * (lib/sdk createChangegateClient, loaded through tsx, following the SSE stream) on EACH
 * instance. Then ROLLBACKS whole-bundle rollbacks via POST /api/v1/services/{s}/rollbacks
 * (operator token), alternating between two earlier releases, sent alternately to instance A and
 * B. For each rollback: the time until EVERY subscriber holds the new pointer revision, measured
 *   - from the server's flippedAt (the pointer's updatedAt carried in the snapshot; the flip is
 *     stamped inside the transaction, just before COMMIT, so this over-states propagation by the
 *     commit's own time: conservative), and
 *   - from the moment the POST's response arrived (after COMMIT: an optimistic bound; can be
 *     negative when the NOTIFY beats the HTTP response).
 * Reports p50/p99/max of both; the database is dropped at the end.
 *
 *   node bench/rollback-propagation.mjs [--rollbacks 100] [--subscribers 4]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { randomBytes } from "node:crypto";
import { register } from "tsx/esm/api";
import { benchDatabase, BENCH_PG_SERVER_URL, get, root, sleep, startApp, summary, withPgClient } from "./lib.mjs";

const { values } = parseArgs({ options: { rollbacks: { type: "string", default: "100" }, subscribers: { type: "string", default: "4" } } });
const ROLLBACKS = Math.min(500, Number(values.rollbacks));
const SUBSCRIBERS = Math.min(50, Number(values.subscribers));
const SERVICE = "support-assistant";

register();
const { createChangegateClient } = await import("../lib/sdk/index.ts");

const { name: dbName, url: dbUrl } = benchDatabase();
const dataDir = mkdtempSync(path.join(os.tmpdir(), "cg-bench-rb-"));
const env = { DATABASE_URL: dbUrl, AUTH_SECRET: randomBytes(24).toString("hex"), CHANGEGATE_DATA_DIR: dataDir, CHANGEGATE_DEMO: "off" };

const admin = (sql) => withPgClient(BENCH_PG_SERVER_URL, (c) => c.query(sql));

function runSeed() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "db/cli.ts", "seed"], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`db:seed failed (${code}):\n${out}`))));
  });
}

function post(port, pathname, token, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(
      { host: "127.0.0.1", port, path: pathname, method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(data) } },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

const now = () => performance.timeOrigin + performance.now(); // wall clock, sub-ms
const apps = [];
const clients = [];
let created = false;
try {
  await admin(`create database ${dbName}`);
  created = true;
  const seedOut = await runSeed();
  const token = seedOut.match(new RegExp(`${SERVICE}\\s+(\\S+)\\s+\\[[^\\]]*operator`))?.[1];
  if (!token) throw new Error(`No operator token for ${SERVICE} in the seed output:\n${seedOut}`);
  const auth = { authorization: `Bearer ${token}` };
  const agent = new http.Agent({ keepAlive: true });

  for (const name of ["A", "B"]) {
    apps.push(
      await startApp({
        name,
        env,
        ready: async (port) => (await get(agent, port, `/api/v1/services/${SERVICE}/config?subject=probe`, auth)).status === 200,
      }),
    );
  }

  const releases = JSON.parse((await get(agent, apps[0].port, `/api/v1/services/${SERVICE}/releases?limit=20`, auth)).body);
  const list = Array.isArray(releases) ? releases : (releases.releases ?? releases.data ?? []);
  if (list.length < 2) throw new Error(`Need two releases of ${SERVICE}, got: ${JSON.stringify(releases).slice(0, 500)}`);
  // Two earlier releases, not live now, with different component versions: rolling back to
  // each in turn changes the bundle every time.
  const live = list.find((r) => r.live === "stable");
  const candidates = list.filter((r) => !r.live && JSON.stringify(r.components) !== JSON.stringify(live?.components));
  const first = candidates[0];
  const second = candidates.find((r) => JSON.stringify(r.components) !== JSON.stringify(first?.components));
  if (!first || !second) throw new Error(`Need two earlier releases of ${SERVICE} with different bundles`);
  const targets = [first.id, second.id];

  // Subscribers: SDK clients following the stream of each instance.
  // seen[c] = Map(pointerRevision → { t, updatedAt })
  const seen = [];
  for (const app of apps) {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const idx = clients.length;
      const map = new Map();
      seen.push(map);
      const client = createChangegateClient({ baseUrl: `http://127.0.0.1:${app.port}`, service: SERVICE, token, pollIntervalMs: 60_000, onError: () => undefined });
      client.onChange((snap) => {
        if (!map.has(snap.pointerRevision)) map.set(snap.pointerRevision, { t: now(), updatedAt: Date.parse(snap.updatedAt) });
      });
      clients.push(client);
      void idx;
    }
  }
  await Promise.all(clients.map((c) => c.ready()));
  for (let i = 0; i < 100 && !clients.every((c) => c.health().streamConnected); i++) await sleep(50);
  if (!clients.every((c) => c.health().streamConnected)) throw new Error("Not every SDK subscriber connected its stream");

  // Warm-up, not measured: the first requests of a route in each instance load its code.
  const WARMUP = 6;
  for (let r = 0; r < WARMUP; r++) {
    const res = await post(apps[r % 2].port, `/api/v1/services/${SERVICE}/rollbacks`, token, { toRelease: targets[r % 2], reason: `bench warm-up ${r + 1}` });
    if (res.status !== 201) throw new Error(`warm-up rollback: HTTP ${res.status} ${res.body.slice(0, 300)}`);
  }
  await sleep(500);

  const fromFlip = [];
  const fromResponse = [];
  const postMs = [];
  const serverMs = [];
  let failures = 0;
  const started = Date.now();
  for (let r = 0; r < ROLLBACKS; r++) {
    const app = apps[r % 2];
    const t0 = now();
    const res = await post(app.port, `/api/v1/services/${SERVICE}/rollbacks`, token, { toRelease: targets[(r + WARMUP) % 2], reason: `bench rollback ${r + 1}` });
    const tResp = now();
    if (res.status !== 201) {
      failures++;
      console.error(`rollback ${r + 1}: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      if (failures > 5) throw new Error("Too many failed rollbacks");
      continue;
    }
    const outcome = JSON.parse(res.body);
    const rev = outcome.pointerRevision;
    const deadline = now() + 5_000;
    while (!seen.every((m) => m.has(rev)) && now() < deadline) await sleep(1);
    if (!seen.every((m) => m.has(rev))) {
      failures++;
      console.error(`rollback ${r + 1}: not every subscriber got revision ${rev} within 5 s`);
      continue;
    }
    const arrivals = seen.map((m) => m.get(rev));
    const last = Math.max(...arrivals.map((a) => a.t));
    const flippedAt = arrivals[0].updatedAt;
    fromFlip.push(last - flippedAt);
    fromResponse.push(last - tResp);
    postMs.push(tResp - t0);
    serverMs.push(outcome.durationMs);
    await sleep(20);
  }

  const out = {
    bench: "rollback-propagation",
    database: dbName,
    instances: 2,
    subscribersPerInstance: SUBSCRIBERS,
    rollbacks: ROLLBACKS,
    warmupRollbacks: WARMUP,
    measured: fromFlip.length,
    failures,
    wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
    fromFlippedAtMs: summary(fromFlip),
    fromPostResponseMs: summary(fromResponse),
    postRoundTripMs: summary(postMs),
    serverClickToFlipMs: summary(serverMs),
    target: "p99 from commit to every subscriber <= 100 ms",
    pass: failures === 0 && summary(fromFlip).p99 <= 100,
  };
  console.log(`from flippedAt      p50 ${out.fromFlippedAtMs.p50} ms  p99 ${out.fromFlippedAtMs.p99} ms  max ${out.fromFlippedAtMs.max} ms`);
  console.log(`from POST response  p50 ${out.fromPostResponseMs.p50} ms  p99 ${out.fromPostResponseMs.p99} ms  max ${out.fromPostResponseMs.max} ms`);
  console.log(`POST round trip     p50 ${out.postRoundTripMs.p50} ms  p99 ${out.postRoundTripMs.p99} ms`);
  console.log(`RESULT ${JSON.stringify(out)}`);
  agent.destroy();
} finally {
  await Promise.allSettled(clients.map((c) => c.close()));
  for (const app of apps) await app.stop();
  if (created) {
    await sleep(300);
    await admin(`drop database if exists ${dbName} with (force)`).catch((err) => console.error(`Could not drop ${dbName}: ${err.message}`));
  }
  rmSync(dataDir, { recursive: true, force: true });
}
