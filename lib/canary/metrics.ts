import { bucketRange, histogramTotal, LATENCY_BUCKET_BOUNDS_MS, OVERFLOW_BUCKET_INDEX, percentileFromHistogram } from "./histogram";
import { addTotals, emptyTotals, type MetricTotals } from "./totals";

/**
 * The canary metrics (SPEC §3): what each measures, which way is better, how to read its value
 * from summed rollups, and the sampling variance of that value (for the confidence sequence in
 * ./stats). Pure: totals in, numbers out.
 */

/** Metrics of the promotion rule: every one must pass for a stage to pass. */
export const RULE_METRIC_IDS = ["resolved_rate", "policy_violation_rate", "cost_per_resolved_request", "p95_latency_ms"] as const;
/** Guard metrics: always shown; they judge only when the service sets a threshold. */
export const GUARD_METRIC_IDS = [
  "false_refusal_rate",
  "follow_up_rate",
  "fallback_rate",
  "escalation_rate",
  "manual_correction_rate",
] as const;
export const METRIC_IDS = [...RULE_METRIC_IDS, ...GUARD_METRIC_IDS] as const;

export type RuleMetricId = (typeof RULE_METRIC_IDS)[number];
export type GuardMetricId = (typeof GUARD_METRIC_IDS)[number];
export type MetricId = (typeof METRIC_IDS)[number];

/** "rate": a fraction of requests (shown in %, deltas in percentage points); "usd"; "ms". */
export type MetricUnit = "rate" | "usd" | "ms";

type RateCountField = "resolved" | "policyViolations" | "falseRefusals" | "followUps" | "fallbacks" | "escalations" | "manualCorrections";

export interface MetricDefinition {
  id: MetricId;
  kind: "rule" | "guard";
  /** Name for people, e.g. "Resolved rate". */
  label: string;
  unit: MetricUnit;
  higherIsBetter: boolean;
  /** For rates: the counter of MetricTotals that is the numerator. */
  countField?: RateCountField;
}

export const METRIC_DEFINITIONS: Readonly<Record<MetricId, MetricDefinition>> = {
  resolved_rate: { id: "resolved_rate", kind: "rule", label: "Resolved rate", unit: "rate", higherIsBetter: true, countField: "resolved" },
  policy_violation_rate: {
    id: "policy_violation_rate",
    kind: "rule",
    label: "Policy violation rate",
    unit: "rate",
    higherIsBetter: false,
    countField: "policyViolations",
  },
  cost_per_resolved_request: {
    id: "cost_per_resolved_request",
    kind: "rule",
    label: "Cost per resolved request",
    unit: "usd",
    higherIsBetter: false,
  },
  p95_latency_ms: { id: "p95_latency_ms", kind: "rule", label: "p95 latency", unit: "ms", higherIsBetter: false },
  false_refusal_rate: {
    id: "false_refusal_rate",
    kind: "guard",
    label: "False refusal rate",
    unit: "rate",
    higherIsBetter: false,
    countField: "falseRefusals",
  },
  follow_up_rate: { id: "follow_up_rate", kind: "guard", label: "Follow-up rate", unit: "rate", higherIsBetter: false, countField: "followUps" },
  fallback_rate: { id: "fallback_rate", kind: "guard", label: "Fallback rate", unit: "rate", higherIsBetter: false, countField: "fallbacks" },
  escalation_rate: { id: "escalation_rate", kind: "guard", label: "Escalation rate", unit: "rate", higherIsBetter: false, countField: "escalations" },
  manual_correction_rate: {
    id: "manual_correction_rate",
    kind: "guard",
    label: "Manual correction rate",
    unit: "rate",
    higherIsBetter: false,
    countField: "manualCorrections",
  },
};

export const P95 = 0.95;

/**
 * The metric's value for these totals (a ratio of sums), or null when it is undefined: no
 * requests, or (cost per resolved request) no resolved request, or an empty histogram.
 */
export function metricValue(totals: MetricTotals, metric: MetricId): number | null {
  const def = METRIC_DEFINITIONS[metric];
  if (def.countField) return totals.requests > 0 ? totals[def.countField] / totals.requests : null;
  if (metric === "cost_per_resolved_request") return totals.resolved > 0 ? totals.costUsd / totals.resolved : null;
  return percentileFromHistogram(totals.latencyHistogram, P95);
}

/**
 * Variance of a rate's estimate p̂ = x/n: the Bernoulli p(1−p)/n, with p clamped to
 * [1/(2n), 1 − 1/(2n)] ("half an event"), so a side that saw no events (or only events) still
 * carries the uncertainty of n requests instead of claiming zero variance. Inside that range
 * (any 0 < x < n) it is the textbook Wald variance.
 */
export function rateVariance(count: number, n: number): number | null {
  if (!(n > 0)) return null;
  const floor = 1 / (2 * n);
  const p = Math.min(1 - floor, Math.max(floor, count / n));
  return (p * (1 - p)) / n;
}

/**
 * Variance of cost per resolved request R = Σcost / Σresolved = mean(c) / mean(r) by the delta
 * method for a ratio of means (r is 0/1 per request):
 *   Var(R̂) ≈ [Var(c) − 2R·Cov(c, r) + R²·Var(r)] / (n · mean(r)²),
 * with per-request moments from the sums: Var(c) = Σc²/n − mean(c)², Cov(c, r) = Σc·r/n −
 * mean(c)·mean(r), Var(r) = mean(r)(1 − mean(r)) (divisor n: the asymptotic form). Equivalently
 * Var(c − R·r)/(n · mean(r)²). Null when R is undefined; 0 when every request costs the same
 * and resolves alike (callers treat that as "no measure of uncertainty").
 */
export function costPerResolvedVariance(t: MetricTotals): number | null {
  const n = t.requests;
  if (!(n > 0) || !(t.resolved > 0)) return null;
  const meanCost = t.costUsd / n;
  const meanResolved = t.resolved / n;
  const ratio = t.costUsd / t.resolved;
  const varCost = t.costUsdSq / n - meanCost * meanCost;
  const covCostResolved = t.costUsdResolved / n - meanCost * meanResolved;
  const varResolved = meanResolved * (1 - meanResolved);
  const linearized = varCost - 2 * ratio * covCostResolved + ratio * ratio * varResolved;
  return Math.max(0, linearized) / (n * meanResolved * meanResolved);
}

/**
 * Slot holding the q-quantile, by the same rule as percentileFromHistogram (first non-empty
 * slot whose cumulative count reaches q·total), or null for an empty histogram.
 */
export function quantileBucketIndex(hist: readonly number[], q: number): number | null {
  const total = histogramTotal(hist);
  if (total <= 0) return null;
  const rank = q * total;
  let cumulative = 0;
  for (let i = 0; i < hist.length; i++) {
    const count = hist[i] ?? 0;
    if (count <= 0) continue;
    if (cumulative + count >= rank) return i;
    cumulative += count;
  }
  return OVERFLOW_BUCKET_INDEX;
}

/**
 * Width used for a slot's density. The overflow slot (> 120 s) has no upper edge; for the
 * density only it is taken to be as wide as the last finite slot, a deliberate guess that keeps
 * the variance finite (the quantile itself is reported as 120 s there).
 */
export function bucketWidthForDensity(index: number): number {
  if (index === OVERFLOW_BUCKET_INDEX) {
    const bounds = LATENCY_BUCKET_BOUNDS_MS;
    return bounds[bounds.length - 1]! - bounds[bounds.length - 2]!;
  }
  const { lowerMs, upperMs } = bucketRange(index);
  return upperMs - lowerMs;
}

/**
 * Variance of the histogram's q-quantile by the asymptotic formula for a sample quantile,
 *   Var(q̂) = q(1 − q) / (N · f(ξ)²),
 * N the histogram's total count and f the density at the quantile, estimated as the density of
 * the slot that holds it: f = count / (N · width). So Var = q(1 − q) · N · width² / count².
 */
export function quantileVariance(hist: readonly number[], q: number): number | null {
  const index = quantileBucketIndex(hist, q);
  if (index === null) return null;
  const total = histogramTotal(hist);
  const count = hist[index]!;
  const width = bucketWidthForDensity(index);
  return (q * (1 - q) * total * width * width) / (count * count);
}

/** Sampling variance of metricValue(totals, metric), or null when the value is undefined. */
export function metricVariance(totals: MetricTotals, metric: MetricId): number | null {
  const def = METRIC_DEFINITIONS[metric];
  if (def.countField) return rateVariance(totals[def.countField], totals.requests);
  if (metric === "cost_per_resolved_request") return costPerResolvedVariance(totals);
  return quantileVariance(totals.latencyHistogram, P95);
}

export interface DailyBand {
  /** The pooled value over all the days (ratio of sums, the same as the 7-day baseline). */
  mean: number;
  /** mean ± 2 standard deviations of the daily values (sample sd); rates are kept within [0, 1], others ≥ 0. */
  lo: number;
  hi: number;
  /** Days that had a value. */
  days: number;
}

/**
 * The band drawn behind the canary chart: centred on the pooled baseline value, ± 2 sample
 * standard deviations of the daily values, i.e. how much the stable release moves from day to
 * day. Days without a value (no traffic) are skipped; with one day the band has no width.
 * Null when no day has a value.
 */
export function dailyBand(dailyTotals: readonly MetricTotals[], metric: MetricId): DailyBand | null {
  const values: number[] = [];
  let pooled = emptyTotals();
  for (const day of dailyTotals) {
    const v = metricValue(day, metric);
    if (v === null) continue;
    values.push(v);
    pooled = addTotals(pooled, day);
  }
  const mean = metricValue(pooled, metric);
  if (values.length === 0 || mean === null) return null;
  const sd = sampleStandardDeviation(values);
  const upperLimit = METRIC_DEFINITIONS[metric].unit === "rate" ? 1 : Infinity;
  return { mean, lo: Math.max(0, mean - 2 * sd), hi: Math.min(upperLimit, mean + 2 * sd), days: values.length };
}

function sampleStandardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const ss = values.reduce((s, v) => s + (v - mean) * (v - mean), 0);
  return Math.sqrt(ss / (values.length - 1));
}
