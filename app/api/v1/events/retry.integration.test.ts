import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { requestedTestDbKind, testDb } from "@/db/testing";
import { LATENCY_BUCKET_BOUNDS_MS, LATENCY_BUCKET_COUNT } from "@/lib/canary/histogram";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { partitionDayOf, partitionName } from "@/lib/outcomes/partitions";
import { createOutcomeService, keyCount, makeEvents, rawTotals, rollupTotals, type OutcomeTestService, type RawOutcomeEvent } from "@/lib/outcomes/test-fixtures";
import { POST } from "./route";

/**
 * Acceptance (SPEC §3, "a retried batch is not double-counted"): 100,000 events sent through
 * POST /api/v1/events in batches of 5,000, then every batch sent again as a client retrying
 * after lost answers. Counted once everywhere: raw rows, idempotency keys, and the minute and
 * hour rollups, which agree with the raw events bucket by bucket, histogram slot by slot. On
 * real PostgreSQL the rows are also checked to sit in their UTC day's partition.
 */

const COUNT = 100_000;
const BATCH = 5_000;
const SPAN_MS = 3 * 86_400_000;
const NOW = new Date();

let svc: OutcomeTestService;
let events: RawOutcomeEvent[];

beforeAll(async () => {
  svc = await createOutcomeService(testDb(), "retry-acceptance");
  // Spread over three days: every batch writes into four daily partitions and thousands of rollup rows.
  events = makeEvents(svc, { count: COUNT, prefix: "acc", end: NOW, spanMs: SPAN_MS, seed: 2026 });
});

async function send(batch: readonly RawOutcomeEvent[]) {
  const request = new Request("http://localhost/api/v1/events", {
    method: "POST",
    headers: { authorization: `Bearer ${svc.tokens.write}`, "content-type": "application/json" },
    body: JSON.stringify({ events: batch }),
  });
  const response = await POST(request, undefined);
  return { status: response.status, body: (await response.json()) as { accepted: number; duplicates: number; rejected: unknown[] } };
}

const batches = () => Array.from({ length: COUNT / BATCH }, (_, i) => events.slice(i * BATCH, (i + 1) * BATCH));

/** Keys where the service's rollups of one granularity differ from its raw events grouped the same way. */
async function rollupMismatches(granularity: "minute" | "hour"): Promise<Record<string, unknown>[]> {
  const bounds = `{${LATENCY_BUCKET_BOUNDS_MS.join(",")}}`;
  const result = await testDb().execute(sql`
    with raw as (
      select release_id, arm, tenant, date_trunc(${granularity}, occurred_at, 'UTC') as bucket_start,
        count(*) as requests, count(*) filter (where resolved) as resolved, count(*) filter (where policy_violation) as policy_violations,
        count(*) filter (where false_refusal) as false_refusals, count(*) filter (where follow_up) as follow_ups,
        count(*) filter (where fallback) as fallbacks, count(*) filter (where escalated) as escalations,
        count(*) filter (where manual_correction) as manual_corrections,
        sum(cost_usd) as cost_usd, sum(cost_usd * cost_usd) as cost_usd_sq, coalesce(sum(cost_usd) filter (where resolved), 0) as cost_usd_resolved,
        sum(latency_ms) as latency_ms_sum, sum(tokens_in) as tokens_in, sum(tokens_out) as tokens_out
      from outcome_events where service_id = ${svc.id} group by 1, 2, 3, 4
    ),
    -- The histogram slot of a latency is the number of bounds below it (lib/canary/histogram).
    raw_slots as (
      select release_id, arm, tenant, date_trunc(${granularity}, occurred_at, 'UTC') as bucket_start,
        (select count(*) from unnest(${bounds}::int[]) as b where b < e.latency_ms) + 1 as slot, count(*) as n
      from outcome_events e where service_id = ${svc.id} group by 1, 2, 3, 4, 5
    ),
    rolled as (select * from outcome_rollups where service_id = ${svc.id} and granularity = ${granularity}),
    rolled_slots as (
      select r.release_id, r.arm, r.tenant, r.bucket_start, h.slot, h.n
      from rolled r, unnest(r.latency_histogram) with ordinality as h(n, slot) where h.n <> 0
    )
    select 'sums' as what, coalesce(raw.tenant, rolled.tenant) as tenant, coalesce(raw.bucket_start, rolled.bucket_start) as bucket_start,
      raw.requests as raw_requests, rolled.requests as rolled_requests
    from raw full join rolled using (release_id, arm, tenant, bucket_start)
    where raw.requests is distinct from rolled.requests or raw.resolved is distinct from rolled.resolved
      or raw.policy_violations is distinct from rolled.policy_violations or raw.false_refusals is distinct from rolled.false_refusals
      or raw.follow_ups is distinct from rolled.follow_ups or raw.fallbacks is distinct from rolled.fallbacks
      or raw.escalations is distinct from rolled.escalations or raw.manual_corrections is distinct from rolled.manual_corrections
      or raw.latency_ms_sum is distinct from rolled.latency_ms_sum
      or raw.tokens_in is distinct from rolled.tokens_in or raw.tokens_out is distinct from rolled.tokens_out
      or abs(raw.cost_usd - rolled.cost_usd) > 1e-9 or abs(raw.cost_usd_sq - rolled.cost_usd_sq) > 1e-12
      or abs(raw.cost_usd_resolved - rolled.cost_usd_resolved) > 1e-9
      or cardinality(rolled.latency_histogram) is distinct from ${LATENCY_BUCKET_COUNT}
    union all
    select 'histogram', coalesce(raw_slots.tenant, rolled_slots.tenant), coalesce(raw_slots.bucket_start, rolled_slots.bucket_start), raw_slots.n, rolled_slots.n
    from raw_slots full join rolled_slots using (release_id, arm, tenant, bucket_start, slot)
    where raw_slots.n is distinct from rolled_slots.n
    limit 5`);
  return rowsOf<Record<string, unknown>>(result);
}

describe(`${COUNT.toLocaleString("en-US")} events sent twice through POST /api/v1/events (${requestedTestDbKind()})`, () => {
  it(`counts ${COUNT.toLocaleString("en-US")} events sent twice in batches of ${BATCH.toLocaleString("en-US")} once: raw rows, keys, minute and hour rollups agree with the raw sums`, async () => {
    const firstPass = [];
    for (const batch of batches()) firstPass.push(await send(batch));
    for (const r of firstPass) expect(r).toEqual({ status: 200, body: { accepted: BATCH, duplicates: 0, rejected: [] } });

    // Every answer was lost: the client sends everything again, newest batch first.
    const retries = [];
    for (const batch of batches().reverse()) retries.push(await send(batch));
    for (const r of retries) expect(r).toEqual({ status: 200, body: { accepted: 0, duplicates: BATCH, rejected: [] } });

    // Raw rows and keys: each event once.
    const [distinct] = rowsOf<{ rows: number; ids: number }>(
      await testDb().execute(sql`select count(*)::int as rows, count(distinct event_id)::int as ids from outcome_events where service_id = ${svc.id}`),
    );
    expect(distinct).toEqual({ rows: COUNT, ids: COUNT });
    expect(await keyCount(testDb(), svc.id)).toBe(COUNT);

    // The raw rows hold what was sent (totals computed here, independently of the database).
    const raw = await rawTotals(testDb(), svc.id);
    const sent = {
      requests: events.length,
      resolved: events.filter((e) => e.resolved).length,
      policyViolations: events.filter((e) => e.policyViolation).length,
      escalations: events.filter((e) => e.escalated).length,
      latencyMsSum: events.reduce((n, e) => n + e.latencyMs, 0),
      tokensIn: events.reduce((n, e) => n + e.tokensIn, 0),
      tokensOut: events.reduce((n, e) => n + e.tokensOut, 0),
    };
    expect(raw).toMatchObject(sent);
    expect(raw.costUsd).toBeCloseTo(events.reduce((n, e) => n + e.costUsd, 0), 6);

    // Rollups: totals equal the raw totals, for both granularities…
    for (const granularity of ["minute", "hour"] as const) {
      const rolled = await rollupTotals(testDb(), svc.id, granularity);
      for (const key of ["requests", "resolved", "policyViolations", "falseRefusals", "followUps", "fallbacks", "escalations", "manualCorrections", "latencyMsSum", "tokensIn", "tokensOut"] as const) {
        expect(rolled[key], `${granularity} ${key}`).toBe(raw[key]);
      }
      expect(rolled.costUsd).toBeCloseTo(raw.costUsd, 6);
      expect(rolled.costUsdSq).toBeCloseTo(raw.costUsdSq, 9);
      expect(rolled.costUsdResolved).toBeCloseTo(raw.costUsdResolved, 6);
      expect(rolled.histogramTotal, `${granularity} histogram`).toBe(COUNT);
      // …and bucket by bucket, histogram slot by histogram slot.
      expect(await rollupMismatches(granularity), granularity).toEqual([]);
    }
  }, 300_000);

  it.runIf(requestedTestDbKind() === "postgres")(
    "puts every event in the daily partition of its UTC day and none in the default partition (PostgreSQL)",
    async () => {
      const placed = rowsOf<{ partition: string; day: string; n: number }>(
        await testDb().execute(sql`
          select tableoid::regclass::text as partition, to_char(occurred_at at time zone 'UTC', 'YYYYMMDD') as day, count(*)::int as n
          from outcome_events where service_id = ${svc.id} group by 1, 2 order by 2`),
      );
      const expectedDays = [...new Set(events.map((e) => partitionDayOf(new Date(e.occurredAt))))].sort();
      expect(placed.map((p) => p.day)).toEqual(expectedDays);
      expect(expectedDays.length).toBeGreaterThanOrEqual(3);
      for (const p of placed) expect(p.partition).toBe(partitionName(p.day));
      expect(placed.reduce((n, p) => n + p.n, 0)).toBe(COUNT);
      const [dflt] = rowsOf<{ n: number }>(await testDb().execute(sql`select count(*)::int as n from outcome_events_default`));
      expect(dflt!.n).toBe(0);
    },
  );
});
