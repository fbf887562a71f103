#!/usr/bin/env node
/**
 * Outcome-event ingestion throughput into real PostgreSQL (SPEC §3), next to the floor: a raw
 * `COPY … FROM STDIN` of the same rows into a plain table of the same shape, in the same database,
 * in the same run. Target: the real write path at ≥ 0.5× the COPY rate.
 *
 * A fresh database cg_bench_<random> on BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * migrated like the app's, dropped at the end. Per round, N events (as a client sends them: JSON
 * objects, ids `<round>-<i>`, times spread over the last `--span-minutes`, 2 releases/arms × 3
 * tenants; lib/outcomes/test-fixtures.ts makeEvents) for a fresh service, written three ways,
 * interleaved:
 *   - copy:   the same rows encoded as COPY text and streamed in ONE `COPY bench_copy_events FROM
 *             STDIN` (a plain, unpartitioned table with outcome_events' columns and its one index;
 *             no idempotency keys, no rollups, no validation);
 *   - copy-binary: the same rows in PostgreSQL's binary format (lib/outcomes/binary-copy.ts, as the
 *             write path sends them) streamed in ONE `COPY bench_copy_binary … (format binary)`
 *             through pg-copy-streams, into a second table of the same shape. The floor is the
 *             faster of the two COPYs in each round;
 *   - ingest: `ingestOutcomeEvents` (lib/outcomes/ingest.ts) in batches of 5,000 — validation,
 *             release lookup, idempotency keys, the partitioned events table, minute+hour rollups;
 *   - route:  the route handler `POST /api/v1/events` called in process with the bodies already
 *             serialised (adds token check, body reading, JSON.parse; no network, no Next.js).
 * Tables grow across rounds for all variants alike. A warm-up batch first creates the days'
 * partitions (done once a day in production) and warms the JIT. Median round per variant.
 * Prints one JSON line (prefixed "RESULT ") for bench/run.mjs.
 *
 *   node bench/ingest.mjs [--events 100000] [--rounds 3] [--span-minutes 60] [--order time|shuffled]
 *
 * The span and the order decide the rollup work: live traffic in time order (the default, the
 * last hour) touches a few dozen minute rows per batch; shuffled over the hour, every batch
 * touches all ~360; a backfill spread over days (--span-minutes 4320) about one new minute row
 * per event, which makes the rollup upsert the largest cost.
 *
 * It needs the TypeScript modules with the react-server condition (for `server-only`), as
 * `npm run db:seed` does: started without it, it starts itself again with
 * `--conditions=react-server --import tsx`. The text COPY goes through the `pg` client's
 * submittable-query hook (CopyData/CopyDone messages), see `copyFrom` below; the binary one through
 * pg-copy-streams, as the write path does.
 */
import { once } from "node:events";
import { parseArgs } from "node:util";
import { benchDatabase, BENCH_PG_SERVER_URL, rerunWithServerConditions, withPgClient } from "./lib.mjs";

rerunWithServerConditions(import.meta.url);

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "100000" },
    rounds: { type: "string", default: "3" },
    "span-minutes": { type: "string", default: "60" },
    order: { type: "string", default: "time" },
  },
});
const N = Math.max(5_000, Math.round(Number(values.events) / 5_000) * 5_000);
const ROUNDS = Math.max(1, Number(values.rounds));
const BATCH = 5_000;
/** How far back the events of a round reach: 60 min is live traffic; 4320 (3 days) a backfill. */
const SPAN_MS = Math.max(1, Number(values["span-minutes"])) * 60_000;
/**
 * "time": a round's events in time order, so batch i holds the i-th slice of the span — what a
 * live service's batcher sends (its events are seconds old). "shuffled": every batch spread
 * over the whole span, so each one adds to every minute's rollup rows (a backfill's pattern).
 */
const ORDER = values.order === "shuffled" ? "shuffled" : "time";

const pg = (await import("pg")).default;
const { name: dbName, url: dbUrl } = benchDatabase();

const admin = (text) => withPgClient(BENCH_PG_SERVER_URL, (c) => c.query(text));

// ---------------------------------------------------------------------------------------------
// COPY FROM STDIN through pg's submittable hook: the client hands the active query the
// CopyInResponse; we answer with CopyData chunks (waiting for the socket to drain) and CopyDone.

function copyFrom(client, text, chunks) {
  let resolve;
  let reject;
  const done = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let error = null;
  let rowCount = null;
  client.query({
    submit(connection) {
      connection.query(text);
    },
    handleCopyInResponse(connection) {
      (async () => {
        for (const chunk of chunks) {
          connection.sendCopyFromChunk(chunk);
          if (connection.stream.writableNeedDrain) await once(connection.stream, "drain");
        }
        connection.endCopyFrom();
      })().catch((err) => connection.sendCopyFail(String(err)));
    },
    handleCommandComplete(msg) {
      rowCount = Number(/\d+$/.exec(msg.text)?.[0] ?? NaN);
    },
    handleError(err) {
      error = err;
    },
    handleReadyForQuery() {
      if (error) reject(error);
      else resolve(rowCount);
    },
    handleRowDescription() {},
    handleDataRow() {},
    handleEmptyQuery() {},
    handlePortalSuspended() {},
    handleCopyData() {},
  });
  return done;
}

const COPY_COLUMNS =
  "service_id, event_id, occurred_at, release_id, arm, arm_name, tenant, component_versions, resolved, policy_violation, false_refusal, follow_up, fallback, escalated, manual_correction, cost_usd, latency_ms, tokens_in, tokens_out";
const ESCAPES = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
const esc = (s) => s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]);
const bool = (b) => (b ? "t" : "f");

/** The events as COPY text rows (what the write path stores), in ~1 MB chunks. */
function copyChunks(serviceId, events) {
  const chunks = [];
  let lines = [];
  let size = 0;
  for (const e of events) {
    const line = `${serviceId}\t${esc(e.eventId)}\t${e.occurredAt}\t${esc(e.releaseId)}\t${e.arm}\t${e.armName == null ? "\\N" : esc(e.armName)}\t${esc(e.tenant)}\t${esc(JSON.stringify(e.componentVersions))}\t${bool(e.resolved)}\t${bool(e.policyViolation)}\t${bool(e.falseRefusal)}\t${bool(e.followUp)}\t${bool(e.fallback)}\t${bool(e.escalated)}\t${bool(e.manualCorrection)}\t${e.costUsd}\t${e.latencyMs}\t${e.tokensIn}\t${e.tokensOut}\n`;
    lines.push(line);
    size += line.length;
    if (size >= 1 << 20) {
      chunks.push(Buffer.from(lines.join(""), "utf8"));
      lines = [];
      size = 0;
    }
  }
  if (lines.length) chunks.push(Buffer.from(lines.join(""), "utf8"));
  return chunks;
}

/** The same rows in binary COPY format, as the write path encodes them, into bench_copy_binary. */
async function copyBinary(client, serviceId, events) {
  const { Readable } = await import("node:stream");
  const { pipeline } = await import("node:stream/promises");
  const { from } = (await import("pg-copy-streams")).default;
  const { eventRowChunks, EVENT_COLUMNS } = await import("../lib/outcomes/event-copy.ts");
  const records = events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt), armName: e.armName ?? null }));
  const stream = client.query(from(`copy bench_copy_binary (${EVENT_COLUMNS.join(", ")}) from stdin (format binary)`));
  await pipeline(Readable.from(eventRowChunks(serviceId, records), { objectMode: false }), stream);
  return stream.rowCount;
}

// ---------------------------------------------------------------------------------------------

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rate = (n, ms) => Math.round(n / (ms / 1000));

let handle = null;
let copyClient = null;
let exitCode = 0;
const cleanup = async () => {
  await copyClient?.end().catch(() => undefined);
  await handle?.close().catch(() => undefined);
  await admin(`drop database if exists ${dbName} with (force)`).catch((err) => console.error(`could not drop ${dbName}: ${err.message}`));
};
process.on("SIGINT", () => cleanup().finally(() => process.exit(130)));
process.on("SIGTERM", () => cleanup().finally(() => process.exit(143)));

try {
  await admin(`create database ${dbName}`);
  // The route handler's getDb() opens the database named by DATABASE_URL: this one.
  process.env.DATABASE_URL = dbUrl;
  process.env.CHANGEGATE_DEMO = "off";
  const { getDbHandle } = await import("../db/client.ts");
  const { migrateDatabase } = await import("../db/migrate.ts");
  const { ingestOutcomeEvents } = await import("../lib/outcomes/ingest.ts");
  const { validateOutcomeBatch } = await import("../lib/outcomes/batch.ts");
  const { createOutcomeService, makeEvents } = await import("../lib/outcomes/test-fixtures.ts");
  const { POST } = await import("../app/api/v1/events/route.ts");

  handle = await getDbHandle();
  await migrateDatabase(handle);
  const db = handle.db;
  copyClient = new pg.Client({ connectionString: dbUrl });
  await copyClient.connect();
  await copyClient.query(`
    create table bench_copy_events (
      service_id uuid not null, event_id text not null, occurred_at timestamptz not null, release_id text not null,
      arm outcome_arm not null, arm_name text, tenant text not null, component_versions jsonb not null,
      resolved boolean not null, policy_violation boolean not null, false_refusal boolean not null, follow_up boolean not null,
      fallback boolean not null, escalated boolean not null, manual_correction boolean not null,
      cost_usd double precision not null, latency_ms integer not null, tokens_in integer not null, tokens_out integer not null,
      received_at timestamptz not null default now())`);
  await copyClient.query("create index on bench_copy_events (service_id, release_id, occurred_at)");
  await copyClient.query("create table bench_copy_binary (like bench_copy_events including all)");

  const now = new Date();
  const services = [];
  for (let i = 0; i < ROUNDS * 2 + 2; i++) services.push(await createOutcomeService(db, `bench-${i}`));
  const inOrder = (events) => (ORDER === "time" ? events.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0)) : events);
  const eventsFor = (svc, prefix) => inOrder(makeEvents(svc, { count: N, prefix, end: now, spanMs: SPAN_MS, seed: prefix.length * 7919 + N }));

  const ingestAll = async (svc, events) => {
    for (let i = 0; i < events.length; i += BATCH) {
      const r = await ingestOutcomeEvents(db, { serviceId: svc.id, events: events.slice(i, i + BATCH), now });
      if (r.accepted !== Math.min(BATCH, events.length - i)) throw new Error(`ingest accepted ${r.accepted}: ${JSON.stringify(r.rejected.slice(0, 3))}`);
    }
  };
  const postAll = async (svc, bodies) => {
    for (const body of bodies) {
      const res = await POST(new Request("http://localhost/api/v1/events", { method: "POST", headers: { authorization: `Bearer ${svc.tokens.write}`, "content-type": "application/json" }, body }), undefined);
      const json = await res.json();
      if (res.status !== 200 || json.accepted !== BATCH) throw new Error(`route answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    }
  };

  // Warm-up: the days' partitions, the JIT, the pool, one COPY.
  {
    const svc = services.at(-1);
    const warm = makeEvents(svc, { count: BATCH, prefix: "warm", end: now, spanMs: SPAN_MS, seed: 1 });
    await ingestAll(svc, warm);
    await copyFrom(copyClient, `copy bench_copy_events (${COPY_COLUMNS}) from stdin`, copyChunks(svc.id, warm));
    await copyBinary(copyClient, svc.id, warm);
  }

  const ms = { copy: [], copyBinary: [], floor: [], ingest: [], route: [], validate: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const ingestSvc = services[round * 2];
    const routeSvc = services[round * 2 + 1];
    const events = eventsFor(ingestSvc, `i${round}`);
    const routeEvents = eventsFor(routeSvc, `r${round}`);

    // copy: the same rows the ingest variant writes this round.
    let t = performance.now();
    const copied = await copyFrom(copyClient, `copy bench_copy_events (${COPY_COLUMNS}) from stdin`, copyChunks(ingestSvc.id, events));
    ms.copy.push(performance.now() - t);
    if (copied !== N) throw new Error(`COPY wrote ${copied} rows, not ${N}`);

    t = performance.now();
    const copiedBinary = await copyBinary(copyClient, ingestSvc.id, events);
    ms.copyBinary.push(performance.now() - t);
    if (copiedBinary !== N) throw new Error(`binary COPY wrote ${copiedBinary} rows, not ${N}`);
    ms.floor.push(Math.min(ms.copy.at(-1), ms.copyBinary.at(-1)));

    t = performance.now();
    await ingestAll(ingestSvc, events);
    ms.ingest.push(performance.now() - t);

    // The client's JSON.stringify is not the server's work.
    const bodies = [];
    for (let i = 0; i < N; i += BATCH) bodies.push(JSON.stringify({ events: routeEvents.slice(i, i + BATCH) }));
    t = performance.now();
    await postAll(routeSvc, bodies);
    ms.route.push(performance.now() - t);

    // Diagnostic: validation alone (pure, no database).
    const releases = new Map(ingestSvc.releaseIds.map((id) => [id, { serviceId: ingestSvc.id, serviceSlug: ingestSvc.slug }]));
    t = performance.now();
    for (let i = 0; i < N; i += BATCH) validateOutcomeBatch({ events: events.slice(i, i + BATCH), service: { id: ingestSvc.id, slug: ingestSvc.slug, retentionDays: 30 }, releases, now });
    ms.validate.push(performance.now() - t);

    console.log(
      `round ${round + 1}/${ROUNDS}: copy ${rate(N, ms.copy.at(-1))}/s, copy-binary ${rate(N, ms.copyBinary.at(-1))}/s, ingest ${rate(N, ms.ingest.at(-1))}/s, route ${rate(N, ms.route.at(-1))}/s, validation alone ${rate(N, ms.validate.at(-1))}/s`,
    );
  }

  // Diagnostic, not timed above: one more ingest round with each statement's time recorded.
  const breakdown = await (async () => {
    const svc = services[ROUNDS * 2];
    const events = eventsFor(svc, "diag");
    const stages = {};
    const stageOf = (query) => {
      const text = String(query?.queryChunks?.[0]?.value?.[0] ?? "").trim().replace(/\s+/g, " ");
      if (text.startsWith("insert into outcome_event_keys")) return "keysInsert";
      if (text.startsWith("insert into outcome_events")) return "eventsInsert";
      if (text.startsWith("insert into outcome_rollups")) return "rollupsUpsert";
      return "otherStatements";
    };
    const instrument = (target) => {
      const execute = target.execute.bind(target);
      target.execute = async (query) => {
        const t0 = performance.now();
        try {
          return await execute(query);
        } finally {
          const stage = stageOf(query);
          stages[stage] = (stages[stage] ?? 0) + performance.now() - t0;
        }
      };
    };
    // COPY goes around drizzle (pg-copy-streams on the transaction's client): time each COPY
    // stream from its query() call to its end.
    const clientQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config, ...rest) {
      const text = typeof config?.text === "string" ? config.text : "";
      if (!text.startsWith("copy ")) return clientQuery.call(this, config, ...rest);
      const stage = text.startsWith("copy outcome_event_keys") ? "keysCopy" : "eventsCopy";
      const t0 = performance.now();
      const stream = clientQuery.call(this, config, ...rest);
      const done = () => (stages[stage] = (stages[stage] ?? 0) + performance.now() - t0);
      stream.once("finish", done);
      stream.once("error", done);
      return stream;
    };
    const diagDb = Object.create(db);
    instrument(diagDb);
    diagDb.transaction = (fn, config) => db.transaction((tx) => (instrument(tx), fn(tx)), config);
    const releases = new Map(svc.releaseIds.map((id) => [id, { serviceId: svc.id, serviceSlug: svc.slug }]));
    let validation = 0;
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += BATCH) {
      const batch = events.slice(i, i + BATCH);
      const v0 = performance.now();
      validateOutcomeBatch({ events: batch, service: { id: svc.id, slug: svc.slug, retentionDays: 30 }, releases, now });
      validation += performance.now() - v0;
      await ingestOutcomeEvents(diagDb, { serviceId: svc.id, events: batch, now });
    }
    const total = performance.now() - t0 - validation;
    pg.Client.prototype.query = clientQuery;
    const statements = Object.values(stages).reduce((a, b) => a + b, 0);
    // validation is measured on a second, identical call: ingestOutcomeEvents validates too (inside "rest").
    return Object.fromEntries(
      Object.entries({ total, ...stages, validation, restInJs: total - statements - validation }).map(([k, v]) => [k, Math.round(v)]),
    );
  })();
  console.log(`where an ingest round's time goes (ms, ${N.toLocaleString("en-US")} events): ${JSON.stringify(breakdown)}`);

  // Sanity: the COPY table holds exactly what the write path stored for the same services.
  const check = await copyClient.query(`
    with a as (select service_id, count(*) n, sum(latency_ms) l, sum(tokens_in) t, sum(cost_usd)::numeric(20,9) c from bench_copy_events group by 1),
         b as (select service_id, count(*) n, sum(latency_ms) l, sum(tokens_in) t, sum(cost_usd)::numeric(20,9) c from outcome_events group by 1),
         c as (select service_id, count(*) n, sum(latency_ms) l, sum(tokens_in) t, sum(cost_usd)::numeric(20,9) c from bench_copy_binary group by 1)
    select count(*)::int as differing from a full join b using (service_id) full join c using (service_id)
    where b.service_id in (select service_id from a)
      and ((a.n, a.l, a.t, a.c) is distinct from (b.n, b.l, b.t, b.c) or (c.n, c.l, c.t, c.c) is distinct from (b.n, b.l, b.t, b.c))`);
  const sizes = await copyClient.query(`
    select (select count(*) from outcome_events)::int as events, (select count(*) from outcome_event_keys)::int as keys,
      (select count(*) from outcome_rollups)::int as rollups, (select count(*) from bench_copy_events)::int as copied, (select count(*) from bench_copy_binary)::int as copied_binary,
      (select count(*) from outcome_events_default)::int as in_default`);
  const version = (await copyClient.query("show server_version")).rows[0].server_version;

  const perSec = {
    copy: rate(N, median(ms.copy)),
    copyBinary: rate(N, median(ms.copyBinary)),
    floor: rate(N, median(ms.floor)),
    ingest: rate(N, median(ms.ingest)),
    route: rate(N, median(ms.route)),
    validateOnly: rate(N, median(ms.validate)),
  };
  // Against the faster COPY of each round (median over rounds).
  const ratioIngest = +(perSec.ingest / perSec.floor).toFixed(2);
  const ratioRoute = +(perSec.route / perSec.floor).toFixed(2);
  const result = {
    bench: "ingest",
    postgres: version,
    eventsPerRound: N,
    spanMinutes: SPAN_MS / 60_000,
    order: ORDER,
    rounds: ROUNDS,
    batch: BATCH,
    eventsPerSec: perSec,
    ingestBreakdownMs: breakdown,
    roundMs: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v.map((x) => Math.round(x))])),
    ratioIngestToCopy: ratioIngest,
    ratioRouteToCopy: ratioRoute,
    tables: sizes.rows[0],
    copyMatchesIngest: check.rows[0].differing === 0,
    target: "ingestOutcomeEvents >= 0.5x the faster COPY's rows/s",
    pass: ratioIngest >= 0.5 && check.rows[0].differing === 0 && sizes.rows[0].in_default === 0,
  };
  console.log(`\ncopy ${perSec.copy}/s | copy-binary ${perSec.copyBinary}/s | floor ${perSec.floor}/s | ingest ${perSec.ingest}/s (${ratioIngest}×) | route ${perSec.route}/s (${ratioRoute}×) | validation alone ${perSec.validateOnly}/s`);
  console.log(`RESULT ${JSON.stringify(result)}`);
  if (!result.pass) exitCode = 1;
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
