import { expect } from "vitest";
import { defaultServiceSettings } from "@/lib/services/settings";
import type { AnalysisSettings } from "./analysis";
import { emptyHistogram, type LatencyHistogram } from "./histogram";
import { emptyTotals, type MetricTotals } from "./totals";

/** Test helpers for lib/canary (imported by *.test.ts only). */

/**
 * Reference values come from lib/canary/reference/reference.py. They must agree to 1e-6, and
 * relatively for small numbers: |actual − expected| ≤ 1e-6 · min(1, |expected|) (1e-15 at 0).
 */
export function expectClose(actual: number | null | undefined, expected: number) {
  expect(actual).not.toBeNull();
  expect(actual).toBeTypeOf("number");
  const tolerance = Math.max(1e-15, 1e-6 * Math.min(1, Math.abs(expected)));
  const diff = Math.abs((actual as number) - expected);
  if (!(diff <= tolerance)) {
    throw new Error(`expected ${actual} to be within ${tolerance} of ${expected} (off by ${diff})`);
  }
}

export function totalsOf(partial: Partial<MetricTotals>): MetricTotals {
  return { ...emptyTotals(), ...partial };
}

/** A histogram from { slot: count }. */
export function histogramOf(sparse: Record<number, number>): LatencyHistogram {
  const hist = emptyHistogram();
  for (const [slot, count] of Object.entries(sparse)) hist[Number(slot)] = count;
  return hist;
}

export function defaultAnalysisSettings(): AnalysisSettings {
  const { promotion, canary } = defaultServiceSettings();
  return { promotion, canary };
}

export function settingsWith(patch: {
  promotion?: Partial<AnalysisSettings["promotion"]>;
  canary?: Partial<AnalysisSettings["canary"]>;
}): AnalysisSettings {
  const base = defaultAnalysisSettings();
  return { promotion: { ...base.promotion, ...patch.promotion }, canary: { ...base.canary, ...patch.canary } };
}

export interface PopulationShape {
  requests: number;
  resolvedRate?: number;
  policyViolationRate?: number;
  falseRefusalRate?: number;
  followUpRate?: number;
  fallbackRate?: number;
  escalationRate?: number;
  manualCorrectionRate?: number;
  /** Per-request cost: mean and standard deviation, independent of resolution. */
  costMean?: number;
  costSd?: number;
  /** Share of requests per latency slot ({ slot: fraction }, summing to 1). */
  latencyShares?: Record<number, number>;
}

/** Deterministic totals with the given rates (counts rounded), for stage-level tests. */
export function population(shape: PopulationShape): MetricTotals {
  const n = shape.requests;
  const count = (rate = 0) => Math.round(rate * n);
  const resolved = count(shape.resolvedRate ?? 0.8);
  const costMean = shape.costMean ?? 0.01;
  const costSd = shape.costSd ?? 0.004;
  const shares = shape.latencyShares ?? { 26: 0.3, 27: 0.4, 28: 0.2, 29: 0.08, 30: 0.02 };
  const latencyHistogram = emptyHistogram();
  let placed = 0;
  const slots = Object.entries(shares);
  slots.forEach(([slot, share], i) => {
    const c = i === slots.length - 1 ? n - placed : Math.round(share * n);
    latencyHistogram[Number(slot)] = c;
    placed += c;
  });
  return {
    requests: n,
    resolved,
    policyViolations: count(shape.policyViolationRate ?? 0.002),
    falseRefusals: count(shape.falseRefusalRate ?? 0.02),
    followUps: count(shape.followUpRate ?? 0.1),
    fallbacks: count(shape.fallbackRate ?? 0.03),
    escalations: count(shape.escalationRate ?? 0.02),
    manualCorrections: count(shape.manualCorrectionRate ?? 0.01),
    costUsd: costMean * n,
    costUsdSq: (costMean * costMean + costSd * costSd) * n,
    costUsdResolved: costMean * resolved,
    latencyMsSum: 0,
    latencyHistogram,
  };
}
