import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { outcomeRollups } from "@/db/schema";
import { testDb } from "@/db/testing";
import { LATENCY_BUCKET_COUNT, latencyBucketIndex } from "@/lib/canary/histogram";
import { ingestOutcomeEvents } from "./ingest";
import { listEventPartitions, rowsOf } from "./partition-store";
import { createOutcomeService, keyCount, makeEvents, rawTotals, rollupTotals, type OutcomeTestService } from "./test-fixtures";

const NOW = new Date();
const HOUR = 3_600_000;

let svc: OutcomeTestService;
let other: OutcomeTestService;

beforeAll(async () => {
  svc = await createOutcomeService(testDb(), "ingest");
  other = await createOutcomeService(testDb(), "ingest-other");
});

const ingest = (service: OutcomeTestService, events: readonly unknown[], now = NOW) => ingestOutcomeEvents(testDb(), { serviceId: service.id, events, now });

function expectRollupsMatchRaw(raw: Awaited<ReturnType<typeof rawTotals>>, rolled: Awaited<ReturnType<typeof rollupTotals>>) {
  for (const key of ["requests", "resolved", "policyViolations", "falseRefusals", "followUps", "fallbacks", "escalations", "manualCorrections", "latencyMsSum", "tokensIn", "tokensOut"] as const) {
    expect(rolled[key], key).toBe(raw[key]);
  }
  expect(rolled.costUsd).toBeCloseTo(raw.costUsd, 9);
  expect(rolled.costUsdSq).toBeCloseTo(raw.costUsdSq, 12);
  expect(rolled.costUsdResolved).toBeCloseTo(raw.costUsdResolved, 9);
  expect(rolled.histogramTotal).toBe(raw.requests);
}

describe("ingestOutcomeEvents", () => {
  it("stores a batch in the day partitions, with minute and hour rollups that sum to the raw events", async () => {
    const events = makeEvents(svc, { count: 600, prefix: "first", end: NOW, spanMs: 50 * HOUR, seed: 1 });
    const result = await ingest(svc, events);
    expect(result).toMatchObject({ accepted: 600, duplicates: 0, rejected: [] });

    const raw = await rawTotals(testDb(), svc.id);
    expect(raw.requests).toBe(600);
    expect(await keyCount(testDb(), svc.id)).toBe(600);
    expectRollupsMatchRaw(raw, await rollupTotals(testDb(), svc.id, "minute"));
    expectRollupsMatchRaw(raw, await rollupTotals(testDb(), svc.id, "hour"));

    // 50 hours touch three UTC days at least; nothing in the default partition.
    const placed = rowsOf<{ partition: string; n: number }>(
      await testDb().execute(sql`select tableoid::regclass::text as partition, count(*)::int as n from outcome_events where service_id = ${svc.id} group by 1`),
    );
    expect(placed.length).toBeGreaterThanOrEqual(3);
    for (const p of placed) expect(p.partition).toMatch(/^outcome_events_p\d{8}$/);
    expect((await listEventPartitions(testDb())).length).toBeGreaterThanOrEqual(3);
  });

  it("puts each event's latency in its histogram bucket and adds histograms of later batches element-wise", async () => {
    const minute = new Date(Math.floor((NOW.getTime() - 2 * HOUR) / 60_000) * 60_000);
    const base = makeEvents(svc, { count: 2, prefix: "hist", end: minute, spanMs: 1, seed: 2 }).map((e) => ({ ...e, occurredAt: new Date(minute.getTime() + 5_000).toISOString(), releaseId: svc.releaseIds[1], arm: "canary", tenant: "histo" }));
    await ingest(svc, [{ ...base[0], latencyMs: 7, costUsd: 0.5 }]);
    await ingest(svc, [{ ...base[1], latencyMs: 5_000, costUsd: 0.25 }]);
    const [row] = await testDb()
      .select()
      .from(outcomeRollups)
      .where(and(eq(outcomeRollups.serviceId, svc.id), eq(outcomeRollups.tenant, "histo"), eq(outcomeRollups.granularity, "minute")));
    expect(row!.requests).toBe(2);
    expect(row!.latencyHistogram).toHaveLength(LATENCY_BUCKET_COUNT);
    expect(row!.latencyHistogram[latencyBucketIndex(7)]).toBe(1);
    expect(row!.latencyHistogram[latencyBucketIndex(5_000)]).toBe(1);
    expect(row!.latencyHistogram.reduce((a, b) => a + b, 0)).toBe(2);
    expect(row!.costUsd).toBeCloseTo(0.75, 12);
    expect(row!.costUsdSq).toBeCloseTo(0.3125, 12);
    expect(row!.bucketStart.getTime()).toBe(minute.getTime());
  });

  it("counts a retried batch once, and a batch repeating an id once", async () => {
    const events = makeEvents(svc, { count: 300, prefix: "retry", end: NOW, seed: 3 });
    const before = await rawTotals(testDb(), svc.id);
    expect(await ingest(svc, events)).toMatchObject({ accepted: 300, duplicates: 0 });
    expect(await ingest(svc, events)).toMatchObject({ accepted: 0, duplicates: 300, rejected: [] });
    // Half old, half new, one new event twice.
    const mixed = [...events.slice(0, 150), ...makeEvents(svc, { count: 100, prefix: "retry-new", end: NOW, seed: 4 })];
    mixed.push({ ...mixed.at(-1)! });
    expect(await ingest(svc, mixed)).toMatchObject({ accepted: 100, duplicates: 151, rejected: [] });
    const after = await rawTotals(testDb(), svc.id);
    expect(after.requests - before.requests).toBe(400);
    expectRollupsMatchRaw(after, await rollupTotals(testDb(), svc.id, "hour"));
    expectRollupsMatchRaw(after, await rollupTotals(testDb(), svc.id, "minute"));
  });

  it("counts concurrent copies of a batch, and overlapping concurrent batches, exactly once", async () => {
    const before = await rawTotals(testDb(), svc.id);
    const events = makeEvents(svc, { count: 2_000, prefix: "race", end: NOW, spanMs: 30 * 60_000, seed: 5 });
    const copies = await Promise.all(Array.from({ length: 4 }, () => ingest(svc, events)));
    expect(copies.reduce((n, r) => n + r.accepted, 0)).toBe(2_000);
    expect(copies.reduce((n, r) => n + r.duplicates, 0)).toBe(6_000);

    // Overlapping windows over the same ids, sent in opposite orders: exactly the union counts.
    const more = makeEvents(svc, { count: 3_000, prefix: "overlap", end: NOW, spanMs: 30 * 60_000, seed: 6 });
    const results = await Promise.all([ingest(svc, more.slice(0, 2_000)), ingest(svc, more.slice(1_000).reverse()), ingest(svc, more.slice(500, 2_500))]);
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(3_000);
    const after = await rawTotals(testDb(), svc.id);
    expect(after.requests - before.requests).toBe(5_000);
    expectRollupsMatchRaw(after, await rollupTotals(testDb(), svc.id, "minute"));
    expectRollupsMatchRaw(after, await rollupTotals(testDb(), svc.id, "hour"));
  }, 120_000);

  it("keeps exactly the good events of a mixed batch and names each bad one's problem", async () => {
    const good = makeEvents(svc, { count: 4, prefix: "mixed-good", end: NOW, seed: 7 });
    const template = makeEvents(svc, { count: 1, prefix: "mixed-bad", end: NOW, seed: 8 })[0]!;
    const bad: unknown[] = [
      { ...template, eventId: "bad-latency", latencyMs: -1 },
      { ...template, eventId: "bad-cost", costUsd: -0.01 },
      { ...template, eventId: "bad-release", releaseId: "rel_unknown" },
      { ...template, eventId: "bad-foreign", releaseId: other.releaseIds[0] },
      { ...template, eventId: "bad-future", occurredAt: new Date(NOW.getTime() + 2 * HOUR).toISOString() },
      { ...template, eventId: "bad-old", occurredAt: new Date(NOW.getTime() - 31 * 24 * HOUR).toISOString() },
      { ...template, eventId: "bad-arm", arm: "blue" },
      { ...template, eventId: "bad-tokens", tokensIn: 1.5 },
      { ...template, eventId: "bad-kind", componentVersions: { colour: "red" } },
      { ...template, eventId: "bad-\u0000-nul" },
      "not an event",
      { ...template, eventId: undefined },
    ];
    const batch = [good[0], bad[0], good[1], ...bad.slice(1), good[2], good[3]];
    const before = await rawTotals(testDb(), svc.id);
    const result = await ingest(svc, batch);
    expect(result.accepted).toBe(4);
    expect(result.duplicates).toBe(0);
    expect(result.foreignReleaseRejections).toBe(1);
    const byId = Object.fromEntries(result.rejected.map((r) => [r.eventId ?? `#${r.index}`, r]));
    expect(result.rejected).toHaveLength(bad.length);
    expect(byId["bad-latency"]).toEqual({ index: 1, eventId: "bad-latency", reason: "latencyMs must not be negative." });
    expect(byId["bad-cost"]!.reason).toBe("costUsd must not be negative.");
    expect(byId["bad-release"]!.reason).toMatch(/releaseId "rel_unknown" is not a release of ingest-/);
    expect(byId["bad-foreign"]!.reason).toMatch(new RegExp(`is a release of ${other.slug}, not ${svc.slug}`));
    expect(byId["bad-future"]!.reason).toMatch(/in the future/);
    expect(byId["bad-old"]!.reason).toMatch(/older than .*retention of 30 days/);
    expect(byId["bad-arm"]!.reason).toBe("arm must be one of stable, canary, experiment.");
    expect(byId["bad-tokens"]!.reason).toBe("tokensIn must be a whole number.");
    expect(byId["bad-kind"]!.reason).toMatch(/^componentVersions\.colour is not a component kind/);
    expect(byId["bad-\u0000-nul"]).toEqual({ index: 11, eventId: "bad-\u0000-nul", reason: "eventId must not contain control characters." });
    expect(byId["#12"]!.reason).toBe("An event must be a JSON object.");
    expect(byId["#13"]!.reason).toBe("eventId is required.");
    const after = await rawTotals(testDb(), svc.id);
    expect(after.requests - before.requests).toBe(4);
    const stored = rowsOf<{ event_id: string }>(await testDb().execute(sql`select event_id from outcome_events where service_id = ${svc.id} and event_id like 'mixed-%' order by 1`));
    expect(stored.map((r) => r.event_id)).toEqual(good.map((e) => e.eventId).sort());
  });

  it("writes nothing, not even a partition, for a batch without a valid event", async () => {
    const partitions = await listEventPartitions(testDb());
    const before = await rawTotals(testDb(), svc.id);
    const old = new Date(NOW.getTime() - 20 * 24 * HOUR);
    const result = await ingest(svc, makeEvents(other, { count: 5, prefix: "foreign", end: old, seed: 9 }));
    expect(result).toMatchObject({ accepted: 0, duplicates: 0, foreignReleaseRejections: 5 });
    expect(await listEventPartitions(testDb())).toEqual(partitions);
    expect(await rawTotals(testDb(), svc.id)).toEqual(before);
  });
});
