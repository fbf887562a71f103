#!/usr/bin/env node
/**
 * Canary-vs-baseline comparison over 7 days and 50M events (issue 5, "Performance": ≤ 50 ms,
 * and the ratio against computing it from raw events).
 *
 * What is timed is what the canary judge does each time it looks (lib/canary/evaluator.ts):
 * `stageComparisonTotals` (lib/canary/store.ts: the canary release's minute rollups since the
 * stage start + the stable arm's hour rollups over the 7 days before it) followed by `judgeStage`
 * (lib/canary/analysis.ts). Next to it, in the same run, the same totals computed from the raw
 * partitioned `outcome_events` (one SQL aggregate per side, the histogram via width_bucket over
 * LATENCY_BUCKET_BOUNDS_MS) and then the same `judgeStage`. Both must give identical totals.
 *
 * A fresh database cg_bench_<random> on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * migrated like the app's, dropped at the end. The traffic — one service, 7 days + the stage,
 * `--events` in all — is generated inside PostgreSQL into the daily partitions and summed into
 * the rollups from those rows (bench/canary-compare-data.mjs). Before generating, the free space
 * of the server's data directory is checked (when the server is on this machine): at about
 * 310 bytes per event (heap, index, rollups) plus 6 GB to spare, a scale that does not fit is
 * lowered to the largest that does, and the output says so.
 *
 *   node bench/canary-compare.mjs [--events 50000000] [--runs 30] [--raw-runs 3] [--tenants 20]
 *                                 [--stage-minutes 100] [--workers 2] [--keep-db]
 *
 * --keep-db leaves the database in place for EXPLAIN and friends (the output names it; drop it by
 * hand with `drop database … with (force)`).
 *
 * Prints progress, then one JSON line (prefixed "RESULT ") for bench/run.mjs. Started without
 * `--conditions=react-server --import tsx` it restarts itself with them (as bench/ingest.mjs).
 */
import { statfsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { benchDatabase, BENCH_PG_SERVER_URL, pct, rerunWithServerConditions, withPgClient } from "./lib.mjs";
import { bucketSql, generateDay, hourRollupsSql, partitionPlan, trafficLayout } from "./canary-compare-data.mjs";
import { checkRollupsLikeIngest, indexedRollupTotalsSql, rawTotalsSql } from "./canary-compare-queries.mjs";

rerunWithServerConditions(import.meta.url);

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "50000000" },
    runs: { type: "string", default: "30" },
    "raw-runs": { type: "string", default: "3" },
    tenants: { type: "string", default: "20" },
    "stage-minutes": { type: "string", default: "100" },
    workers: { type: "string", default: "2" },
    "keep-db": { type: "boolean", default: false },
  },
});
const REQUESTED_EVENTS = Math.max(100_000, Math.round(Number(values.events)));
const RUNS = Math.max(5, Number(values.runs));
const RAW_RUNS = Math.max(1, Number(values["raw-runs"]));
const TENANTS = Math.min(100, Math.max(1, Number(values.tenants)));
const STAGE_MINUTES = Math.max(5, Number(values["stage-minutes"]));
const WORKERS = Math.max(1, Number(values.workers));
/** Disk per event at rest (measured at 50M: ~235 B heap, ~68 B index, ~3 B rollups), and what to leave free (WAL, sorts). */
const BYTES_PER_EVENT = 310;
const SPARE_BYTES = 6 * 2 ** 30;
const TARGET_MS = 50;

const pg = (await import("pg")).default;
const { name: dbName, url: dbUrl } = benchDatabase();
const started = performance.now();
const log = (msg) => console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const fmt = (n) => n.toLocaleString("en-US");
const gib = (bytes) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;


/** Free bytes where the server keeps its data, when the server is on this machine; else null. */
async function freeServerDisk() {
  if (!["127.0.0.1", "localhost", "[::1]"].includes(new URL(BENCH_PG_SERVER_URL).hostname)) return null;
  const dir = await withPgClient(BENCH_PG_SERVER_URL, (c) => c.query("show data_directory").then((r) => r.rows[0].data_directory)).catch(() => null);
  for (let d = dir; d && d !== path.dirname(d); d = path.dirname(d)) {
    try {
      const s = statfsSync(d);
      return { dir, bytes: s.bavail * s.bsize };
    } catch {
      // not visible to us: try the parent (same file system, most likely)
    }
  }
  return null;
}

let handle = null;
let rawPool = null;
let exitCode = 0;
const cleanup = async () => {
  await rawPool?.end().catch(() => undefined);
  await handle?.close().catch(() => undefined);
  if (values["keep-db"]) return log(`kept ${dbUrl} (--keep-db): drop it by hand`);
  await withPgClient(BENCH_PG_SERVER_URL, (c) => c.query(`drop database if exists ${dbName} with (force)`))
    .then(() => log(`dropped ${dbName}`))
    .catch((err) => console.error(`could not drop ${dbName}: ${err.message}`));
};
process.on("SIGINT", () => cleanup().finally(() => process.exit(130)));
process.on("SIGTERM", () => cleanup().finally(() => process.exit(143)));

try {
  // ---- scale: what fits on the disk --------------------------------------------------------
  let events = REQUESTED_EVENTS;
  const disk = await freeServerDisk();
  if (disk) {
    const fits = Math.floor((disk.bytes - SPARE_BYTES) / BYTES_PER_EVENT / 1e6) * 1e6;
    log(`free disk at ${disk.dir}: ${gib(disk.bytes)}; ${fmt(events)} events need ~${gib(events * BYTES_PER_EVENT)} (+${gib(SPARE_BYTES)} spare)`);
    if (fits < events) {
      if (fits < 100_000) throw new Error(`Not enough disk for even 100,000 events (${gib(disk.bytes)} free).`);
      console.log(`NOTE: scaling down from ${fmt(events)} to ${fmt(fits)} events: that is what fits.`);
      events = fits;
    }
  } else log("free disk: unknown (server not on this machine, or its data directory is not visible); not checked");

  // ---- database, service, releases ---------------------------------------------------------
  await withPgClient(BENCH_PG_SERVER_URL, (c) => c.query(`create database ${dbName}`));
  process.env.DATABASE_URL = dbUrl;
  process.env.CHANGEGATE_DEMO = "off";
  const { getDbHandle } = await import("../db/client.ts");
  const { migrateDatabase } = await import("../db/migrate.ts");
  const { services, releaseManifests } = await import("../db/schema/index.ts");
  const { stageComparisonTotals } = await import("../lib/canary/store.ts");
  const { judgeStage } = await import("../lib/canary/analysis.ts");
  const { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT, latencyBucketIndex } = await import("../lib/canary/histogram.ts");
  const { TOTALS_SUM_FIELDS } = await import("../lib/canary/totals.ts");
  const { rollupDeltas } = await import("../lib/outcomes/rollup.ts");
  const { defaultServiceSettings } = await import("../lib/services/settings.ts");

  handle = await getDbHandle();
  await migrateDatabase(handle);
  const db = handle.db;
  log(`created and migrated ${dbName}`);
  const settings = defaultServiceSettings();
  const [service] = await db.insert(services).values({ slug: "canary-bench", name: "Canary bench", settings }).returning({ id: services.id });
  const serviceId = service.id;
  const releases = { a: "rel_bench_a_stable", b: "rel_bench_b_promoted", c: "rel_bench_c_canary" };
  await db.insert(releaseManifests).values(
    Object.entries(releases).map(([k, id]) => ({ id, serviceId, kind: k === "a" ? "initial" : "deploy", canaryPercent: { a: 100, b: 5, c: 10 }[k], actorType: "system", actorLabel: "bench", reason: "bench" })),
  );

  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const layout = trafficLayout(now, STAGE_MINUTES);
  const plans = partitionPlan(layout, events).sort((a, b) => b.events - a.events);
  const bounds = [...LATENCY_BUCKET_BOUNDS_MS];

  // ---- the SQL latency bucket is the app's ------------------------------------------------
  const mapping = await withPgClient(dbUrl, (c) => c.query(`select x, ${bucketSql("x", "$1")} as b from generate_series(0, 130000) x`, [bounds]));
  const bucketMismatches = mapping.rows.filter((r) => r.b !== latencyBucketIndex(r.x)).length;
  if (bucketMismatches > 0) throw new Error(`width_bucket disagrees with latencyBucketIndex for ${bucketMismatches} latencies`);
  log(`SQL bucket = latencyBucketIndex for every latency 0…130,000 ms`);

  // ---- generate ----------------------------------------------------------------------------
  log(`generating ${fmt(events)} events over ${plans.length} daily partitions, ${TENANTS} tenants, ${WORKERS} workers (baseline ${layout.baselineFrom.toISOString()} → ${layout.baselineTo.toISOString()}, stage since ${layout.stageStartedAt.toISOString()}, now ${now.toISOString()})`);
  const genStart = performance.now();
  const queue = [...plans];
  let written = 0;
  const phaseMs = {};
  await Promise.all(
    Array.from({ length: WORKERS }, () =>
      withPgClient(dbUrl, async (c) => {
        await c.query("set work_mem = '256MB'");
        await c.query("set maintenance_work_mem = '1GB'");
        for (let plan = queue.shift(); plan; plan = queue.shift()) {
          const ms = await generateDay(c, { plan, layout, serviceId, releases, tenants: TENANTS, bounds, slots: LATENCY_BUCKET_COUNT });
          for (const [k, v] of Object.entries(ms)) phaseMs[k] = (phaseMs[k] ?? 0) + v;
          written += plan.events;
          const rate = Math.round(plan.events / (ms.insert / 1000));
          log(`p${plan.day}: ${fmt(plan.events)} events (${fmt(rate)}/s insert) — insert ${ms.insert} ms, minute rollups ${ms.rollups} ms, index+attach ${ms.indexAttach} ms, vacuum ${ms.vacuum} ms — ${fmt(written)}/${fmt(events)}`);
        }
      }),
    ),
  );
  const facts = await withPgClient(dbUrl, async (c) => {
    let t = performance.now();
    await c.query(hourRollupsSql(LATENCY_BUCKET_COUNT));
    phaseMs.hourRollups = Math.round(performance.now() - t);
    t = performance.now();
    await c.query("vacuum (analyze) outcome_rollups");
    await c.query("analyze outcome_events");
    phaseMs.analyze = Math.round(performance.now() - t);
    const sizes = await c.query(`
      select coalesce(sum(pg_relation_size(i.inhrelid)), 0)::float8 as heap, coalesce(sum(pg_indexes_size(i.inhrelid)), 0)::float8 as index,
        pg_total_relation_size('outcome_rollups')::float8 as rollups,
        (select count(*) from outcome_rollups where granularity = 'minute')::int as minute_rows,
        (select count(*) from outcome_rollups where granularity = 'hour')::int as hour_rows,
        (select count(*) from outcome_events_default)::int as in_default
      from pg_inherits i where i.inhparent = 'outcome_events'::regclass`);
    return { ...sizes.rows[0], version: (await c.query("show server_version")).rows[0].server_version };
  });
  const generationSec = Math.round((performance.now() - genStart) / 1000);
  log(`generated in ${generationSec} s: events ${gib(facts.heap)} heap + ${gib(facts.index)} index; rollups ${fmt(facts.minute_rows)} minute + ${fmt(facts.hour_rows)} hour rows (${gib(facts.rollups)}); ${facts.in_default} in the default partition`);

  // ---- rollup rows are what the ingest path would have written ------------------------------
  // The busiest tenant's first whole hour of the stage (or its first hour), and a quieter tenant's last baseline hour.
  const stageHour = Math.floor(layout.stageStartedAt.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
  const sample = await withPgClient(dbUrl, async (c) => [
    await checkRollupsLikeIngest(c, rollupDeltas, serviceId, { releaseId: releases.c, arm: "canary", tenant: "t00", hour: new Date(stageHour + 3_600_000 <= now.getTime() ? stageHour : stageHour - 3_600_000) }),
    await checkRollupsLikeIngest(c, rollupDeltas, serviceId, { releaseId: releases.b, arm: "stable", tenant: `t${String(Math.min(3, TENANTS - 1)).padStart(2, "0")}`, hour: new Date(layout.baselineTo.getTime() - 3_600_000) }),
  ]);
  log(`rollup rows = the app's rollupDeltas of the raw events, for a canary and a stable tenant-hour (${sample.map((s) => `${fmt(s.events)} events → ${s.rows} rows`).join(", ")})`);

  // ---- the two ways to compare --------------------------------------------------------------
  const input = { serviceId, canaryReleaseId: releases.c, stageStartedAt: layout.stageStartedAt, now };
  const judge = (totals) => judgeStage({ canary: totals.canary, baseline: totals.baseline, stageStartedAt: input.stageStartedAt, now, settings });

  rawPool = new pg.Pool({ connectionString: dbUrl, max: 2 });
  const toTotals = (row) => ({ ...Object.fromEntries(TOTALS_SUM_FIELDS.map((f) => [f, Number(row[f])])), latencyHistogram: row.hist.map(Number) });
  /**
   * stageComparisonTotals' selections, on raw events: buckets [from, to) hold events [from, ceil-to-bucket(to)).
   * The canary side starts at the stage's first whole minute, as the store's does.
   */
  async function rawStageComparisonTotals() {
    const minute = 60_000;
    const canaryFrom = new Date(Math.ceil(input.stageStartedAt.getTime() / minute) * minute);
    const canaryTo = new Date(Math.ceil((now.getTime() + minute) / minute) * minute);
    const [canary, baseline] = await Promise.all([
      rawPool.query(rawTotalsSql(true, LATENCY_BUCKET_COUNT), [bounds, serviceId, "canary", canaryFrom.toISOString(), canaryTo.toISOString(), releases.c]),
      rawPool.query(rawTotalsSql(false, LATENCY_BUCKET_COUNT), [bounds, serviceId, "stable", layout.baselineFrom.toISOString(), layout.baselineTo.toISOString()]),
    ]);
    return { canary: toTotals(canary.rows[0]), baseline: toTotals(baseline.rows[0]) };
  }
  /** Diagnostic, not the app's code: the same rollup rows, histograms summed by index (see indexedRollupTotalsSql). */
  async function indexedHistogramTotals() {
    const minute = 60_000;
    const canaryFrom = new Date(Math.ceil(input.stageStartedAt.getTime() / minute) * minute);
    const [canary, baseline] = await Promise.all([
      rawPool.query(indexedRollupTotalsSql("minute", true, LATENCY_BUCKET_COUNT), [serviceId, "canary", canaryFrom.toISOString(), new Date(now.getTime() + minute).toISOString(), releases.c]),
      rawPool.query(indexedRollupTotalsSql("hour", false, LATENCY_BUCKET_COUNT), [serviceId, "stable", layout.baselineFrom.toISOString(), layout.baselineTo.toISOString()]),
    ]);
    return { canary: toTotals(canary.rows[0]), baseline: toTotals(baseline.rows[0]) };
  }
  async function timed(totalsOf) {
    const t0 = performance.now();
    const totals = await totalsOf();
    const t1 = performance.now();
    const judgement = judge(totals);
    const t2 = performance.now();
    return { ms: t2 - t0, sqlMs: t1 - t0, judgeMs: t2 - t1, totals, judgement };
  }
  const viaRollups = () => timed(() => stageComparisonTotals(db, input));
  const viaRaw = () => timed(rawStageComparisonTotals);
  const viaIndexed = () => timed(indexedHistogramTotals);

  const same = (a, b) =>
    ["canary", "baseline"].every((side) => TOTALS_SUM_FIELDS.every((f) => a[side][f] === b[side][f]) && a[side].latencyHistogram.every((n, i) => n === b[side].latencyHistogram[i]));
  // Warm-up (pools, module JIT, catalog caches); then each raw run followed by its share of the
  // rollup runs, each rollup run paired with a run of the diagnostic variant.
  for (let i = 0; i < 3; i++) {
    await viaRollups();
    await viaIndexed();
  }
  const loadAverage = { atStart: +os.loadavg()[0].toFixed(2) };
  const rollupRuns = [];
  const rawRuns = [];
  const indexedRuns = [];
  for (let r = 0; r < RAW_RUNS; r++) {
    const raw = await viaRaw();
    rawRuns.push(raw);
    log(`raw events: ${fmt(Math.round(raw.ms))} ms (run ${r + 1}/${RAW_RUNS})`);
    const share = Math.ceil((RUNS * (r + 1)) / RAW_RUNS) - rollupRuns.length;
    for (let i = 0; i < share; i++) {
      rollupRuns.push(await viaRollups());
      indexedRuns.push(await viaIndexed());
    }
    log(`rollups: ${rollupRuns.slice(-share).map((x) => x.ms.toFixed(1)).join(", ")} ms`);
  }
  loadAverage.atEnd = +os.loadavg()[0].toFixed(2);
  const reference = rollupRuns[0].totals;
  const allEqual = [...rollupRuns, ...rawRuns, ...indexedRuns].every((x) => same(x.totals, reference));
  if (!allEqual) {
    console.error("rollups:", JSON.stringify(reference), "\nraw:", JSON.stringify(rawRuns[0].totals));
    throw new Error("The rollup totals and the raw-event totals differ");
  }
  const expectedBaseline = await rawPool.query(
    `select count(*)::float8 as n from outcome_events where service_id = $1 and arm = 'stable' and occurred_at >= $2 and occurred_at < $3`,
    [serviceId, layout.baselineFrom.toISOString(), layout.baselineTo.toISOString()],
  );
  if (reference.baseline.requests !== expectedBaseline.rows[0].n) throw new Error("Baseline requests differ from a plain count of the raw events");
  log(`totals equal, field by field and bucket by bucket: canary ${fmt(reference.canary.requests)} requests, baseline ${fmt(reference.baseline.requests)} requests`);

  const rollupRowsRead = await withPgClient(dbUrl, (c) =>
    c.query(
      `select count(*) filter (where granularity = 'minute' and arm = 'canary' and release_id = $2 and bucket_start >= $3)::int as canary,
        count(*) filter (where granularity = 'hour' and arm = 'stable' and bucket_start >= $4 and bucket_start < $5)::int as baseline
       from outcome_rollups where service_id = $1`,
      [serviceId, releases.c, new Date(Math.ceil(layout.stageStartedAt.getTime() / 60_000) * 60_000).toISOString(), layout.baselineFrom.toISOString(), layout.baselineTo.toISOString()],
    ).then((r) => r.rows[0]),
  );

  // ---- result ------------------------------------------------------------------------------
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const stats = (xs) => ({ p50: +pct(sorted(xs), 50).toFixed(2), p95: +pct(sorted(xs), 95).toFixed(2), min: +sorted(xs)[0].toFixed(2), max: +sorted(xs).at(-1).toFixed(2) });
  const rollupMs = stats(rollupRuns.map((x) => x.ms));
  const judgement = rollupRuns[0].judgement;
  const result = {
    bench: "canary-compare",
    postgres: facts.version,
    events,
    requestedEvents: REQUESTED_EVENTS,
    scaledDown: events < REQUESTED_EVENTS,
    tenants: TENANTS,
    partitions: plans.length,
    layout: { baselineFrom: layout.baselineFrom, baselineTo: layout.baselineTo, stageStartedAt: layout.stageStartedAt, now },
    storage: { eventsHeapGiB: +(facts.heap / 2 ** 30).toFixed(2), eventsIndexGiB: +(facts.index / 2 ** 30).toFixed(2), rollupsMiB: +(facts.rollups / 2 ** 20).toFixed(1), minuteRollupRows: facts.minute_rows, hourRollupRows: facts.hour_rows, inDefaultPartition: facts.in_default },
    machine: { cpus: os.cpus().length, loadAverage1m: loadAverage },
    generation: { seconds: generationSec, phaseMsSummedOverWorkers: phaseMs, workers: WORKERS },
    rollupRowsRead,
    rollupComparisonMs: { runs: rollupRuns.length, ...rollupMs, sqlP50: +pct(sorted(rollupRuns.map((x) => x.sqlMs)), 50).toFixed(2), judgeP50: +pct(sorted(rollupRuns.map((x) => x.judgeMs)), 50).toFixed(3) },
    rawComparisonMs: { runs: rawRuns.map((x) => Math.round(x.ms)), median: Math.round(pct(sorted(rawRuns.map((x) => x.ms)), 50)) },
    diagnosticIndexedHistogramMs: { note: "same rollup rows, histogram as array[sum(h[1]), …] instead of unnest … group by; not the app's code", runs: indexedRuns.length, ...stats(indexedRuns.map((x) => x.ms)) },
    ratioRawToRollups: Math.round(pct(sorted(rawRuns.map((x) => x.ms)), 50) / rollupMs.p50),
    totals: { canaryRequests: reference.canary.requests, baselineRequests: reference.baseline.requests },
    judgement: { verdict: judgement.verdict, metrics: judgement.metrics.map((m) => ({ metric: m.metric, canary: m.canary, baseline: m.baseline, verdict: m.verdict })) },
    checks: { sqlBucketIsLatencyBucketIndex: bucketMismatches === 0, rollupRowsMatchRollupDeltas: true, rollupTotalsEqualRawTotals: allEqual, emptyDefaultPartition: facts.in_default === 0 },
    target: `stageComparisonTotals + judgeStage, median and p95 <= ${TARGET_MS} ms`,
    pass: rollupMs.p50 <= TARGET_MS && rollupMs.p95 <= TARGET_MS && allEqual && facts.in_default === 0,
  };
  console.log(
    `\n${fmt(events)} events: rollup comparison p50 ${rollupMs.p50} ms, p95 ${rollupMs.p95} ms (${rollupRowsRead.canary} + ${rollupRowsRead.baseline} rollup rows) | raw events median ${fmt(result.rawComparisonMs.median)} ms | ${fmt(result.ratioRawToRollups)}× | verdict ${judgement.verdict} | diagnostic, histogram summed by index: p50 ${result.diagnosticIndexedHistogramMs.p50} ms`,
  );
  console.log(`RESULT ${JSON.stringify(result)}`);
  if (!result.pass) exitCode = 1;
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
