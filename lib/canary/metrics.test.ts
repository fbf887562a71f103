import { describe, expect, it } from "vitest";
import { LATENCY_BUCKET_BOUNDS_MS, OVERFLOW_BUCKET_INDEX, percentileFromHistogram } from "./histogram";
import {
  bucketWidthForDensity,
  costPerResolvedVariance,
  dailyBand,
  GUARD_METRIC_IDS,
  METRIC_DEFINITIONS,
  METRIC_IDS,
  metricValue,
  metricVariance,
  quantileBucketIndex,
  quantileVariance,
  rateVariance,
  RULE_METRIC_IDS,
} from "./metrics";
import { expectClose, histogramOf, totalsOf } from "./test-fixtures";
import { addTotals, emptyTotals, TOTALS_SUM_FIELDS } from "./totals";

// Expected numbers: python3 lib/canary/reference/reference.py.

/** Cost sums of the reference's per-request data (see reference.py, cost_side). */
const COST_CANARY = totalsOf({ requests: 1500, resolved: 1200, costUsd: 14.246499999999939, costUsdSq: 0.15181124999999915, costUsdResolved: 11.399499999999954 });
const COST_BASELINE = totalsOf({ requests: 20000, resolved: 16200, costUsd: 152.0000000000062, costUsdSq: 1.251208639999994, costUsdResolved: 123.14080000000718 });

const P95_CANARY = histogramOf({ 20: 100, 24: 300, 27: 700, 29: 600, 30: 250, 31: 50, 33: 40 });
const P95_BASELINE = histogramOf({ 20: 2000, 24: 6000, 27: 14000, 28: 9000, 29: 5000, 30: 3000, 32: 1000 });

describe("metric catalogue", () => {
  it("has the four rule metrics and five guards of SPEC §3, with the ids the UI and API use", () => {
    expect(RULE_METRIC_IDS).toEqual(["resolved_rate", "policy_violation_rate", "cost_per_resolved_request", "p95_latency_ms"]);
    expect(GUARD_METRIC_IDS).toEqual(["false_refusal_rate", "follow_up_rate", "fallback_rate", "escalation_rate", "manual_correction_rate"]);
    for (const id of METRIC_IDS) {
      expect(METRIC_DEFINITIONS[id].id).toBe(id);
      expect(METRIC_DEFINITIONS[id].kind).toBe((RULE_METRIC_IDS as readonly string[]).includes(id) ? "rule" : "guard");
    }
    expect(METRIC_IDS.filter((id) => METRIC_DEFINITIONS[id].higherIsBetter)).toEqual(["resolved_rate"]);
  });
});

describe("totals", () => {
  it("emptyTotals is all zeros with an empty histogram of the current layout", () => {
    const t = emptyTotals();
    for (const f of TOTALS_SUM_FIELDS) expect(t[f]).toBe(0);
    expect(t.latencyHistogram).toHaveLength(OVERFLOW_BUCKET_INDEX + 1);
    expect(t.latencyHistogram.every((c) => c === 0)).toBe(true);
  });

  it("addTotals sums every field and the histogram element-wise, without changing its inputs", () => {
    const a = totalsOf({ requests: 10, resolved: 8, policyViolations: 1, falseRefusals: 2, followUps: 3, fallbacks: 4, escalations: 5, manualCorrections: 6, costUsd: 0.5, costUsdSq: 0.03, costUsdResolved: 0.4, latencyMsSum: 9000, latencyHistogram: histogramOf({ 3: 4, 10: 6 }) });
    const b = totalsOf({ requests: 5, resolved: 1, policyViolations: 0, falseRefusals: 1, followUps: 1, fallbacks: 1, escalations: 1, manualCorrections: 1, costUsd: 0.25, costUsdSq: 0.02, costUsdResolved: 0.05, latencyMsSum: 1000, latencyHistogram: [0, 0, 0, 5] });
    const before = JSON.stringify([a, b]);
    const sum = addTotals(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
    expect(sum).toMatchObject({ requests: 15, resolved: 9, policyViolations: 1, falseRefusals: 3, followUps: 4, fallbacks: 5, escalations: 6, manualCorrections: 7, costUsd: 0.75, costUsdSq: 0.05, costUsdResolved: 0.45, latencyMsSum: 10_000 });
    expect(sum.latencyHistogram[3]).toBe(9);
    expect(sum.latencyHistogram[10]).toBe(6);
    expect(addTotals(emptyTotals(), a)).toEqual({ ...a, latencyHistogram: a.latencyHistogram });
  });
});

describe("metricValue", () => {
  const t = totalsOf({ requests: 200, resolved: 150, policyViolations: 2, falseRefusals: 4, followUps: 20, fallbacks: 6, escalations: 8, manualCorrections: 10, costUsd: 3, latencyHistogram: histogramOf({ 27: 100, 28: 100 }) });
  it.each([
    ["resolved_rate", 0.75],
    ["policy_violation_rate", 0.01],
    ["false_refusal_rate", 0.02],
    ["follow_up_rate", 0.1],
    ["fallback_rate", 0.03],
    ["escalation_rate", 0.04],
    ["manual_correction_rate", 0.05],
    ["cost_per_resolved_request", 0.02],
    // rank 190 of 200: 90 into slot 28's 100 → 2124 + 0.9 · (2657 − 2124)
    ["p95_latency_ms", 2603.7],
  ] as const)("%s = %s", (metric, expected) => {
    expect(metricValue(t, metric)).toBeCloseTo(expected, 10);
  });

  it("is null without data: no requests, no resolved request, an empty histogram", () => {
    for (const id of METRIC_IDS) expect(metricValue(emptyTotals(), id)).toBeNull();
    expect(metricValue(totalsOf({ requests: 10, costUsd: 1 }), "cost_per_resolved_request")).toBeNull();
    expect(metricValue(totalsOf({ requests: 10 }), "p95_latency_ms")).toBeNull();
    expect(metricValue(totalsOf({ requests: 10 }), "resolved_rate")).toBe(0);
  });
});

describe("rate variance", () => {
  it("is the Bernoulli p(1−p)/n inside (0, n)", () => {
    expect(rateVariance(98, 1000)).toBeCloseTo((0.098 * 0.902) / 1000, 15);
    expect(rateVariance(1, 2)).toBeCloseTo(0.125, 15);
  });

  it("counts half an event when a side saw none (or only events), instead of zero variance", () => {
    expectClose(rateVariance(0, 500)!, 1.998e-6);
    expectClose(rateVariance(500, 500)!, 1.998000000000002e-6);
    expect(rateVariance(0, 1)).toBe(0.25);
    expect(rateVariance(0, 0)).toBeNull();
  });
});

describe("cost per resolved request: delta-method variance from sums", () => {
  it("matches the per-request linearization Var(c − R·r)/(n·mean(r)²) computed in Python", () => {
    expectClose(metricValue(COST_CANARY, "cost_per_resolved_request")!, 0.011872083333333283);
    expectClose(metricValue(COST_BASELINE, "cost_per_resolved_request")!, 0.0093827160493831);
    expectClose(costPerResolvedVariance(COST_CANARY)!, 3.4913373119212733e-8);
    expectClose(costPerResolvedVariance(COST_BASELINE)!, 1.396857028343662e-9);
  });

  it("uses the covariance: when resolved requests cost more, Σcost·resolved changes the answer", () => {
    // 50 resolved requests at $0.02, 50 unresolved at $0.002: R = 0.022, c − R·r = ∓0.002 for
    // every request, so Var = 0.002² / (100 · 0.5²) = 1.6e-7.
    const t = totalsOf({ requests: 100, resolved: 50, costUsd: 1.1, costUsdSq: 50 * 0.0004 + 50 * 0.000004, costUsdResolved: 1 });
    expect(costPerResolvedVariance(t)).toBeCloseTo(1.6e-7, 15);
    const asIfIndependent = { ...t, costUsdResolved: (1.1 * 50) / 100 };
    expect(costPerResolvedVariance(asIfIndependent)).toBeCloseTo(8.08e-6, 15);
  });

  it("is zero when every request costs the same and resolves, and null without resolved requests", () => {
    expect(costPerResolvedVariance(totalsOf({ requests: 100, resolved: 100, costUsd: 1, costUsdSq: 0.01, costUsdResolved: 1 }))).toBe(0);
    expect(costPerResolvedVariance(totalsOf({ requests: 100, resolved: 0, costUsd: 1, costUsdSq: 0.01 }))).toBeNull();
    expect(costPerResolvedVariance(emptyTotals())).toBeNull();
  });
});

describe("p95 latency: value and asymptotic quantile variance from the histogram", () => {
  it("uses the same bucket bounds as the Python reference", () => {
    expect(LATENCY_BUCKET_BOUNDS_MS).toEqual([
      5, 6, 8, 10, 12, 15, 19, 24, 30, 38, 47, 59, 74, 92, 115, 144, 180, 226, 283, 354, 442, 553, 692, 866, 1084, 1357,
      1697, 2124, 2657, 3325, 4160, 5205, 6513, 8149, 10197, 12759, 15964, 19975, 24993, 31272, 39128, 48959, 61259,
      76649, 95905, 120000,
    ]);
  });

  it("matches q(1−q)/(N·f²), f = count/(N·width) of the slot holding p95", () => {
    expectClose(metricValue(totalsOf({ latencyHistogram: P95_CANARY }), "p95_latency_ms")!, 4119.92);
    expectClose(metricValue(totalsOf({ latencyHistogram: P95_BASELINE }), "p95_latency_ms")!, 3881.6666666666665);
    expect(quantileBucketIndex(P95_CANARY, 0.95)).toBe(30);
    expect(quantileBucketIndex(P95_BASELINE, 0.95)).toBe(30);
    expectClose(quantileVariance(P95_CANARY, 0.95)!, 1080.977640000001);
    expectClose(quantileVariance(P95_BASELINE, 0.95)!, 147.19194444444457);
  });

  it("gives the overflow slot the last finite slot's width, and the first slot its 0–5 ms", () => {
    expect(bucketWidthForDensity(OVERFLOW_BUCKET_INDEX)).toBe(120_000 - 95_905);
    expect(bucketWidthForDensity(0)).toBe(5);
    const overflow = histogramOf({ 30: 90, [OVERFLOW_BUCKET_INDEX]: 10 });
    expect(metricValue(totalsOf({ latencyHistogram: overflow }), "p95_latency_ms")).toBe(120_000);
    expectClose(quantileVariance(overflow, 0.95)!, 27577028.687500022);
    const first = histogramOf({ 0: 50 });
    expectClose(metricValue(totalsOf({ latencyHistogram: first }), "p95_latency_ms")!, 4.75);
    expectClose(quantileVariance(first, 0.95)!, 0.02375000000000002);
  });

  it("finds the slot percentileFromHistogram interpolates in, for every quantile", () => {
    for (const hist of [P95_CANARY, P95_BASELINE, histogramOf({ 3: 1, 40: 1 }), histogramOf({ 12: 5, 13: 0, 14: 5 })]) {
      for (const q of [0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1]) {
        const index = quantileBucketIndex(hist, q)!;
        const value = percentileFromHistogram(hist, q)!;
        const lower = index === 0 ? 0 : LATENCY_BUCKET_BOUNDS_MS[index - 1]!;
        expect(value).toBeGreaterThanOrEqual(lower);
        expect(value).toBeLessThanOrEqual(LATENCY_BUCKET_BOUNDS_MS[index]!);
        expect(hist[index]).toBeGreaterThan(0);
      }
    }
    expect(quantileBucketIndex(histogramOf({}), 0.95)).toBeNull();
    expect(quantileVariance(histogramOf({}), 0.95)).toBeNull();
  });

  it("metricVariance dispatches to the right estimator", () => {
    expect(metricVariance(COST_CANARY, "cost_per_resolved_request")).toBe(costPerResolvedVariance(COST_CANARY));
    expect(metricVariance(totalsOf({ latencyHistogram: P95_CANARY }), "p95_latency_ms")).toBe(quantileVariance(P95_CANARY, 0.95));
    expect(metricVariance(totalsOf({ requests: 1000, escalations: 30 }), "escalation_rate")).toBe(rateVariance(30, 1000));
    expect(metricVariance(totalsOf({ requests: 1000, escalations: 30 }), "fallback_rate")).toBe(rateVariance(0, 1000));
  });
});

describe("dailyBand: pooled 7-day value ± 2 sd of the daily values", () => {
  const days = [
    totalsOf({ requests: 100, resolved: 80, costUsd: 0.8, latencyHistogram: histogramOf({ 27: 100 }) }),
    totalsOf({ requests: 100, resolved: 90, costUsd: 1.08, latencyHistogram: histogramOf({ 28: 100 }) }),
    emptyTotals(), // a day without traffic is skipped
    totalsOf({ requests: 200, resolved: 70, costUsd: 0.77, latencyHistogram: histogramOf({ 27: 150, 29: 50 }) }),
  ];

  it("rates: centred on the ratio of sums, clamped to [0, 1]", () => {
    const band = dailyBand(days, "resolved_rate")!;
    expect(band.days).toBe(3);
    expect(band.mean).toBeCloseTo(240 / 400, 12);
    // statistics.stdev([0.8, 0.9, 0.35]) = 0.2929732638541158
    expectClose(band.lo, 0.014053472291768343);
    expect(band.hi).toBe(1);
  });

  it("cost: pooled Σcost/Σresolved ± 2 · stdev([0.01, 0.012, 0.011]) = ± 0.002", () => {
    const band = dailyBand(days, "cost_per_resolved_request")!;
    expect(band.mean).toBeCloseTo(2.65 / 240, 12);
    expect(band.lo).toBeCloseTo(2.65 / 240 - 0.002, 12);
    expect(band.hi).toBeCloseTo(2.65 / 240 + 0.002, 12);
  });

  it("p95: centred on the p95 of the merged histograms", () => {
    const band = dailyBand(days, "p95_latency_ms")!;
    expect(band.mean).toBe(percentileFromHistogram(histogramOf({ 27: 250, 28: 100, 29: 50 }), 0.95));
    expect(band.lo).toBeLessThan(band.mean);
    expect(band.hi).toBeGreaterThan(band.mean);
  });

  it("has no width with one day and is null without any", () => {
    expect(dailyBand([days[0]!], "resolved_rate")).toEqual({ mean: 0.8, lo: 0.8, hi: 0.8, days: 1 });
    expect(dailyBand([], "resolved_rate")).toBeNull();
    expect(dailyBand([emptyTotals()], "p95_latency_ms")).toBeNull();
  });
});
