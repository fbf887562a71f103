import { emptyHistogram, mergeHistograms, type LatencyHistogram } from "./histogram";

/**
 * Sums over outcome rollup rows for one release and arm over some time range. Everything the
 * canary analysis needs is a sum, so totals for any range are the element-wise sum of its rows
 * (a ratio of sums is then the traffic-weighted average over the range).
 */
export interface MetricTotals {
  requests: number;
  resolved: number;
  policyViolations: number;
  falseRefusals: number;
  followUps: number;
  fallbacks: number;
  escalations: number;
  manualCorrections: number;
  /** Σ cost in USD. */
  costUsd: number;
  /** Σ cost², for the variance of cost. */
  costUsdSq: number;
  /** Σ cost over resolved requests (Σ cost·resolved), for the covariance of cost and resolution. */
  costUsdResolved: number;
  latencyMsSum: number;
  /** Counts per latency bucket, layout of lib/canary/histogram. */
  latencyHistogram: LatencyHistogram;
}

/** The counters of MetricTotals that are plain sums (everything but the histogram). */
export const TOTALS_SUM_FIELDS = [
  "requests",
  "resolved",
  "policyViolations",
  "falseRefusals",
  "followUps",
  "fallbacks",
  "escalations",
  "manualCorrections",
  "costUsd",
  "costUsdSq",
  "costUsdResolved",
  "latencyMsSum",
] as const satisfies readonly (keyof MetricTotals)[];

export function emptyTotals(): MetricTotals {
  return {
    requests: 0,
    resolved: 0,
    policyViolations: 0,
    falseRefusals: 0,
    followUps: 0,
    fallbacks: 0,
    escalations: 0,
    manualCorrections: 0,
    costUsd: 0,
    costUsdSq: 0,
    costUsdResolved: 0,
    latencyMsSum: 0,
    latencyHistogram: emptyHistogram(),
  };
}

/** a + b as new totals; neither argument is changed. */
export function addTotals(a: MetricTotals, b: MetricTotals): MetricTotals {
  const sum = emptyTotals();
  for (const field of TOTALS_SUM_FIELDS) sum[field] = a[field] + b[field];
  sum.latencyHistogram = mergeHistograms(a.latencyHistogram, b.latencyHistogram);
  return sum;
}
