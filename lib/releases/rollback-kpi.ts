/**
 * The rollback-time KPI (SPEC §2, issue 4 point 2): how long from the operator's click, and from
 * the first alarm, to the pointer flip. Pure: the query hands in the rows of the window.
 */

export interface RollbackTiming {
  clickedAt: Date;
  firstAlarmAt: Date | null;
  flippedAt: Date;
}

export interface DurationStats {
  /** How many rollbacks the figures cover. */
  count: number;
  /** The middle value; the mean of the two middle values for an even count. */
  medianMs: number;
  /** The slowest one. */
  worstMs: number;
}

export interface RollbackTimeKpi {
  count: number;
  clickToFlip: DurationStats | null;
  /** Only over rollbacks that had an alarm; null when none had. */
  alarmToFlip: DurationStats | null;
}

export function durationStats(durationsMs: readonly number[]): DurationStats | null {
  if (durationsMs.length === 0) return null;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: sorted.length, medianMs, worstMs: sorted[sorted.length - 1]! };
}

export function rollbackTimeKpi(rows: readonly RollbackTiming[]): RollbackTimeKpi {
  // A clock skew must not produce negative durations: a flip cannot precede its click.
  const since = (from: Date, to: Date) => Math.max(0, to.getTime() - from.getTime());
  return {
    count: rows.length,
    clickToFlip: durationStats(rows.map((r) => since(r.clickedAt, r.flippedAt))),
    alarmToFlip: durationStats(rows.flatMap((r) => (r.firstAlarmAt ? [since(r.firstAlarmAt, r.flippedAt)] : []))),
  };
}

/** "437 ms", "6.7 s", "6 min 41 s", "1 h 02 min": the KPI as the Overview shows it. */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1_000) return `${Math.round(ms)} ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1_000);
  if (totalSeconds < 3_600) return `${Math.floor(totalSeconds / 60)} min ${String(totalSeconds % 60).padStart(2, "0")} s`;
  const totalMinutes = Math.round(ms / 60_000);
  return `${Math.floor(totalMinutes / 60)} h ${String(totalMinutes % 60).padStart(2, "0")} min`;
}
