#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark in sequence, a table, and bench/results/latest.json.
 *
 *   npm run bench                                  all of them
 *   npm run bench -- --only sdk-eval               one (repeatable or comma-separated)
 *   npm run bench -- --only resolve-http,rollback-propagation
 *   npm run bench -- --only ingest                 outcome-event ingestion vs COPY (needs PostgreSQL)
 *   npm run bench -- --only canary-compare         canary vs 7-day baseline over 50M events (PostgreSQL, ~10 min, ~15 GB disk)
 *
 * A benchmark with a `small` variant (canary-compare) runs at full scale only when named with
 * --only; in the run of every benchmark it runs small (canary-compare: 2M events, about a minute).
 *
 * Each benchmark is its own process, bounded by a timeout; its last "RESULT {json}" line is
 * its result. Benchmarks compare against a baseline measured in the same run (see
 * docs/benchmarks.md), so the figures are ratios as well as absolute numbers.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { root } from "./lib.mjs";

const BENCHES = {
  "sdk-eval": { args: ["--import", "tsx", "bench/sdk-eval.ts"], timeoutMs: 120_000 },
  // up to ~4 min of it is a production build when the sources changed since the last one
  "resolve-http": { args: ["bench/resolve-http.mjs"], timeoutMs: 420_000 },
  "rollback-propagation": { args: ["bench/rollback-propagation.mjs"], timeoutMs: 420_000 },
  // server-only modules: the react-server condition, as `npm run db:seed`
  ingest: { args: ["--conditions=react-server", "--import", "tsx", "bench/ingest.mjs"], timeoutMs: 300_000 },
  // generating 50M events takes 7–8 min and ~15 GB: full scale only when named (see above)
  "canary-compare": {
    args: ["--conditions=react-server", "--import", "tsx", "bench/canary-compare.mjs"],
    timeoutMs: 3_600_000,
    small: { args: ["--events", "2000000"], timeoutMs: 300_000 },
  },
};

const only = new Set();
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const v = a === "--only" ? argv[++i] : a.startsWith("--only=") ? a.slice(7) : null;
  if (v === null || v === undefined) {
    console.error(`usage: node bench/run.mjs [--only ${Object.keys(BENCHES).join("|")}]`);
    process.exit(2);
  }
  for (const name of v.split(",").filter(Boolean)) {
    if (!BENCHES[name]) {
      console.error(`Unknown benchmark "${name}"; pick from ${Object.keys(BENCHES).join(", ")}.`);
      process.exit(2);
    }
    only.add(name);
  }
}
const selected = Object.keys(BENCHES).filter((n) => only.size === 0 || only.has(n));

function runOne(name) {
  const bench = BENCHES[name];
  const { args, timeoutMs } = bench.small && !only.has(name) ? { args: [...bench.args, ...bench.small.args], timeoutMs: bench.small.timeoutMs } : bench;
  return new Promise((resolve) => {
    console.log(`\n=== ${name} ===`);
    const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: process.env });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      process.stdout.write(c);
    });
    const timer = setTimeout(() => {
      console.error(`${name}: over ${timeoutMs / 1000} s, stopping it`);
      child.kill("SIGTERM");
    }, timeoutMs);
    const forward = (sig) => child.kill(sig);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("exit", (code) => {
      clearTimeout(timer);
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      const line = out.split("\n").reverse().find((l) => l.startsWith("RESULT "));
      let result = null;
      try {
        result = line ? JSON.parse(line.slice(7)) : null;
      } catch {
        result = null;
      }
      resolve({ name, exitCode: code, result });
    });
  });
}

const results = [];
for (const name of selected) results.push(await runOne(name));

function headline(r) {
  const x = r.result;
  if (!x) return { figure: "failed", baseline: "-", ratio: "-", target: "-", pass: false };
  if (r.name === "sdk-eval") {
    const a = x.assignmentsPerSec;
    return {
      figure: `resolveConfig ${(a.resolveConfig / 1e6).toFixed(2)}M/s, client.resolve ${(a["sdk-client.resolve"] / 1e6).toFixed(2)}M/s`,
      baseline: `key+Map ${(a["baseline-map"] / 1e6).toFixed(1)}M/s; sha1 ${(a["contrast-sha1"] / 1e6).toFixed(2)}M/s`,
      ratio: `${x.ratioResolveToBaselineMap}× key+Map, ${x.ratioResolveToSha1}× sha1`,
      target: "≥ 1M/s",
      pass: x.pass,
    };
  }
  if (r.name === "resolve-http") {
    return {
      figure: `${x.app.rps} req/s, p99 ${x.app.p99Ms} ms`,
      baseline: `bare node:http ${x.bare.rps} req/s, p99 ${x.bare.p99Ms} ms`,
      ratio: `${x.ratio}×`,
      target: "≥ 0.5×",
      pass: x.pass,
    };
  }
  if (r.name === "ingest") {
    const e = x.eventsPerSec;
    return {
      figure: `ingestOutcomeEvents ${e.ingest.toLocaleString("en-US")} events/s, route ${e.route.toLocaleString("en-US")}/s (${x.eventsPerRound.toLocaleString("en-US")}/round, last ${x.spanMinutes} min, ${x.order} order)`,
      baseline: `COPY FROM STDIN into a plain table: text ${e.copy.toLocaleString("en-US")} rows/s, binary ${e.copyBinary.toLocaleString("en-US")} rows/s; floor (faster per round) ${e.floor.toLocaleString("en-US")}`,
      ratio: `${x.ratioIngestToCopy}× floor (route ${x.ratioRouteToCopy}×)`,
      target: "≥ 0.5×",
      pass: x.pass,
    };
  }
  if (r.name === "canary-compare") {
    const c = x.rollupComparisonMs;
    return {
      figure: `stageComparisonTotals + judgeStage p50 ${c.p50} ms, p95 ${c.p95} ms (${(x.events / 1e6).toLocaleString("en-US")}M events, 7 days)`,
      baseline: `same totals from raw events ${x.rawComparisonMs.median.toLocaleString("en-US")} ms`,
      ratio: `raw ${x.ratioRawToRollups.toLocaleString("en-US")}× slower`,
      target: "≤ 50 ms",
      pass: x.pass,
    };
  }
  return {
    figure: `p50 ${x.fromFlippedAtMs.p50} / p99 ${x.fromFlippedAtMs.p99} / max ${x.fromFlippedAtMs.max} ms (${x.measured}/${x.rollbacks})`,
    baseline: `from POST response p99 ${x.fromPostResponseMs.p99} ms`,
    ratio: "-",
    target: "p99 ≤ 100 ms",
    pass: x.pass,
  };
}

const rows = results.map((r) => ({ bench: r.name, ...headline(r) }));
console.log("\n| bench | figure | baseline (same run) | ratio | target | pass |\n|---|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.bench} | ${r.figure} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.pass ? "yes" : "NO"} |`);

const file = path.join(root, "bench/results/latest.json");
mkdirSync(path.dirname(file), { recursive: true });
// With --only, keep the other benchmarks' previous results (each stamped with its own date).
const stamp = new Date().toISOString();
let previous = [];
try {
  previous = JSON.parse(readFileSync(file, "utf8")).benches ?? [];
} catch {
  previous = [];
}
const merged = [
  ...previous.filter((p) => !results.some((r) => r.name === p.name)),
  ...results.map((r) => ({ ...r, date: stamp })),
].sort((a, b) => Object.keys(BENCHES).indexOf(a.name) - Object.keys(BENCHES).indexOf(b.name));
writeFileSync(
  file,
  `${JSON.stringify(
    {
      date: stamp,
      machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${os.platform()} ${os.release()}` },
      benches: merged,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${path.relative(root, file)}`);
process.exit(results.every((r) => r.exitCode === 0 && r.result) ? 0 : 1);
