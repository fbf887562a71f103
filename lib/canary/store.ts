import "server-only";
import { sql, type SQL } from "drizzle-orm";
import type { Database, Tx } from "@/db/client";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { LATENCY_BUCKET_COUNT } from "./histogram";
import { emptyTotals, TOTALS_SUM_FIELDS, type MetricTotals } from "./totals";

/**
 * What the canary analysis reads: sums over `outcome_rollups`, never raw events (SPEC §3). A
 * canary stage reads minute rollups since the stage began; the baseline reads hour rollups of
 * the stable arm over the 7 days before it. Each read is one query that sums counters and adds
 * the latency histograms element-wise in SQL.
 */

type Db = Database | Tx;

const COLUMN: Record<(typeof TOTALS_SUM_FIELDS)[number], string> = {
  requests: "requests",
  resolved: "resolved",
  policyViolations: "policy_violations",
  falseRefusals: "false_refusals",
  followUps: "follow_ups",
  fallbacks: "fallbacks",
  escalations: "escalations",
  manualCorrections: "manual_corrections",
  costUsd: "cost_usd",
  costUsdSq: "cost_usd_sq",
  costUsdResolved: "cost_usd_resolved",
  latencyMsSum: "latency_ms_sum",
};

const sums = sql.raw(TOTALS_SUM_FIELDS.map((f) => `coalesce(sum(r.${COLUMN[f]}), 0)::float8 as "${f}"`).join(", "));

export interface RollupSelection {
  serviceId: string;
  arm: "stable" | "canary";
  /** Only this release's rows (the canary); all releases of the arm when absent (the baseline). */
  releaseId?: string;
  granularity: "minute" | "hour";
  /** Buckets starting at or after `from` and before `to`. */
  from: Date;
  to: Date;
}

function where(s: RollupSelection): SQL {
  return sql`r.service_id = ${s.serviceId} and r.granularity = ${s.granularity} and r.arm = ${s.arm}
    ${s.releaseId ? sql`and r.release_id = ${s.releaseId}` : sql``}
    and r.bucket_start >= ${s.from.toISOString()}::timestamptz and r.bucket_start < ${s.to.toISOString()}::timestamptz`;
}

type TotalsRow = Record<string, unknown> & { hist: (number | string)[] | string | null };

function totalsOf(row: TotalsRow | undefined): MetricTotals {
  const totals = emptyTotals();
  if (!row) return totals;
  for (const f of TOTALS_SUM_FIELDS) totals[f] = Number(row[f] ?? 0);
  const hist = parseArray(row.hist);
  for (let i = 0; i < LATENCY_BUCKET_COUNT && i < hist.length; i++) totals.latencyHistogram[i] = hist[i]!;
  return totals;
}

/** node-postgres and PGlite both return float8[] as arrays; a text form is parsed just in case. */
function parseArray(value: TotalsRow["hist"]): number[] {
  if (!value) return [];
  if (Array.isArray(value)) return value.map(Number);
  return value.replace(/[{}]/g, "").split(",").filter(Boolean).map(Number);
}

/**
 * The element-wise sum of the rows' histograms in the same pass as the counters: one sum per slot
 * (a fixed layout), instead of unnesting every row's array into 47 rows and grouping them.
 */
const histogramSum = sql.raw(`array[${Array.from({ length: LATENCY_BUCKET_COUNT }, (_, i) => `coalesce(sum(r.latency_histogram[${i + 1}]), 0)`).join(", ")}]::float8[]`);

/** Sums of the selected rollup rows, in one scan. */
export async function rollupTotals(db: Db, selection: RollupSelection): Promise<MetricTotals> {
  const result = await db.execute(sql`select ${sums}, ${histogramSum} as hist from outcome_rollups r where ${where(selection)}`);
  return totalsOf(rowsOf<TotalsRow>(result)[0]);
}

/** Sums per bucket (for the charts), oldest first. */
export async function rollupSeries(db: Db, selection: RollupSelection & { step: "minute" | "hour" | "day" }): Promise<{ at: Date; totals: MetricTotals }[]> {
  const step = sql.raw(`'${selection.step}'`);
  const result = await db.execute(sql`
    select date_trunc(${step}, r.bucket_start, 'UTC') as at, ${sums}, ${histogramSum} as hist
    from outcome_rollups r where ${where(selection)}
    group by 1 order by 1`);
  return rowsOf<TotalsRow & { at: Date | string }>(result).map((row) => ({ at: new Date(row.at), totals: totalsOf(row) }));
}

/**
 * The canary's traffic by the component versions carried on its events (raw events of the
 * stage, which are few: a canary is a small share). Capped, most requests first.
 */
export async function versionBreakdown(
  db: Db,
  input: { serviceId: string; releaseId: string; from: Date; to: Date; limit?: number },
): Promise<{ versions: Record<string, string>; requests: number; resolved: number; falseRefusals: number; policyViolations: number }[]> {
  const result = await db.execute(sql`
    select e.component_versions as versions, count(*)::float8 as requests,
      (count(*) filter (where e.resolved))::float8 as resolved,
      (count(*) filter (where e.false_refusal))::float8 as "falseRefusals",
      (count(*) filter (where e.policy_violation))::float8 as "policyViolations"
    from outcome_events e
    where e.service_id = ${input.serviceId} and e.release_id = ${input.releaseId} and e.arm = 'canary'
      and e.occurred_at >= ${input.from.toISOString()}::timestamptz and e.occurred_at < ${input.to.toISOString()}::timestamptz
    group by e.component_versions order by count(*) desc limit ${input.limit ?? 10}`);
  return rowsOf<{ versions: Record<string, string> | string; requests: number; resolved: number; falseRefusals: number; policyViolations: number }>(result).map((r) => ({
    versions: typeof r.versions === "string" ? (JSON.parse(r.versions) as Record<string, string>) : r.versions,
    requests: Number(r.requests),
    resolved: Number(r.resolved),
    falseRefusals: Number(r.falseRefusals),
    policyViolations: Number(r.policyViolations),
  }));
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const floorTo = (at: Date, ms: number) => new Date(Math.floor(at.getTime() / ms) * ms);
const ceilTo = (at: Date, ms: number) => new Date(Math.ceil(at.getTime() / ms) * ms);

/**
 * The two sides of a stage's comparison: the canary release's minute rollups since the stage
 * began (from its first whole minute), and the stable arm's hour rollups over the 7 days before
 * the stage's hour — a 7-day moving average, whichever stable manifest served at the time.
 */
export async function stageComparisonTotals(
  db: Db,
  input: { serviceId: string; canaryReleaseId: string; stageStartedAt: Date; now: Date },
): Promise<{ canary: MetricTotals; baseline: MetricTotals; canaryFrom: Date; baselineFrom: Date; baselineTo: Date }> {
  // Minute rollups wholly inside the stage: a minute that began before it holds the previous stage's (or the frozen) traffic.
  const canaryFrom = ceilTo(input.stageStartedAt, MINUTE);
  const baselineTo = floorTo(input.stageStartedAt, HOUR);
  const baselineFrom = new Date(baselineTo.getTime() - 7 * 24 * HOUR);
  const [canary, baseline] = await Promise.all([
    rollupTotals(db, {
      serviceId: input.serviceId,
      arm: "canary",
      releaseId: input.canaryReleaseId,
      granularity: "minute",
      from: canaryFrom,
      to: new Date(input.now.getTime() + MINUTE),
    }),
    rollupTotals(db, { serviceId: input.serviceId, arm: "stable", granularity: "hour", from: baselineFrom, to: baselineTo }),
  ]);
  return { canary, baseline, canaryFrom, baselineFrom, baselineTo };
}
