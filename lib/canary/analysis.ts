import type { ServiceSettings } from "@/lib/services/settings";
import { METRIC_DEFINITIONS, METRIC_IDS, metricValue, metricVariance, type MetricId, type MetricUnit } from "./metrics";
import { formatCount, formatSetting } from "./format";
import { describeMetric } from "./reasons";
import { alwaysValidPValue, confidenceSequence, sampleToDecide, type Interval } from "./stats";
import type { MetricTotals } from "./totals";

/**
 * The canary judge (SPEC §3): canary totals against the stable release's 7-day baseline, per
 * metric and for the stage. Pure — the shell sums the rollups and passes `now`.
 *
 * Statistics: each metric's delta (canary − baseline) gets an always-valid (1 − α) confidence
 * sequence and p-value from the normal-mixture mSPRT (see ./stats), n = canary requests and
 * n0 = `canary.tuningSamples`; the standard error is the fixed-n one, var(delta) = var(canary)
 * + var(baseline), the two sides independent (see ./metrics for each metric's variance). The
 * baseline is fixed for the whole stage (the 7 days before it started), so it is one more
 * source of noise that does not shrink; the canary side is the one that is watched repeatedly.
 *
 * Verdict, with harm h = delta oriented so positive is worse and m the largest allowed harm:
 *   fail — the sequence's lower bound of harm exceeds m (a regression beyond the threshold at
 *          level α, however often we looked), once n ≥ `minFailEvidenceRequests`, even before
 *          the stage minimums;
 *   pass — the stage minimums are reached and the estimate h ≤ m;
 *   insufficient — otherwise, with the canary requests still needed: to the stage minimum, to
 *          the evidence minimum, or (h > m but not conclusive) until the sequence would decide
 *          if the effect persisted (null when not within 100× the stage minimum: "cannot tell").
 */

/** One sentence for the UI on how the intervals are made, for a service's alpha. */
export function describeMethod(alpha: number): string {
  const confidence = formatSetting((1 - alpha) * 100);
  const risk = formatSetting(alpha * 100);
  return `Each interval is an always-valid ${confidence}% confidence sequence (normal-mixture sequential test: Robbins; Johari et al. 2017; Howard et al. 2021), so checking a canary as often as you like keeps the chance of a false alarm within ${risk}%.`;
}

export const METHOD_DESCRIPTION = describeMethod(0.05);

/** Stop estimating the sample that would decide beyond this multiple of the stage minimum. */
export const DECISION_SAMPLE_CAP_FACTOR = 100;

export type AnalysisSettings = Pick<ServiceSettings, "promotion" | "canary">;

export interface MetricThreshold {
  /** Largest allowed harmful delta, in metric units (rates as fractions); null when it is relative to an unknown baseline. */
  allowed: number | null;
  /** For people: "≥ baseline − 1 pp", "≤ baseline + 15%". */
  label: string;
  /** Relative thresholds: the allowed increase as a fraction of the baseline (0.15). */
  relative?: number;
}

export type MetricVerdict = "pass" | "fail" | "insufficient";

/** Why a metric is insufficient. */
export type InsufficientCause =
  | "no_canary_data"
  | "no_baseline"
  | "stage_minimum"
  | "fail_evidence_minimum"
  | "not_conclusive";

export interface MetricResult {
  metric: MetricId;
  kind: "rule" | "guard";
  label: string;
  unit: MetricUnit;
  /** False for a guard without a threshold: shown, never decides. */
  judged: boolean;
  canary: number | null;
  baseline: number | null;
  /** canary − baseline, in metric units. */
  delta: number | null;
  /** delta / baseline (null when the baseline is 0 or unknown). */
  deltaRelative: number | null;
  /** Fixed-n standard error of delta. */
  standardError: number | null;
  /** Always-valid (1 − α) confidence interval of delta. */
  ci: Interval | null;
  /** Always-valid p-value for "no difference". */
  pValue: number | null;
  threshold: MetricThreshold | null;
  /** "info" for an unjudged guard. */
  verdict: MetricVerdict | "info";
  cause: InsufficientCause | null;
  /** More canary requests needed before this metric can decide; null = cannot tell. */
  sampleStillNeeded: number | null;
  reason: string;
}

const pp = (fraction: number) => Math.round(fraction * 100 * 1e9) / 1e9;

/** The metric's threshold under these settings, or null for a guard without one. */
export function thresholdFor(metric: MetricId, baselineValue: number | null, settings: AnalysisSettings): MetricThreshold | null {
  const { promotion, canary } = settings;
  const relative = (pct: number): MetricThreshold => ({
    allowed: baselineValue === null ? null : (pct / 100) * baselineValue,
    label: `≤ baseline + ${pct}%`,
    relative: pct / 100,
  });
  const increase = (allowed: number): MetricThreshold => ({
    allowed,
    label: allowed === 0 ? "≤ baseline (no increase)" : `≤ baseline + ${pp(allowed)} pp`,
  });
  switch (metric) {
    case "resolved_rate":
      return { allowed: promotion.resolvedRateMaxDropPp / 100, label: `≥ baseline − ${promotion.resolvedRateMaxDropPp} pp` };
    case "policy_violation_rate":
      return increase(promotion.policyViolationMaxIncrease);
    case "cost_per_resolved_request":
      return relative(promotion.costPerResolvedMaxIncreasePct);
    case "p95_latency_ms":
      return relative(promotion.p95LatencyMaxIncreasePct);
    default: {
      const allowed = canary.guardThresholds[metric];
      return allowed === undefined ? null : increase(allowed);
    }
  }
}

export interface JudgeMetricInput {
  metric: MetricId;
  canary: MetricTotals;
  baseline: MetricTotals;
  settings: AnalysisSettings;
  /** Both stage minimums (duration and canary requests) reached. */
  minimumsReached: boolean;
}

export function judgeMetric(input: JudgeMetricInput): MetricResult {
  const { metric, canary, baseline, settings, minimumsReached } = input;
  const def = METRIC_DEFINITIONS[metric];
  const { alpha, tuningSamples, minStageRequests, minFailEvidenceRequests } = settings.canary;
  const n = canary.requests;
  const canaryValue = metricValue(canary, metric);
  const baselineValue = metricValue(baseline, metric);
  const threshold = thresholdFor(metric, baselineValue, settings);
  const result: MetricResult = {
    metric,
    kind: def.kind,
    label: def.label,
    unit: def.unit,
    judged: threshold !== null,
    canary: canaryValue,
    baseline: baselineValue,
    delta: null,
    deltaRelative: null,
    standardError: null,
    ci: null,
    pValue: null,
    threshold,
    verdict: threshold === null ? "info" : "insufficient",
    cause: null,
    sampleStillNeeded: null,
    reason: "",
  };
  const toMinimum = Math.max(0, minStageRequests - n);
  const finish = (patch: Partial<MetricResult>): MetricResult => {
    const done = { ...result, ...patch };
    return { ...done, reason: describeMetric(done, { canaryRequests: n, minFailEvidenceRequests, alpha }) };
  };

  if (canaryValue === null) {
    return finish(result.judged ? { cause: "no_canary_data", sampleStillNeeded: toMinimum > 0 ? toMinimum : null } : {});
  }
  if (baselineValue === null) return finish(result.judged ? { cause: "no_baseline" } : {});

  const delta = canaryValue - baselineValue;
  const varianceCanary = metricVariance(canary, metric) ?? 0;
  const varianceBaseline = metricVariance(baseline, metric) ?? 0;
  const se = Math.sqrt(varianceCanary + varianceBaseline);
  const measured = n > 0 && se > 0 && Number.isFinite(se);
  const ci = measured ? confidenceSequence(delta, se, n, tuningSamples, alpha) : null;
  Object.assign(result, {
    delta,
    deltaRelative: baselineValue === 0 ? null : delta / baselineValue,
    standardError: se,
    ci,
    pValue: measured ? alwaysValidPValue(delta, se, n, tuningSamples) : null,
  });
  if (threshold === null) return finish({});

  const sign = def.higherIsBetter ? -1 : 1;
  const harm = sign * delta;
  const allowed = threshold.allowed ?? 0;
  const harmLowerBound = ci ? Math.min(sign * ci[0], sign * ci[1]) : null;

  if (harmLowerBound !== null && harmLowerBound > allowed) {
    if (n >= minFailEvidenceRequests) return finish({ verdict: "fail" });
    return finish({ cause: "fail_evidence_minimum", sampleStillNeeded: minFailEvidenceRequests - n });
  }
  if (harm <= allowed) {
    if (minimumsReached) return finish({ verdict: "pass" });
    return finish({ cause: "stage_minimum", sampleStillNeeded: toMinimum });
  }
  const decidingN = measured
    ? sampleToDecide({
        harm,
        allowed,
        varianceCanary,
        varianceBaseline,
        n,
        n0: tuningSamples,
        alpha,
        minimumN: minFailEvidenceRequests,
        maximumN: DECISION_SAMPLE_CAP_FACTOR * Math.max(minStageRequests, n),
      })
    : null;
  return finish({ cause: "not_conclusive", sampleStillNeeded: decidingN === null ? null : decidingN - n });
}

export interface StageJudgementInput {
  canary: MetricTotals;
  baseline: MetricTotals;
  stageStartedAt: Date;
  now: Date;
  settings: AnalysisSettings;
}

export interface StageJudgement {
  verdict: MetricVerdict;
  /** Every metric, rules first, in METRIC_IDS order. */
  metrics: MetricResult[];
  /** Judged metrics that fail. */
  failing: MetricResult[];
  reasons: string[];
  minimumsReached: boolean;
  /** More canary requests before the stage can decide: 0 once decided, null = cannot tell. */
  sampleStillNeeded: number | null;
  /** Minutes until the stage's minimum duration (0 once reached). */
  minutesStillNeeded: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The stage verdict: fail as soon as any judged metric fails (even before the minimums);
 * insufficient until the minimum duration and the minimum canary sample are both reached;
 * pass only when every judged metric passes.
 */
export function judgeStage(input: StageJudgementInput): StageJudgement {
  const { canary, baseline, stageStartedAt, now, settings } = input;
  const { minStageMinutes, minStageRequests } = settings.canary;
  const elapsedMs = Math.max(0, now.getTime() - stageStartedAt.getTime());
  const minutesStillNeeded = Math.max(0, Math.ceil((minStageMinutes * MINUTE_MS - elapsedMs) / MINUTE_MS));
  const requestsToMinimum = Math.max(0, minStageRequests - canary.requests);
  const minimumsReached = minutesStillNeeded === 0 && requestsToMinimum === 0;

  const metrics = METRIC_IDS.map((metric) => judgeMetric({ metric, canary, baseline, settings, minimumsReached }));
  const judged = metrics.filter((m) => m.judged);
  const failing = judged.filter((m) => m.verdict === "fail");
  const elapsed = `${formatMinutes(elapsedMs / MINUTE_MS)} and ${formatCount(canary.requests)} canary requests`;

  if (failing.length > 0) {
    return { verdict: "fail", metrics, failing, reasons: failing.map((m) => m.reason), minimumsReached, sampleStillNeeded: 0, minutesStillNeeded };
  }
  const undecided = judged.filter((m) => m.verdict !== "pass");
  if (minimumsReached && undecided.length === 0) {
    const reasons = [`All ${judged.length} judged metrics are within their thresholds after ${elapsed}.`];
    return { verdict: "pass", metrics, failing, reasons, minimumsReached, sampleStillNeeded: 0, minutesStillNeeded };
  }

  const reasons: string[] = [];
  if (!minimumsReached) {
    const unmet: string[] = [];
    if (minutesStillNeeded > 0) unmet.push(`${formatCount(Math.floor(elapsedMs / MINUTE_MS))} of ${formatCount(minStageMinutes)} minutes`);
    if (requestsToMinimum > 0) unmet.push(`${formatCount(canary.requests)} of ${formatCount(minStageRequests)} canary requests`);
    reasons.push(`The stage minimum is not reached yet: ${unmet.join(" and ")}.`);
  }
  for (const m of undecided) if (m.cause !== "stage_minimum") reasons.push(m.reason);
  const needs = undecided.map((m) => m.sampleStillNeeded);
  const sampleStillNeeded = needs.includes(null) ? null : Math.max(requestsToMinimum, ...(needs as number[]));
  return { verdict: "insufficient", metrics, failing, reasons, minimumsReached, sampleStillNeeded, minutesStillNeeded };
}

function formatMinutes(minutes: number): string {
  const whole = Math.floor(minutes);
  return whole === 1 ? "1 minute" : `${formatCount(whole)} minutes`;
}

/**
 * The baseline window for a comparison starting at `windowStart`: the 7 days before it,
 * [windowStart − 7 d, windowStart). The stable release's totals over it, as a ratio of sums,
 * are the traffic-weighted 7-day moving average.
 */
export function baselineWindow(windowStart: Date): { start: Date; end: Date } {
  return { start: new Date(windowStart.getTime() - 7 * DAY_MS), end: new Date(windowStart.getTime()) };
}
