import type { MetricResult } from "./analysis";
import { formatCount, formatDeltaInterval, formatMetricDelta, formatMetricValue, formatRelative, formatSetting } from "./format";
import { METRIC_DEFINITIONS } from "./metrics";

/**
 * The plain-English reason shown beside each metric, with its numbers, e.g.
 * "false_refusal_rate 9.8% vs baseline 2.1% (+7.7 pp, 95% CI +6.1 to +9.3 pp) exceeds the
 * allowed +2 pp." Written for an on-call engineer at 3 a.m.: what was measured, against what,
 * how sure, and what it means for the stage.
 */

export interface ReasonContext {
  canaryRequests: number;
  minFailEvidenceRequests: number;
  alpha: number;
}

const percentagePoints = (fraction: number) => formatSetting(Math.round(fraction * 100 * 1e9) / 1e9);

function dataNoun(r: MetricResult): string {
  if (r.unit === "usd") return "resolved requests";
  if (r.unit === "ms") return "latency data";
  return "requests";
}

function head(r: MetricResult, ctx: ReasonContext): string {
  const parts = [formatMetricDelta(r.unit, r.delta!)];
  if (r.unit !== "rate" && r.deltaRelative !== null) parts.push(formatRelative(r.deltaRelative));
  parts.push(
    r.ci
      ? `${formatSetting((1 - ctx.alpha) * 100)}% CI ${formatDeltaInterval(r.unit, r.ci)}`
      : "no confidence interval: every request looks the same",
  );
  return `${r.metric} ${formatMetricValue(r.unit, r.canary!)} vs baseline ${formatMetricValue(r.unit, r.baseline!)} (${parts.join(", ")})`;
}

/** "drops more than …" / "exceeds …" and "is within …" for the metric's threshold. */
function thresholdClauses(r: MetricResult): { beyond: string; within: string } {
  const allowed = r.threshold!.allowed ?? 0;
  if (METRIC_DEFINITIONS[r.metric].higherIsBetter) {
    const drop = `${percentagePoints(allowed)} pp`;
    return { beyond: `drops more than the allowed ${drop}`, within: `is within the allowed drop of ${drop}` };
  }
  const relative = r.threshold!.relative;
  if (relative === undefined && allowed === 0) {
    return { beyond: "is above the baseline, and no increase is allowed", within: "is not above the baseline (no increase allowed)" };
  }
  const increase =
    relative === undefined
      ? `+${percentagePoints(allowed)} pp`
      : `+${formatSetting(relative * 100)}% (${formatMetricDelta(r.unit, allowed)})`;
  return { beyond: `exceeds the allowed ${increase}`, within: `is within the allowed ${increase}` };
}

export function describeMetric(r: MetricResult, ctx: ReasonContext): string {
  if (r.canary === null) {
    const more = r.sampleStillNeeded ? `; the stage minimum needs ${formatCount(r.sampleStillNeeded)} more canary requests` : "";
    return `${r.metric}: no canary ${dataNoun(r)} yet${more}.`;
  }
  if (r.baseline === null) {
    return `${r.metric}: no baseline — the stable release has no ${dataNoun(r)} in the 7 days before the stage, so there is nothing to compare with.`;
  }
  const measured = head(r, ctx);
  if (!r.judged) return `${measured}; shown for information (no threshold set).`;
  const { beyond, within } = thresholdClauses(r);
  const need = r.sampleStillNeeded;
  switch (r.verdict) {
    case "fail":
      return `${measured} ${beyond}.`;
    case "pass":
      return `${measured} ${within}.`;
    default:
      break;
  }
  switch (r.cause) {
    case "stage_minimum":
      return need
        ? `${measured} ${within} so far; the stage minimum needs ${formatCount(need)} more canary requests.`
        : `${measured} ${within} so far; waiting for the stage's minimum duration.`;
    case "fail_evidence_minimum":
      return `${measured} ${beyond}, but a fail needs at least ${formatCount(ctx.minFailEvidenceRequests)} canary requests (${formatCount(need ?? 0)} more).`;
    default:
      if (!r.ci) return `${measured} ${beyond}, but without a measurable spread this cannot be called a regression.`;
      return need !== null
        ? `${measured} ${beyond} so far, not yet conclusively; about ${formatCount(need)} more canary requests would decide if the effect persists.`
        : `${measured} ${beyond} so far, not yet conclusively; the effect is too close to the threshold to say how many more requests would decide.`;
  }
}
