import { tmpdir } from "node:os";
import { eq, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DbHandle } from "@/db/client";
import { migrateDatabase } from "@/db/migrate";
import { services, users } from "@/db/schema";
import { seedDemo } from "@/db/seed";
import { requestedTestDbKind } from "@/db/testing";
import { createApiToken } from "@/lib/api/tokens";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { createOutcomeService, keyCount, makeEvents, rawTotals, rollupTotals, type OutcomeTestService, type OutcomeTotals, type RawOutcomeEvent } from "@/lib/outcomes/test-fixtures";
import { createChangegateClient, type ChangegateClient } from "@/lib/sdk/client";
import { createOutcomeEventBatcher } from "@/lib/sdk/events";
import { TOKEN_MEMORY_MS } from "./access";
import { LISTENER_APPLICATION_NAME } from "./pointer-listener";
import { startInstanceProcess, type InstanceProcess } from "./testing/instance-process";
import { startThrowawayPostgres, throwawayPostgresSupport, type ThrowawayPostgres } from "./testing/throwaway-postgres";

/**
 * Faults of issues 4 and 5: PostgreSQL goes away under a running app instance. The instance
 * (lib/runtime/testing/instance-server.ts: the server's boot and the real route handlers) runs on
 * a throwaway cluster of this file's own (testing/throwaway-postgres.ts) — the shared test server
 * is never stopped. PostgreSQL only: PGlite lives inside the app process and cannot be stopped.
 *
 * 1. Stopped while SDKs are connected: SDKs keep resolving the last config; the instance answers
 *    from memory, then 503 once it can no longer check tokens; when PostgreSQL returns, the
 *    instance (same process) hears pointer changes again and a rollback reaches every SDK.
 * 2. Restarted (crash, -m immediate) during ingestion: the SDK batcher retries; every event is
 *    stored exactly once, in raw events, idempotency keys and rollups.
 */

const onPostgres = requestedTestDbKind() === "postgres";
const support = throwawayPostgresSupport();
if (onPostgres && !support.available) console.warn(`[postgres-restart] skipped: ${support.reason}`);
const skipped = onPostgres && !support.available ? ` (skipped: ${support.reason})` : "";

const SERVICE = "support-assistant";
/** Every request the test makes must be answered within this; a hang is a failure, not a wait. */
const ANSWER_WITHIN_MS = 3_000;

let cluster: ThrowawayPostgres | undefined;
let instance: InstanceProcess | undefined;
const clients: ChangegateClient[] = [];
/** The seeded service's token (read, write, operator). */
let token = "";
/** A read token of the same service that the instance has never seen (minted for the outage). */
let freshReadToken = "";
/** Another service's token: the instance never checked it, nor loaded that service. */
let otherService = { slug: "", token: "" };
let outcomeService: OutcomeTestService;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withDatabase<T>(work: (handle: DbHandle) => Promise<T>): Promise<T> {
  const handle = await openDatabase({ url: cluster!.url, dataDir: tmpdir() });
  try {
    return await work(handle);
  } finally {
    await handle.close();
  }
}

interface Answer {
  status: number;
  body: { releaseId?: string; error?: { code?: string; message?: string } } | null;
  text: string;
  retryAfter: string | null;
}

async function call(path: string, bearer: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${instance!.base}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${bearer}`, ...(init.body ? { "content-type": "application/json" } : {}) },
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  const text = await response.text();
  let body: Answer["body"] = null;
  try {
    body = JSON.parse(text) as Answer["body"];
  } catch {
    // Not JSON: the assertions on `body` say so.
  }
  return { status: response.status, body, text, retryAfter: response.headers.get("retry-after") };
}

const configOf = (slug: string, bearer: string) => call(`/api/v1/services/${slug}/config?subject=user-1`, bearer);

/** A 503 the SDK retries and an engineer understands: JSON `{error:{code,message}}`, Retry-After, no stack. */
function expectUnavailable(answer: Answer) {
  expect(answer.status, answer.text).toBe(503);
  expect(answer.body?.error?.code).toBe("unavailable");
  expect(answer.body?.error?.message).toMatch(/database is unreachable/);
  expect(answer.retryAfter).toBe("1");
  expect(answer.text).not.toMatch(/\n\s+at /);
}

describe.skipIf(!onPostgres || !support.available)(`PostgreSQL stopped and restarted under a running instance${skipped}`, () => {
  beforeAll(async () => {
    cluster = await startThrowawayPostgres();
    await withDatabase(async (handle) => {
      await migrateDatabase(handle);
      const credentials = await seedDemo(handle.db, { now: new Date("2026-11-20T10:00:00Z") });
      token = credentials.tokens.find((t) => t.service === SERVICE)!.token;
      const other = credentials.tokens.find((t) => t.service !== SERVICE)!;
      otherService = { slug: other.service, token: other.token };
      const [service] = await handle.db.select({ id: services.id }).from(services).where(eq(services.slug, SERVICE));
      const [admin] = await handle.db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
      freshReadToken = (
        await handle.db.transaction((tx) => createApiToken(tx, { serviceId: service!.id, name: "outage probe", scopes: ["read"], createdById: admin!.id }))
      ).token;
      outcomeService = await createOutcomeService(handle.db, "restart-ingest");
    });
    instance = await startInstanceProcess({ databaseUrl: cluster.url });
  }, 120_000);

  afterAll(async () => {
    // Each step runs whatever the previous one did: nothing may outlive the file.
    await Promise.allSettled(clients.map((c) => c.close()));
    await instance?.stop().catch((err) => console.error("[postgres-restart] stopping the instance:", err));
    await cluster?.dispose().catch((err) => console.error("[postgres-restart] removing the cluster:", err));
  }, 60_000);

  it("SDKs keep serving the last config while PostgreSQL is stopped; the same instance recovers and delivers a rollback", async () => {
    const inst = instance!;
    const sdk = (stream: boolean) => {
      const client = createChangegateClient({
        baseUrl: inst.base,
        service: SERVICE,
        token,
        stream,
        pollIntervalMs: 250,
        requestTimeoutMs: 2_000,
        maxReconnectDelayMs: 1_000,
        onError: () => undefined, // health().lastError is what the test reads
      });
      clients.push(client);
      return client;
    };
    const streaming = [sdk(true), sdk(true)];
    const polling = sdk(false);
    const all = [...streaming, polling];
    await Promise.all(all.map((c) => c.ready()));
    await expect.poll(() => streaming.every((c) => c.health().streamConnected), { timeout: 5_000 }).toBe(true);

    const subjects = Array.from({ length: 40 }, (_, i) => ({ subject: `user-${i}`, tenant: ["acme-retail", "globex-bank", "initech"][i % 3]! }));
    const expected = subjects.map((who) => all[0]!.resolve(who));
    for (const client of all) expect(subjects.map((who) => client.resolve(who))).toEqual(expected);
    // The fresh token's first use is checked against the database and remembered for TOKEN_MEMORY_MS.
    const before = await configOf(SERVICE, freshReadToken);
    expect(before.status, before.text).toBe(200);

    // ---- PostgreSQL goes away.
    await cluster!.stop("fast");
    const stoppedAt = Date.now();
    // The other service's token was never checked here: nothing to answer with, at once.
    expectUnavailable(await configOf(otherService.slug, otherService.token));

    const configAnswers: { afterMs: number; answer: Answer }[] = [];
    const outageMs = TOKEN_MEMORY_MS + 2_000;
    while (Date.now() - stoppedAt < outageMs) {
      configAnswers.push({ afterMs: Date.now() - stoppedAt, answer: await configOf(SERVICE, freshReadToken) });
      // Every SDK keeps resolving exactly what it resolved before; none throws.
      for (const client of all) expect(subjects.map((who) => client.resolve(who))).toEqual(expected);
      await sleep(250);
    }
    // From memory while the token is remembered, then a clear 503 — never a 500, never a hang.
    const firstRefusal = configAnswers.findIndex((a) => a.answer.status !== 200);
    expect(firstRefusal, "still answering from memory after the token memory lapsed").not.toBe(-1);
    expect(firstRefusal, "the instance stopped answering from memory at once").toBeGreaterThan(0);
    for (const { answer } of configAnswers.slice(0, firstRefusal)) expect(answer.body).toEqual(before.body);
    for (const { answer } of configAnswers.slice(firstRefusal)) expectUnavailable(answer);
    const servedFromMemoryMs = configAnswers[firstRefusal]!.afterMs;
    expect(servedFromMemoryMs).toBeLessThanOrEqual(TOKEN_MEMORY_MS + 500);

    // Streaming SDKs are still connected to the (live) instance: the stream needs no database.
    for (const client of streaming) expect(client.health()).toMatchObject({ state: "live", streamConnected: true, pointerRevision: expected[0]!.pointerRevision });
    // The polling SDK's requests are refused with the 503: it says it serves a stale copy, and why.
    expect(polling.health()).toMatchObject({ state: "stale", pointerRevision: expected[0]!.pointerRevision });
    expect(polling.health().lastError).toMatch(/database is unreachable.*HTTP 503/);
    // An operator command cannot work without the database: a masked JSON error, no stack.
    const rollbackDuringOutage = await call(`/api/v1/services/${SERVICE}/rollbacks`, token, {
      method: "POST",
      body: JSON.stringify({ component: "prompt", reason: "during the outage" }),
    });
    expect(rollbackDuringOutage.status).toBe(503);
    expect(rollbackDuringOutage.body?.error).toEqual({ code: "unavailable", message: "Changegate cannot reach its database right now. Retry shortly." });
    expect(rollbackDuringOutage.text).not.toMatch(/\n\s+at /);
    expect(inst.alive()).toBe(true);

    // ---- PostgreSQL is back; the instance is the same process.
    await cluster!.start();
    const startedAt = Date.now();
    await expect.poll(() => inst.output().includes("pointer LISTEN connection re-established"), { timeout: 15_000, interval: 50 }).toBe(true);
    const listenBackMs = Date.now() - startedAt;
    const listeners = await withDatabase(async (handle) =>
      rowsOf<{ n: number }>(
        await handle.db.execute(sql`select count(*)::int as n from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and query ilike 'listen %'`),
      ),
    );
    expect(listeners[0]!.n).toBe(1);
    await expect.poll(async () => (await configOf(SERVICE, freshReadToken)).status, { timeout: 5_000, interval: 100 }).toBe(200);
    await expect.poll(() => polling.health().state, { timeout: 5_000, interval: 50 }).toBe("live");

    const status = await call(`/api/v1/services/${SERVICE}/status`, token);
    expect(status.status, status.text).toBe(200);
    const pointerRevision = (status.body as unknown as { pointer: { revision: number } }).pointer.revision;
    const rollback = await call(`/api/v1/services/${SERVICE}/rollbacks`, token, {
      method: "POST",
      body: JSON.stringify({ component: "prompt", reason: "latency regression after the outage", expectedPointerRevision: pointerRevision }),
    });
    const committedAt = Date.now();
    expect(rollback.status, rollback.text).toBe(201);
    const releaseId = rollback.body!.releaseId!;
    expect(releaseId).not.toBe(expected[1]!.releaseId);

    // Pushed through LISTEN/NOTIFY → the instance's cache → the stream; the poller on its next poll.
    const arrivedAfter = await Promise.all(
      all.map(async (client) => {
        await expect.poll(() => client.resolve({ subject: "user-1" }).releaseId, { timeout: 3_000, interval: 10 }).toBe(releaseId);
        return Date.now() - committedAt;
      }),
    );
    expect((await configOf(SERVICE, token)).body?.releaseId).toBe(releaseId);
    for (const ms of arrivedAfter.slice(0, streaming.length)) expect(ms).toBeLessThan(1_000);
    for (const client of all) expect(client.health().state).toBe("live");
    // The very process started in beforeAll: it never exited, so it recovered without a restart.
    expect(inst.alive()).toBe(true);
    console.log(
      `[postgres-restart] config from memory for ${servedFromMemoryMs} ms of the outage, then 503 (other service: 503 at once); ` +
        `operator rollback during the outage: ${rollbackDuringOutage.status} ${rollbackDuringOutage.body?.error?.code}; ` +
        `LISTEN back ${listenBackMs} ms after PostgreSQL started; rollback reached the SDKs in ${arrivedAfter.join(" / ")} ms (stream, stream, poll)`,
    );
  }, 60_000);

  it("PostgreSQL crashes and restarts during ingestion: the SDK retries; every event is stored exactly once", async () => {
    if (!cluster!.running) await cluster!.start();
    const events = makeEvents(outcomeService, { count: 2_000, prefix: `restart-${Date.now()}`, end: new Date(), spanMs: 20 * 60_000, seed: 5 });
    const answers: { status: number | "network"; accepted?: number; duplicates?: number; error?: { code?: string; message?: string }; text?: string }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      let response: Response;
      try {
        response = await fetch(input, init);
      } catch (err) {
        answers.push({ status: "network" });
        throw err;
      }
      const text = await response.clone().text();
      const body = (() => {
        try {
          return JSON.parse(text) as { accepted?: number; duplicates?: number; error?: { code?: string; message?: string } };
        } catch {
          return {};
        }
      })();
      answers.push({ status: response.status, accepted: body.accepted, duplicates: body.duplicates, error: body.error, text });
      return response;
    };
    const batcher = createOutcomeEventBatcher(
      { baseUrl: instance!.base, service: outcomeService.slug, token: outcomeService.tokens.write, fetch: recordingFetch, onError: () => undefined },
      { flushIntervalMs: 50, maxBatchSize: 50, initialBackoffMs: 100, maxBackoffMs: 1_000, requestTimeoutMs: 5_000 },
    );

    // 2,000 events at ~500/s. After 800 of them PostgreSQL crashes (-m immediate) while a batch's
    // transaction is in flight — held on a lock so the crash cannot fall between two batches — and
    // is back ~2 s later.
    const began = Date.now();
    let restart: Promise<{ downAt: number; upAt: number }> | null = null;
    for (let i = 0; i < events.length; i += 10) {
      if (i === 800) {
        restart = (async () => {
          await holdIngestionInFlight();
          await cluster!.stop("immediate");
          const downAt = Date.now() - began;
          await sleep(2_000);
          await cluster!.start();
          return { downAt, upAt: Date.now() - began };
        })();
        restart.catch(() => undefined); // awaited (and reported) after the loop
      }
      for (const event of events.slice(i, i + 10)) batcher.record(event);
      await sleep(20);
    }
    const recordedAt = Date.now() - began;
    const { downAt, upAt } = await restart!;
    await expect
      .poll(() => batcher.stats().queued, { timeout: 30_000, interval: 50, message: "the batcher did not drain: see the instance's output below" })
      .toBe(0)
      .catch((err: Error) => {
        throw new Error(`${err.message}\nstats: ${JSON.stringify(batcher.stats())}; instance alive: ${instance!.alive()}\n--- instance output ---\n${instance!.output().slice(-4_000)}`);
      });
    const drainedAt = Date.now() - began;
    const stats = await batcher.close();

    expect(stats).toMatchObject({ queued: 0, sent: events.length, dropped: 0, refused: 0 });
    expect(stats.failedAttempts).toBeGreaterThan(0);
    const failures = answers.filter((a) => a.status === "network" || a.status >= 300);
    expect(failures.length).toBe(stats.failedAttempts);
    // The outage is the server's problem, said as such: 503 "unavailable" (or no answer), never a 4xx or 500, no stack.
    for (const failure of failures) {
      if (failure.status === "network") continue;
      expect(failure.status, failure.text).toBe(503);
      expect(failure.error).toMatchObject({ code: "unavailable", message: expect.any(String) });
      expect(failure.text).not.toMatch(/\n\s+at /);
    }
    // Each event was accepted by exactly one answer (a retry of a batch that had in fact committed counts as duplicates).
    const ok = answers.filter((a) => a.status !== "network" && a.status < 300);
    expect(ok.reduce((n, a) => n + (a.accepted ?? 0), 0)).toBe(events.length);
    const duplicates = ok.reduce((n, a) => n + (a.duplicates ?? 0), 0);

    const stored = await withDatabase(async (handle) => {
      const [row] = rowsOf<{ n: number; distinct: number }>(
        await handle.db.execute(sql`select count(*)::int as n, count(distinct event_id)::int as distinct from outcome_events where service_id = ${outcomeService.id}`),
      );
      return {
        rows: row!.n,
        distinctIds: row!.distinct,
        keys: await keyCount(handle.db, outcomeService.id),
        raw: await rawTotals(handle.db, outcomeService.id),
        minute: await rollupTotals(handle.db, outcomeService.id, "minute"),
        hour: await rollupTotals(handle.db, outcomeService.id, "hour"),
      };
    });
    expect(stored).toMatchObject({ rows: events.length, distinctIds: events.length, keys: events.length });
    const sent = totalsOf(events);
    expectTotals(stored.raw, sent);
    expectTotals(stored.minute, sent);
    expectTotals(stored.hour, sent);
    expect(stored.minute.histogramTotal).toBe(events.length);
    expect(stored.hour.histogramTotal).toBe(events.length);

    expect(instance!.alive()).toBe(true);
    const statuses = failures.map((f) => f.status).reduce<Record<string, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});
    console.log(
      `[postgres-restart] ingestion: recorded 2,000 events in ${recordedAt} ms; PostgreSQL down at ${downAt} ms, up at ${upAt} ms; ` +
        `drained at ${drainedAt} ms; ${stats.failedAttempts} failed attempts (${JSON.stringify(statuses)}); ${duplicates} duplicates reported on retries`,
    );
  }, 60_000);
});

/**
 * Blocks the next outcome batch inside its transaction: a connection of the test locks the keys
 * table against inserts, until the instance's INSERT is seen waiting on it. The crash that follows
 * kills that lock holder too.
 */
async function holdIngestionInFlight(): Promise<void> {
  const blocker = new pg.Client({ connectionString: cluster!.url });
  blocker.on("error", () => undefined); // it dies with the server, on purpose
  await blocker.connect();
  await blocker.query("begin");
  await blocker.query("lock table outcome_event_keys in share row exclusive mode");
  await expect
    .poll(
      async () => {
        // Inside a transaction pg_stat_activity is read once and kept: clear that copy each time.
        await blocker.query("select pg_stat_clear_snapshot()");
        const { rows } = await blocker.query<{ n: number }>(
          // The keys go in by COPY (an INSERT … ON CONFLICT when a batch is retried): either waits here.
          "select count(*)::int as n from pg_stat_activity where pid <> pg_backend_pid() and wait_event_type = 'Lock' and (query ilike 'copy outcome_event_keys%' or query ilike '%insert into outcome_event_keys%')",
        );
        return rows[0]!.n;
      },
      { timeout: 10_000, interval: 20 },
    )
    .toBe(1);
}

/** What the sent events add up to, computed here rather than by the database. */
function totalsOf(events: readonly RawOutcomeEvent[]): OutcomeTotals {
  const count = (pick: (e: RawOutcomeEvent) => boolean) => events.filter(pick).length;
  const sum = (pick: (e: RawOutcomeEvent) => number) => events.reduce((s, e) => s + pick(e), 0);
  return {
    requests: events.length,
    resolved: count((e) => e.resolved),
    policyViolations: count((e) => e.policyViolation),
    falseRefusals: count((e) => e.falseRefusal),
    followUps: count((e) => e.followUp),
    fallbacks: count((e) => e.fallback),
    escalations: count((e) => e.escalated),
    manualCorrections: count((e) => e.manualCorrection),
    costUsd: sum((e) => e.costUsd),
    costUsdSq: sum((e) => e.costUsd * e.costUsd),
    costUsdResolved: sum((e) => (e.resolved ? e.costUsd : 0)),
    latencyMsSum: sum((e) => e.latencyMs),
    tokensIn: sum((e) => e.tokensIn),
    tokensOut: sum((e) => e.tokensOut),
  };
}

function expectTotals(actual: OutcomeTotals, expected: OutcomeTotals) {
  for (const key of Object.keys(expected) as (keyof OutcomeTotals)[]) {
    if (key.startsWith("costUsd")) expect(actual[key], key).toBeCloseTo(expected[key], 9);
    else expect(actual[key], key).toBe(expected[key]);
  }
}
