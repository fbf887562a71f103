import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { requestedTestDbKind, testDb } from "@/db/testing";
import { ingestOutcomeEvents } from "./ingest";
import { listEventPartitions, rowsOf } from "./partition-store";
import { expiredPartitions, partitionDayOf, partitionName } from "./partitions";
import { pruneOutcomeEvents, RETENTION_LOCK_KEY } from "./retention";
import { createOutcomeService, keyCount, makeEvents, rawTotals, rollupTotals, type OutcomeTestService, type RawOutcomeEvent } from "./test-fixtures";

/**
 * Retention of raw outcome events on real PostgreSQL (the daily partitions are real tables
 * there, dropped with DROP TABLE): two services with 7 and 10 days of retention; events written
 * while they were fresh (ingest at an earlier `now`), then pruned at the real now.
 */

const DAY = 86_400_000;
const NOW = new Date();
const ago = (days: number) => new Date(NOW.getTime() - days * DAY);

let weekly: OutcomeTestService;
let tenDay: OutcomeTestService;
const sent = new Map<string, RawOutcomeEvent[]>();

async function ingestAt(service: OutcomeTestService, events: RawOutcomeEvent[], now: Date) {
  for (let i = 0; i < events.length; i += 5_000) {
    const result = await ingestOutcomeEvents(testDb(), { serviceId: service.id, events: events.slice(i, i + 5_000), now });
    expect(result).toMatchObject({ accepted: Math.min(5_000, events.length - i), rejected: [] });
  }
  sent.set(service.id, [...(sent.get(service.id) ?? []), ...events]);
}

const ageOf = (e: RawOutcomeEvent) => NOW.getTime() - new Date(e.occurredAt).getTime();

describe.runIf(requestedTestDbKind() === "postgres")("pruneOutcomeEvents (PostgreSQL)", () => {
  beforeAll(async () => {
    weekly = await createOutcomeService(testDb(), "retention-7", { retentionDays: 7 });
    tenDay = await createOutcomeService(testDb(), "retention-10", { retentionDays: 10 });
    // Reported when they happened: 5–9 days old now for the 7-day service, 8–12 days for the 10-day one.
    await ingestAt(weekly, makeEvents(weekly, { count: 6_000, prefix: "old", end: ago(5), spanMs: 4 * DAY, seed: 1 }), ago(5));
    await ingestAt(tenDay, makeEvents(tenDay, { count: 6_000, prefix: "old", end: ago(8), spanMs: 4 * DAY, seed: 2 }), ago(8));
    // And this last hour.
    await ingestAt(weekly, makeEvents(weekly, { count: 1_000, prefix: "new", end: NOW, seed: 3 }), NOW);
    await ingestAt(tenDay, makeEvents(tenDay, { count: 1_000, prefix: "new", end: NOW, seed: 4 }), NOW);
  }, 120_000);

  it("writes in-retention events to their days' partitions, none to the default partition", async () => {
    const days = new Set([...sent.values()].flat().map((e) => partitionDayOf(new Date(e.occurredAt))));
    const partitions = await listEventPartitions(testDb());
    for (const day of days) expect(partitions).toContain(partitionName(day));
    const [dflt] = rowsOf<{ n: number }>(await testDb().execute(sql`select count(*)::int as n from outcome_events_default`));
    expect(dflt!.n).toBe(0);
  });

  it("drops the partitions older than the longest retention, deletes each service's older rows and keys, and keeps every rollup", async () => {
    const partitionsBefore = await listEventPartitions(testDb());
    const rollupsBefore = await Promise.all([weekly, tenDay].flatMap((s) => [rollupTotals(testDb(), s.id, "minute"), rollupTotals(testDb(), s.id, "hour")]));
    const expectedDrops = expiredPartitions(partitionsBefore, ago(10));
    // 12-day-old events make at least one whole day older than 10 days.
    expect(expectedDrops.length).toBeGreaterThanOrEqual(1);
    const totalRows = async () => Number(rowsOf<{ n: number }>(await testDb().execute(sql`select count(*)::int as n from outcome_events`))[0]!.n);
    const rowsBefore = await totalRows();
    let rowsInDropped = 0;
    for (const name of expectedDrops) {
      rowsInDropped += Number(rowsOf<{ n: number }>(await testDb().execute(sql`select count(*)::int as n from ${sql.identifier(name)}`))[0]!.n);
    }
    expect(rowsInDropped).toBeGreaterThan(0);

    const report = await pruneOutcomeEvents(testDb(), NOW);
    expect(report).not.toBeNull();
    expect(report!.droppedPartitions).toEqual(expectedDrops);
    const partitionsAfter = await listEventPartitions(testDb());
    expect(partitionsAfter).toEqual(partitionsBefore.filter((p) => !expectedDrops.includes(p)));
    for (const name of expectedDrops) {
      const [gone] = rowsOf<{ exists: boolean }>(await testDb().execute(sql`select to_regclass(${name}) is not null as exists`));
      expect(gone!.exists, name).toBe(false);
    }

    // Raw events: exactly those inside each service's own retention are left.
    for (const [service, days] of [
      [weekly, 7],
      [tenDay, 10],
    ] as const) {
      const events = sent.get(service.id)!;
      const kept = events.filter((e) => ageOf(e) <= days * DAY);
      expect(kept.length).toBeLessThan(events.length);
      expect((await rawTotals(testDb(), service.id)).requests, service.slug).toBe(kept.length);
      const [oldest] = rowsOf<{ oldest: string }>(await testDb().execute(sql`select min(occurred_at)::text as oldest from outcome_events where service_id = ${service.id}`));
      expect(new Date(oldest!.oldest).getTime()).toBeGreaterThanOrEqual(ago(days).getTime());
      // Keys stay a day longer than their events (a late retry is refused by its time, not double-counted).
      expect(await keyCount(testDb(), service.id), `${service.slug} keys`).toBe(events.filter((e) => ageOf(e) <= (days + 1) * DAY).length);
    }
    // What the partitions did not take with them was deleted row by row, and reported.
    expect(report!.deletedEvents).toBe(rowsBefore - rowsInDropped - (await totalRows()));
    expect(report!.deletedEvents).toBeGreaterThan(0);

    // Rollups are history: untouched.
    const rollupsAfter = await Promise.all([weekly, tenDay].flatMap((s) => [rollupTotals(testDb(), s.id, "minute"), rollupTotals(testDb(), s.id, "hour")]));
    expect(rollupsAfter).toEqual(rollupsBefore);
    expect(rollupsAfter.map((r) => r.requests)).toEqual([7_000, 7_000, 7_000, 7_000]);
  });

  it("does nothing more when run again", async () => {
    const partitions = await listEventPartitions(testDb());
    expect(await pruneOutcomeEvents(testDb(), NOW)).toEqual({ droppedPartitions: [], deletedEvents: 0, deletedKeys: 0 });
    expect(await listEventPartitions(testDb())).toEqual(partitions);
  });

  it("steps aside (null) while another instance holds the pruning lock", async () => {
    await testDb().transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${RETENTION_LOCK_KEY})`);
      expect(await pruneOutcomeEvents(testDb(), NOW)).toBeNull();
    });
  });

  it("still refuses events older than the retention, so a pruned event cannot come back", async () => {
    const [late] = sent.get(weekly.id)!.filter((e) => ageOf(e) > 8 * DAY);
    const result = await ingestOutcomeEvents(testDb(), { serviceId: weekly.id, events: [late], now: NOW });
    expect(result.accepted).toBe(0);
    expect(result.rejected[0]!.reason).toMatch(/older than retention-7-\w+'s event retention of 7 days/);
  });
});
