import { latencyBucketIndex } from "@/lib/canary/histogram";
import { emptyTotals, TOTALS_SUM_FIELDS, type MetricTotals } from "@/lib/canary/totals";
import type { OutcomeArm, OutcomeEventRecord } from "./event-schema";

/**
 * What a set of new outcome events adds to the rollups: one delta per (release, arm, tenant,
 * granularity, bucket), for both the minute and the hour an event falls in. Pure. The writer adds
 * the deltas to the stored rows (ON CONFLICT DO UPDATE … + excluded …), in the order returned
 * here: every writer locks rollup rows in the same order, so concurrent batches cannot deadlock.
 */

export const ROLLUP_GRANULARITIES = ["minute", "hour"] as const;
export type RollupGranularity = (typeof ROLLUP_GRANULARITIES)[number];

const BUCKET_MS: Record<RollupGranularity, number> = { minute: 60_000, hour: 3_600_000 };

/** One rollup row's worth of new events: its key, the canary analysis' sums, and token counts. */
export interface RollupDelta extends MetricTotals {
  releaseId: string;
  arm: OutcomeArm;
  tenant: string;
  granularity: RollupGranularity;
  bucketStart: Date;
  tokensIn: number;
  tokensOut: number;
}

type RollupInput = Pick<
  OutcomeEventRecord,
  | "releaseId"
  | "arm"
  | "tenant"
  | "occurredAt"
  | "resolved"
  | "policyViolation"
  | "falseRefusal"
  | "followUp"
  | "fallback"
  | "escalated"
  | "manualCorrection"
  | "costUsd"
  | "latencyMs"
  | "tokensIn"
  | "tokensOut"
>;

/** Start of the minute or hour `at` falls in (UTC; both divide a day evenly). */
export function bucketStartOf(at: Date, granularity: RollupGranularity): Date {
  const size = BUCKET_MS[granularity];
  return new Date(Math.floor(at.getTime() / size) * size);
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The one order every writer upserts rollup rows in (key columns, left to right). */
export function compareRollupKeys(a: RollupDelta, b: RollupDelta): number {
  return (
    compareText(a.releaseId, b.releaseId) ||
    compareText(a.arm, b.arm) ||
    compareText(a.tenant, b.tenant) ||
    compareText(a.granularity, b.granularity) ||
    a.bucketStart.getTime() - b.bucketStart.getTime()
  );
}

function emptyDelta(key: Pick<RollupDelta, "releaseId" | "arm" | "tenant">, granularity: RollupGranularity, bucketStart: Date): RollupDelta {
  return { releaseId: key.releaseId, arm: key.arm, tenant: key.tenant, granularity, bucketStart, ...emptyTotals(), tokensIn: 0, tokensOut: 0 };
}

/** Adds `from`'s sums into `into` in place (same key, or `into` the hour of `from`'s minute). */
function addDelta(into: RollupDelta, from: RollupDelta): void {
  for (const field of TOTALS_SUM_FIELDS) into[field] += from[field];
  into.tokensIn += from.tokensIn;
  into.tokensOut += from.tokensOut;
  for (let i = 0; i < from.latencyHistogram.length; i++) into.latencyHistogram[i]! += from.latencyHistogram[i]!;
}

/**
 * Sums events into rollup deltas, minute and hour. Each event is added to its minute; each hour
 * is then the sum of its minutes (an hour delta's counts are exactly its events'; its float sums
 * may differ from summing the events directly in the last bits). An accumulator, so a writer can
 * add events as it streams them out.
 */
export class RollupSums {
  private readonly minutes = new Map<string, RollupDelta>();

  add(e: RollupInput): void {
    const MINUTE_MS = BUCKET_MS.minute;
    const at = e.occurredAt.getTime();
    const minute = at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    // NUL cannot occur in validated labels, so it separates the key parts unambiguously.
    const key = `${e.releaseId}\u0000${e.arm}\u0000${e.tenant}\u0000${minute}`;
    let d = this.minutes.get(key);
    if (!d) {
      d = emptyDelta(e, "minute", new Date(minute));
      this.minutes.set(key, d);
    }
    d.requests += 1;
    if (e.resolved) {
      d.resolved += 1;
      d.costUsdResolved += e.costUsd;
    }
    if (e.policyViolation) d.policyViolations += 1;
    if (e.falseRefusal) d.falseRefusals += 1;
    if (e.followUp) d.followUps += 1;
    if (e.fallback) d.fallbacks += 1;
    if (e.escalated) d.escalations += 1;
    if (e.manualCorrection) d.manualCorrections += 1;
    d.costUsd += e.costUsd;
    d.costUsdSq += e.costUsd * e.costUsd;
    d.latencyMsSum += e.latencyMs;
    d.tokensIn += e.tokensIn;
    d.tokensOut += e.tokensOut;
    d.latencyHistogram[latencyBucketIndex(e.latencyMs)]! += 1;
  }

  /** The minute and hour deltas of everything added, sorted by key. */
  deltas(): RollupDelta[] {
    const hours = new Map<string, RollupDelta>();
    for (const m of this.minutes.values()) {
      const hourStart = bucketStartOf(m.bucketStart, "hour");
      const key = `${m.releaseId}\u0000${m.arm}\u0000${m.tenant}\u0000${hourStart.getTime()}`;
      let h = hours.get(key);
      if (!h) {
        h = emptyDelta(m, "hour", hourStart);
        hours.set(key, h);
      }
      addDelta(h, m);
    }
    return [...this.minutes.values(), ...hours.values()].sort(compareRollupKeys);
  }
}

/** Sums `events` into rollup deltas, minute and hour, sorted by key (see RollupSums). */
export function rollupDeltas(events: readonly RollupInput[]): RollupDelta[] {
  const sums = new RollupSums();
  for (const e of events) sums.add(e);
  return sums.deltas();
}
