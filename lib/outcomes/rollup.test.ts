import { describe, expect, it } from "vitest";
import { emptyHistogram, histogramTotal, latencyBucketIndex } from "@/lib/canary/histogram";
import type { OutcomeEventRecord } from "./event-schema";
import { bucketStartOf, compareRollupKeys, rollupDeltas, type RollupDelta } from "./rollup";

function record(patch: Partial<OutcomeEventRecord> = {}): OutcomeEventRecord {
  return {
    eventId: "e",
    occurredAt: new Date("2026-11-22T09:41:27.500Z"),
    releaseId: "rel_a",
    arm: "stable",
    armName: null,
    tenant: "acme",
    componentVersions: {},
    resolved: false,
    policyViolation: false,
    falseRefusal: false,
    followUp: false,
    fallback: false,
    escalated: false,
    manualCorrection: false,
    costUsd: 0,
    latencyMs: 100,
    tokensIn: 0,
    tokensOut: 0,
    ...patch,
  };
}

describe("bucketStartOf", () => {
  it.each([
    { at: "2026-11-22T09:41:27.500Z", minute: "2026-11-22T09:41:00.000Z", hour: "2026-11-22T09:00:00.000Z" },
    { at: "2026-11-22T09:41:00.000Z", minute: "2026-11-22T09:41:00.000Z", hour: "2026-11-22T09:00:00.000Z" },
    { at: "2026-11-22T09:59:59.999Z", minute: "2026-11-22T09:59:00.000Z", hour: "2026-11-22T09:00:00.000Z" },
    { at: "2026-11-22T10:00:00.000Z", minute: "2026-11-22T10:00:00.000Z", hour: "2026-11-22T10:00:00.000Z" },
    { at: "2026-11-22T23:59:59.999Z", minute: "2026-11-22T23:59:00.000Z", hour: "2026-11-22T23:00:00.000Z" },
    // A zone 30 minutes off UTC does not move the buckets: they are UTC.
    { at: "2026-11-22T15:11:27+05:30", minute: "2026-11-22T09:41:00.000Z", hour: "2026-11-22T09:00:00.000Z" },
    { at: "1969-12-31T23:59:30.000Z", minute: "1969-12-31T23:59:00.000Z", hour: "1969-12-31T23:00:00.000Z" },
  ])("puts $at in minute $minute and hour $hour", ({ at, minute, hour }) => {
    expect(bucketStartOf(new Date(at), "minute").toISOString()).toBe(minute);
    expect(bucketStartOf(new Date(at), "hour").toISOString()).toBe(hour);
  });
});

describe("rollupDeltas", () => {
  it("gives nothing for no events", () => {
    expect(rollupDeltas([])).toEqual([]);
  });

  it("counts one event in its minute and its hour, with every sum and its histogram bucket", () => {
    const e = record({ resolved: true, policyViolation: true, falseRefusal: true, followUp: true, fallback: true, escalated: true, manualCorrection: true, costUsd: 0.5, latencyMs: 1_234, tokensIn: 700, tokensOut: 90 });
    const deltas = rollupDeltas([e]);
    expect(deltas.map((d) => [d.granularity, d.bucketStart.toISOString()])).toEqual([
      ["hour", "2026-11-22T09:00:00.000Z"],
      ["minute", "2026-11-22T09:41:00.000Z"],
    ]);
    const histogram = emptyHistogram();
    histogram[latencyBucketIndex(1_234)] = 1;
    for (const d of deltas) {
      expect(d).toMatchObject({
        releaseId: "rel_a",
        arm: "stable",
        tenant: "acme",
        requests: 1,
        resolved: 1,
        policyViolations: 1,
        falseRefusals: 1,
        followUps: 1,
        fallbacks: 1,
        escalations: 1,
        manualCorrections: 1,
        costUsd: 0.5,
        costUsdSq: 0.25,
        costUsdResolved: 0.5,
        latencyMsSum: 1_234,
        tokensIn: 700,
        tokensOut: 90,
      });
      expect(d.latencyHistogram).toEqual(histogram);
    }
  });

  it("counts cost toward costUsdResolved only for resolved requests", () => {
    const [hour] = rollupDeltas([record({ costUsd: 0.25, resolved: true }), record({ costUsd: 0.5, resolved: false })]);
    expect(hour!.costUsd).toBeCloseTo(0.75, 12);
    expect(hour!.costUsdResolved).toBeCloseTo(0.25, 12);
    expect(hour!.costUsdSq).toBeCloseTo(0.0625 + 0.25, 12);
    expect(hour!.resolved).toBe(1);
  });

  it("splits by release, arm, tenant and bucket, and merges what shares all four", () => {
    const events = [
      record({ occurredAt: new Date("2026-11-22T09:41:01Z") }),
      record({ occurredAt: new Date("2026-11-22T09:41:59Z") }), // same minute
      record({ occurredAt: new Date("2026-11-22T09:42:00Z") }), // next minute, same hour
      record({ occurredAt: new Date("2026-11-22T10:00:00Z") }), // next hour
      record({ tenant: "globex" }),
      record({ arm: "canary" }),
      record({ releaseId: "rel_b" }),
    ];
    const deltas = rollupDeltas(events);
    const key = (d: RollupDelta) => `${d.releaseId}/${d.arm}/${d.tenant}/${d.granularity}/${d.bucketStart.toISOString().slice(11, 16)}`;
    expect(Object.fromEntries(deltas.map((d) => [key(d), d.requests]))).toEqual({
      "rel_a/canary/acme/hour/09:00": 1,
      "rel_a/canary/acme/minute/09:41": 1,
      "rel_a/stable/acme/hour/09:00": 3, // 09:41:01, 09:41:59, 09:42:00
      "rel_a/stable/acme/hour/10:00": 1,
      "rel_a/stable/acme/minute/09:41": 2,
      "rel_a/stable/acme/minute/09:42": 1,
      "rel_a/stable/acme/minute/10:00": 1,
      "rel_a/stable/globex/hour/09:00": 1,
      "rel_a/stable/globex/minute/09:41": 1,
      "rel_b/stable/acme/hour/09:00": 1,
      "rel_b/stable/acme/minute/09:41": 1,
    });
    // Every event is in exactly one minute and one hour.
    for (const g of ["minute", "hour"] as const) {
      const of = deltas.filter((d) => d.granularity === g);
      expect(of.reduce((n, d) => n + d.requests, 0)).toBe(events.length);
      expect(of.reduce((n, d) => n + histogramTotal(d.latencyHistogram), 0)).toBe(events.length);
    }
  });

  it("does not merge keys whose parts only concatenate alike", () => {
    const deltas = rollupDeltas([record({ releaseId: "ab", tenant: "c" }), record({ releaseId: "a", tenant: "bc" })]);
    expect(deltas.filter((d) => d.granularity === "hour").map((d) => d.requests)).toEqual([1, 1]);
  });

  it("returns the deltas in one total key order, whatever the input order (so writers lock rows alike)", () => {
    const events = Array.from({ length: 60 }, (_, i) =>
      record({
        releaseId: ["rel_b", "rel_a"][i % 2]!,
        arm: (["stable", "canary", "experiment"] as const)[i % 3]!,
        tenant: ["t2", "t1", "T0"][i % 3]!,
        occurredAt: new Date(Date.UTC(2026, 10, 22, 9 + (i % 4), (i * 7) % 60)),
      }),
    );
    const forward = rollupDeltas(events);
    const backward = rollupDeltas([...events].reverse());
    expect(backward.map((d) => [d.releaseId, d.arm, d.tenant, d.granularity, d.bucketStart.getTime(), d.requests])).toEqual(
      forward.map((d) => [d.releaseId, d.arm, d.tenant, d.granularity, d.bucketStart.getTime(), d.requests]),
    );
    for (let i = 1; i < forward.length; i++) expect(compareRollupKeys(forward[i - 1]!, forward[i]!)).toBeLessThan(0);
  });

  it("sorts by release, then arm, tenant, granularity, bucket start", () => {
    const d = (patch: Partial<RollupDelta>) => ({ releaseId: "r", arm: "stable", tenant: "t", granularity: "minute", bucketStart: new Date(0), ...patch }) as RollupDelta;
    expect(compareRollupKeys(d({ releaseId: "a", arm: "stable" }), d({ releaseId: "b", arm: "canary" }))).toBeLessThan(0);
    expect(compareRollupKeys(d({ arm: "canary", tenant: "z" }), d({ arm: "stable", tenant: "a" }))).toBeLessThan(0);
    expect(compareRollupKeys(d({ tenant: "a", granularity: "minute" }), d({ tenant: "b", granularity: "hour" }))).toBeLessThan(0);
    expect(compareRollupKeys(d({ granularity: "hour", bucketStart: new Date(1e12) }), d({ granularity: "minute", bucketStart: new Date(0) }))).toBeLessThan(0);
    expect(compareRollupKeys(d({ bucketStart: new Date(0) }), d({ bucketStart: new Date(60_000) }))).toBeLessThan(0);
    expect(compareRollupKeys(d({}), d({}))).toBe(0);
  });
});
