/**
 * Names and ranges of the daily partitions of `outcome_events` (PARTITION BY RANGE on
 * occurred_at, UTC days, migration 0003_outcome_partitions). Pure; the DDL is in
 * ./partition-store.ts.
 */

export const EVENTS_TABLE = "outcome_events";
export const DEFAULT_EVENTS_PARTITION = "outcome_events_default";

const DAY_MS = 86_400_000;
const PREFIX = "outcome_events_p";
const NAME = /^outcome_events_p(\d{4})(\d{2})(\d{2})$/;

/** The partition a time falls in: its UTC day as YYYYMMDD. */
export function partitionDayOf(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll("-", "");
}

export function partitionName(day: string): string {
  if (!/^\d{8}$/.test(day)) throw new RangeError(`Not a partition day (YYYYMMDD): ${day}`);
  return `${PREFIX}${day}`;
}

/** [from, to) of a day's partition; null for a name that is not a daily partition. */
export function partitionRangeOf(name: string): { from: Date; to: Date } | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const from = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`);
  // Rejects 20261331 and the like, which Date would roll over.
  if (Number.isNaN(from.getTime()) || partitionDayOf(from) !== `${m[1]}${m[2]}${m[3]}`) return null;
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

/** The distinct partition days of some times, in ascending order. */
export function partitionDaysOf(times: Iterable<Date>): string[] {
  // Whole UTC days first (a batch spans one or two): formatting every time would cost more.
  const days = new Set<number>();
  for (const t of times) days.add(Math.floor(t.getTime() / DAY_MS));
  return [...days].map((day) => partitionDayOf(new Date(day * DAY_MS))).sort();
}

/** The daily partitions that hold nothing newer than `cutoff` (their whole day is before it). */
export function expiredPartitions(names: readonly string[], cutoff: Date): string[] {
  return names.filter((name) => {
    const range = partitionRangeOf(name);
    return range !== null && range.to.getTime() <= cutoff.getTime();
  });
}
