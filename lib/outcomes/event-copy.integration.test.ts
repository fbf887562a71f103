import { asc, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outcomeEvents } from "@/db/schema";
import { requestedTestDbKind, testDb } from "@/db/testing";
import { pgConnectionOf } from "./event-copy";
import { ingestOutcomeEvents } from "./ingest";
import { rowsOf } from "./partition-store";
import { createOutcomeService, keyCount, makeEvents, rawTotals, rollupTotals, type OutcomeTestService } from "./test-fixtures";

/**
 * The binary COPY write (real PostgreSQL) must store exactly what the INSERT path (PGlite) does:
 * the same assertions run on both databases. Values chosen at the edges of the encoding: text
 * with quotes, backslashes and characters of 2–4 UTF-8 bytes, a null and a set armName, JSON that
 * needs escaping, fractional and tiny costs, a latency that rounds, the largest counts, times
 * with milliseconds and with an offset.
 */

const NOW = new Date();
let svc: OutcomeTestService;

beforeAll(async () => {
  svc = await createOutcomeService(testDb(), "copy");
});

describe("the bulk write of outcome events", () => {
  it(`takes the ${requestedTestDbKind() === "postgres" ? "COPY" : "INSERT"} path inside a transaction on ${requestedTestDbKind()}`, async () => {
    const connection = await testDb().transaction(async (tx) => pgConnectionOf(tx));
    if (requestedTestDbKind() === "postgres") expect(connection).not.toBeNull();
    else expect(connection).toBeNull();
    // Outside a transaction (the pool, or PGlite) there is no one connection to COPY on.
    expect(pgConnectionOf(testDb())).toBeNull();
  });

  it("stores every field exactly as sent, whatever its bytes", async () => {
    const at = (msAgo: number) => new Date(NOW.getTime() - msAgo);
    const base = {
      releaseId: svc.releaseIds[0],
      arm: "stable",
      componentVersions: { prompt: "assist-v1" },
      latencyMs: 100,
    };
    const sent = [
      { ...base, eventId: 'q-"quoted" \\back\\slash', occurredAt: at(60_000).toISOString(), tenant: "O'Brien & Söhne", armName: null, costUsd: 0.000001 },
      { ...base, eventId: "utf8-é-中文-😀", occurredAt: at(120_000).toISOString(), arm: "experiment", armName: "Variant «B» 😀", tenant: "テナント", costUsd: 999.99, latencyMs: 12.5 },
      { ...base, eventId: "json", occurredAt: at(180_000).toISOString(), tenant: "t", componentVersions: { prompt: 'v"1\\n', policy: "päß-😀", routing: "r" }, tokensIn: 10_000_000, tokensOut: 0, latencyMs: 86_400_000 },
      // +05:30 names the same instant as its UTC form.
      { ...base, eventId: "offset", occurredAt: new Date(Math.floor(at(240_000).getTime() / 1000) * 1000 + 123).toISOString().replace("Z", "+00:00"), tenant: "t", resolved: true, falseRefusal: true, manualCorrection: true },
    ];
    const result = await ingestOutcomeEvents(testDb(), { serviceId: svc.id, events: sent, now: NOW });
    expect(result).toMatchObject({ accepted: sent.length, duplicates: 0, rejected: [] });

    const stored = await testDb().select().from(outcomeEvents).where(eq(outcomeEvents.serviceId, svc.id)).orderBy(asc(outcomeEvents.occurredAt));
    expect(stored.map((e) => e.eventId)).toEqual(["offset", "json", "utf8-é-中文-😀", 'q-"quoted" \\back\\slash']);
    const byId = new Map(stored.map((e) => [e.eventId, e]));
    expect(byId.get('q-"quoted" \\back\\slash')).toMatchObject({ tenant: "O'Brien & Söhne", armName: null, costUsd: 0.000001, arm: "stable", resolved: false, occurredAt: new Date(sent[0]!.occurredAt) });
    expect(byId.get("utf8-é-中文-😀")).toMatchObject({ arm: "experiment", armName: "Variant «B» 😀", tenant: "テナント", costUsd: 999.99, latencyMs: 13 });
    expect(byId.get("json")).toMatchObject({ componentVersions: { prompt: 'v"1\\n', policy: "päß-😀", routing: "r" }, tokensIn: 10_000_000, tokensOut: 0, latencyMs: 86_400_000 });
    expect(byId.get("offset")).toMatchObject({ occurredAt: new Date(sent[3]!.occurredAt), resolved: true, falseRefusal: true, manualCorrection: true, policyViolation: false });
  });

  it("when part of a batch was stored before, stores only the rest and counts it once, in the same transaction", async () => {
    const other = await createOutcomeService(testDb(), "copy-retry");
    const events = makeEvents(other, { count: 400, prefix: "r", end: NOW, seed: 7 });
    expect(await ingestOutcomeEvents(testDb(), { serviceId: other.id, events: events.slice(0, 150), now: NOW })).toMatchObject({ accepted: 150, duplicates: 0 });
    // 150 stored keys among 400: on PostgreSQL the keys' COPY fails, and the batch falls back to ON CONFLICT.
    expect(await ingestOutcomeEvents(testDb(), { serviceId: other.id, events, now: NOW })).toMatchObject({ accepted: 250, duplicates: 150, rejected: [] });
    expect(await ingestOutcomeEvents(testDb(), { serviceId: other.id, events, now: NOW })).toMatchObject({ accepted: 0, duplicates: 400 });

    const raw = await rawTotals(testDb(), other.id);
    expect(raw.requests).toBe(400);
    expect(await keyCount(testDb(), other.id)).toBe(400);
    const [{ distinct }] = rowsOf<{ distinct: number }>(await testDb().execute(sql`select count(distinct event_id)::int as distinct from outcome_events where service_id = ${other.id}`)) as [{ distinct: number }];
    expect(distinct).toBe(400);
    for (const granularity of ["minute", "hour"] as const) {
      const rolled = await rollupTotals(testDb(), other.id, granularity);
      expect(rolled.requests).toBe(400);
      expect(rolled.resolved).toBe(raw.resolved);
      expect(rolled.latencyMsSum).toBe(raw.latencyMsSum);
      expect(rolled.histogramTotal).toBe(400);
    }
  });
});
