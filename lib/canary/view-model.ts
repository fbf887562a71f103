import type { ChangeRequest, RolloutHold } from "@/db/schema";
import { dailyBand, METRIC_DEFINITIONS, METRIC_IDS, metricValue, type DailyBand, type MetricId, type MetricUnit } from "./metrics";
import { addTotals, emptyTotals, type MetricTotals } from "./totals";

/**
 * What the canary page shows, shaped from what lib/canary/view.ts reads: the stage ladder, the
 * headline, the chart series (bucketed per stage, with the baseline's daily band) and the
 * component-version breakdown. Pure: data in, data out; `now` is never read here.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

type CrState = ChangeRequest["state"];
type GateStatus = "pending" | "passed" | "failed" | "waived";

export interface CanaryGate {
  canaryPercent: number | null;
  status: GateStatus;
  statusReason: string;
}

// ---------------------------------------------------------------------------------------------
// The ladder

/** The index of the stage the rollout is at (or ended at); null when no canary ever ran. */
export function currentStageIndex(input: { ladder: readonly number[]; canaryStage: number | null; state: CrState; started: boolean; gates: readonly CanaryGate[] }): number | null {
  const { ladder, canaryStage, state, started, gates } = input;
  if (!started || ladder.length === 0) return null;
  if (canaryStage !== null) return Math.min(Math.max(0, canaryStage), ladder.length - 1);
  if (state === "promoted") return ladder.length - 1;
  // Older rollouts did not record the stage: the last stage whose gate was decided.
  let last = 0;
  ladder.forEach((percent, i) => {
    const gate = gates.find((g) => g.canaryPercent === percent);
    if (gate && gate.status !== "pending") last = i;
  });
  return last;
}

export type LadderStepStatus =
  | "passed"
  | "waived"
  | "failed"
  | "running"
  | "passed_waiting"
  | "paused"
  | "frozen"
  | "rolled_back"
  | "pending"
  | "not_reached"
  | "promoted";

export interface LadderStep {
  key: string;
  percent: number;
  /** "Stage 2", "Promotion". */
  label: string;
  position: "done" | "current" | "upcoming";
  status: LadderStepStatus;
  /** The gate's reason, or a sentence the status badge does not already say ("" for none). */
  reason: string;
}

const ENDED: readonly CrState[] = ["promoted", "rolled_back", "cancelled", "rejected"];

/** The tier's canary stages then the promotion to 100%, each with where the rollout stands. */
export function ladderSteps(input: {
  ladder: readonly number[];
  stage: number | null;
  state: CrState;
  gates: readonly CanaryGate[];
  hold: RolloutHold | null;
}): LadderStep[] {
  const { ladder, stage, state, gates, hold } = input;
  const ended = ENDED.includes(state);
  const steps: LadderStep[] = ladder.map((percent, i) => {
    const gate = gates.find((g) => g.canaryPercent === percent);
    // A pending gate's reason only says it has not started, or restates the rule: not shown.
    const gateReason = gate && gate.status !== "pending" ? gate.statusReason : "";
    const base = { key: `stage-${i}`, percent, label: `Stage ${i + 1}` };
    if (stage === null || i > stage) {
      return { ...base, position: "upcoming", status: ended ? "not_reached" : "pending", reason: gateReason };
    }
    if (i < stage || state === "promoted") {
      const status: LadderStepStatus = gate?.status === "waived" ? "waived" : gate?.status === "failed" ? "failed" : "passed";
      return { ...base, position: "done", status, reason: gateReason || "Passed." };
    }
    // The stage the rollout is at, or ended at.
    if (gate?.status === "failed") return { ...base, position: "current", status: state === "paused" && hold?.kind === "frozen" ? "frozen" : "failed", reason: gateReason };
    if (state === "paused") {
      const frozen = hold?.kind === "frozen";
      return { ...base, position: "current", status: frozen ? "frozen" : "paused", reason: gateReason || hold?.reason || "" };
    }
    if (state === "rolled_back") return { ...base, position: "current", status: "rolled_back", reason: gateReason || "Rolled back during this stage." };
    if (gate?.status === "passed") return { ...base, position: "current", status: "passed_waiting", reason: gateReason };
    return { ...base, position: "current", status: "running", reason: gateReason };
  });
  const promoted = state === "promoted";
  steps.push({
    key: "promotion",
    percent: 100,
    label: "Promotion",
    position: promoted ? "done" : "upcoming",
    status: promoted ? "promoted" : ended ? "not_reached" : "pending",
    reason: promoted ? "The canary became the stable release." : ended ? "" : "After the last stage passes.",
  });
  return steps;
}

/** One line on where the rollout stands: "Canary 5% — stage 2 of 3". */
export function rolloutHeadline(input: {
  ladder: readonly number[];
  stage: number | null;
  state: CrState;
  hold: RolloutHold | null;
  /** The canary's share of traffic on the pointer now, when the canary is this change request's. */
  livePercent: number | null;
}): string {
  const { ladder, stage, state, hold, livePercent } = input;
  if (stage === null) return "No canary yet";
  const k = ladder.length;
  const stagePercent = ladder[stage] ?? 0;
  const of = `stage ${stage + 1} of ${k}`;
  switch (state) {
    case "promoted":
      return `Promoted to 100% after ${k} canary ${k === 1 ? "stage" : "stages"}`;
    case "rolled_back":
      return `Rolled back at ${stagePercent}% — ${of}`;
    case "paused":
      return hold?.kind === "frozen"
        ? `Frozen at ${hold.stagePercent ?? stagePercent}% — ${of}; canary share back to ${livePercent ?? 0}%`
        : `Paused at ${hold?.stagePercent ?? stagePercent}% — ${of}`;
    default:
      return `Canary ${livePercent ?? stagePercent}% — ${of}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Chart series

/** At most this many buckets across a chart: readable at 390 px and at 1280 px. */
export const MAX_CHART_BUCKETS = 120;
const BUCKET_MINUTES = [1, 5, 15, 30, 60, 180, 360, 720, 1440] as const;

/** The smallest bucket (1, 5, 15 … minutes) that keeps a span within MAX_CHART_BUCKETS buckets. */
export function chartBucketMinutes(spanMs: number): number {
  for (const minutes of BUCKET_MINUTES) if (Math.ceil(Math.max(0, spanMs) / (minutes * MINUTE_MS)) <= MAX_CHART_BUCKETS) return minutes;
  return BUCKET_MINUTES[BUCKET_MINUTES.length - 1]!;
}

/** Which rollups feed buckets of that size: minute rollups below an hour, else hour rollups. */
export function rollupGranularityFor(bucketMinutes: number): "minute" | "hour" {
  return bucketMinutes < 60 ? "minute" : "hour";
}

const floorTo = (ms: number, unit: number) => Math.floor(ms / unit) * unit;

export interface ChartMark {
  at: Date;
  /** "1%", "5%", "judged from". */
  label: string;
}

export interface ChartBucket {
  start: Date;
  /** Index of the segment (stage) the bucket belongs to. */
  segment: number;
  totals: MetricTotals;
  /** Totals from the segment's start through this bucket: what the judge sees at its end. */
  cumulative: MetricTotals;
}

/**
 * Splits [marks[0].at, to) into segments at each mark (stage start), each cut into buckets of
 * `bucketMinutes` from its own start, so a stage's running totals never mix in the stage before.
 * Marks are floored to the rollups' granularity; marks that floor to the same instant keep the
 * later one. Rollup rows outside the window are ignored; empty buckets have empty totals.
 */
export function stageBuckets(input: {
  series: readonly { at: Date; totals: MetricTotals }[];
  marks: readonly ChartMark[];
  to: Date;
  bucketMinutes: number;
}): { buckets: ChartBucket[]; marks: ChartMark[] } {
  const unit = rollupGranularityFor(input.bucketMinutes) === "minute" ? MINUTE_MS : HOUR_MS;
  const size = input.bucketMinutes * MINUTE_MS;
  const end = input.to.getTime();
  const marks: ChartMark[] = [];
  for (const mark of [...input.marks].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const at = floorTo(mark.at.getTime(), unit);
    if (at >= end) continue;
    if (marks.length && marks[marks.length - 1]!.at.getTime() === at) marks.pop();
    marks.push({ at: new Date(at), label: mark.label });
  }
  const buckets: ChartBucket[] = [];
  const firstOfSegment: number[] = [];
  marks.forEach((mark, segment) => {
    const from = mark.at.getTime();
    const until = segment + 1 < marks.length ? marks[segment + 1]!.at.getTime() : end;
    firstOfSegment.push(buckets.length);
    for (let start = from; start < until; start += size) buckets.push({ start: new Date(start), segment, totals: emptyTotals(), cumulative: emptyTotals() });
  });
  for (const row of input.series) {
    const at = row.at.getTime();
    if (marks.length === 0 || at < marks[0]!.at.getTime() || at >= end) continue;
    let segment = marks.length - 1;
    while (segment > 0 && marks[segment]!.at.getTime() > at) segment--;
    const index = firstOfSegment[segment]! + Math.floor((at - marks[segment]!.at.getTime()) / size);
    const bucket = buckets[index];
    if (bucket && bucket.segment === segment) bucket.totals = addTotals(bucket.totals, row.totals);
  }
  buckets.forEach((bucket, i) => {
    const previous = i > 0 ? buckets[i - 1]! : null;
    bucket.cumulative = previous && previous.segment === bucket.segment ? addTotals(previous.cumulative, bucket.totals) : bucket.totals;
  });
  return { buckets, marks };
}

/**
 * The baseline window's hourly rollups as 24-hour windows counted from `from` (not calendar
 * days, so the 7-day window is exactly seven days even when it starts mid-day).
 */
export function dailyWindows(hourly: readonly { at: Date; totals: MetricTotals }[], from: Date, days = 7): MetricTotals[] {
  const windows = Array.from({ length: days }, () => emptyTotals());
  for (const row of hourly) {
    const day = Math.floor((row.at.getTime() - from.getTime()) / DAY_MS);
    if (day >= 0 && day < days) windows[day] = addTotals(windows[day]!, row.totals);
  }
  return windows;
}

/**
 * A bucket's own value is drawn only from this many canary requests: at a 1% canary a bucket
 * often holds a handful, and a rate of 2 requests (0% or 100%) says nothing but hides the rest.
 * The running value since the stage began is always drawn (it is what the judge uses), but the
 * y-axis is fitted to values from at least this many requests.
 */
export const MIN_CHART_REQUESTS = 20;

export interface ChartPoint {
  /** Bucket start, epoch ms. */
  t: number;
  /** The canary's value in this bucket (null below MIN_CHART_REQUESTS requests). */
  canary: number | null;
  /** The canary's value from its stage's start through this bucket (null for a bucket without requests). */
  cumulative: number | null;
  requests: number;
  cumulativeRequests: number;
  baseline: number | null;
  /** The baseline's daily band (mean ± 2 sd), as [low, high] for a range area. */
  band: [number, number] | null;
}

export interface MetricChart {
  metric: MetricId;
  kind: "rule" | "guard";
  label: string;
  unit: MetricUnit;
  points: ChartPoint[];
  baseline: number | null;
  band: DailyBand | null;
  /** Y-axis ticks (nice round values); the domain is [first, last]. Empty when there is nothing to draw. */
  ticks: number[];
}

/** One chart per metric (METRIC_IDS order: the rule's four, then the guards). */
export function metricCharts(input: { buckets: readonly ChartBucket[]; baselineDays: readonly MetricTotals[]; baseline: MetricTotals | null }): MetricChart[] {
  return METRIC_IDS.map((metric) => {
    const def = METRIC_DEFINITIONS[metric];
    const band = dailyBand(input.baselineDays, metric);
    const baseline = input.baseline ? metricValue(input.baseline, metric) : (band?.mean ?? null);
    const bandRange: [number, number] | null = band ? [band.lo, band.hi] : null;
    const points: ChartPoint[] = input.buckets.map((b) => ({
      t: b.start.getTime(),
      canary: b.totals.requests >= MIN_CHART_REQUESTS ? metricValue(b.totals, metric) : null,
      // Drawn where the canary had traffic: after a freeze the running value would only repeat itself.
      cumulative: b.totals.requests > 0 ? metricValue(b.cumulative, metric) : null,
      requests: b.totals.requests,
      cumulativeRequests: b.cumulative.requests,
      baseline,
      band: bandRange,
    }));
    const reference = [baseline, band?.lo ?? null, band?.hi ?? null];
    const settled = points.flatMap((p) => [p.canary, p.cumulativeRequests >= MIN_CHART_REQUESTS ? p.cumulative : null]);
    const fitted = [...settled, ...reference].some((v) => v !== null) ? [...settled, ...reference] : points.map((p) => p.cumulative);
    return { metric, kind: def.kind, label: def.label, unit: def.unit, points, baseline, band, ticks: axisTicks(fitted, def.unit) };
  });
}

const TIME_STEPS_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080] as const;

/**
 * X-axis ticks for [from, to]: round times (whole minutes, quarter hours, hours, days — UTC)
 * at most `maxTicks` of them, so no two ticks read the same.
 */
export function timeTicks(from: number, to: number, maxTicks: number): number[] {
  const span = Math.max(0, to - from);
  const minutes = TIME_STEPS_MINUTES.find((m) => Math.floor(span / (m * MINUTE_MS)) + 1 <= maxTicks) ?? TIME_STEPS_MINUTES[TIME_STEPS_MINUTES.length - 1]!;
  const step = minutes * MINUTE_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * Round tick values covering the finite values given (about five ticks), kept at or above 0
 * and, for rates, at or below 100%. Empty when there is no value.
 */
export function axisTicks(values: readonly (number | null)[], unit: MetricUnit, count = 5): number[] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return [];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (hi === lo) {
    const pad = hi === 0 ? (unit === "rate" ? 0.01 : unit === "usd" ? 0.01 : 10) : Math.abs(hi) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep((hi - lo) / (count - 1));
  // The small slack keeps float noise (0.81 / 0.01 = 81.00000000000001) from adding a tick.
  let first = Math.floor(lo / step + 1e-9) * step;
  let last = Math.ceil(hi / step - 1e-9) * step;
  first = Math.max(0, first);
  if (unit === "rate") last = Math.min(1, last);
  const ticks: number[] = [];
  // Round away float noise (0.30000000000000004) so tick labels are clean.
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function niceStep(raw: number): number {
  const exponent = Math.floor(Math.log10(raw));
  const base = 10 ** exponent;
  // Slack for float noise: (1 − 0.98) / 4 is 0.0050000000000000044, still a step of 0.005.
  const fraction = raw / base - 1e-9;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * base;
}

// ---------------------------------------------------------------------------------------------
// Component versions

export interface VersionCount {
  versions: Record<string, string>;
  requests: number;
  resolved: number;
  falseRefusals: number;
  policyViolations: number;
}

export interface VersionTable {
  /** Component kinds shown as columns: the change request's, then any that differ between rows. */
  kinds: string[];
  rows: (VersionCount & { key: string; share: number; resolvedRate: number | null; falseRefusalRate: number | null; policyViolationRate: number | null })[];
  total: number;
}

/** Merges rows with the same versions (several canary releases), most requests first. */
export function versionTable(counts: readonly VersionCount[], options: { highlightKinds: readonly string[] }): VersionTable {
  const merged = new Map<string, VersionCount>();
  for (const c of counts) {
    const key = JSON.stringify(Object.entries(c.versions).sort(([a], [b]) => a.localeCompare(b)));
    const seen = merged.get(key);
    merged.set(
      key,
      seen
        ? { ...seen, requests: seen.requests + c.requests, resolved: seen.resolved + c.resolved, falseRefusals: seen.falseRefusals + c.falseRefusals, policyViolations: seen.policyViolations + c.policyViolations }
        : { ...c },
    );
  }
  const total = [...merged.values()].reduce((s, c) => s + c.requests, 0);
  const rows = [...merged.entries()]
    .map(([key, c]) => {
      const rate = (x: number) => (c.requests > 0 ? x / c.requests : null);
      return { ...c, key, share: total > 0 ? c.requests / total : 0, resolvedRate: rate(c.resolved), falseRefusalRate: rate(c.falseRefusals), policyViolationRate: rate(c.policyViolations) };
    })
    .sort((a, b) => b.requests - a.requests || a.key.localeCompare(b.key));
  const present = [...new Set(rows.flatMap((r) => Object.keys(r.versions)))].sort();
  const varying = present.filter((kind) => new Set(rows.map((r) => r.versions[kind] ?? "")).size > 1);
  const highlighted = options.highlightKinds.filter((k) => present.includes(k));
  const kinds = [...new Set([...highlighted, ...varying])];
  return { kinds: kinds.length ? kinds : present, rows, total };
}
