import "server-only";
import { sql } from "drizzle-orm";
import { getDb, type Database } from "@/db/client";
import { services } from "@/db/schema";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { dropEventPartitions, listEventPartitions, rowsOf } from "./partition-store";
import { expiredPartitions } from "./partitions";

/**
 * Retention of raw outcome events (per-service setting `outcomeRetentionDays`). Daily partitions
 * are shared by all services, so a partition is dropped once it is older than the LONGEST
 * retention; a service with a shorter one has its older rows deleted from the partitions still
 * kept. Idempotency keys are kept a day longer than their events: ingestion refuses events older
 * than the retention, so a key is never forgotten while its event could still be accepted (the
 * day covers clock differences between app instances). Rollups are never touched.
 */

const DAY_MS = 86_400_000;
/** One pruning run at a time across app instances (keys in use: lib/canary/evaluator.ts). */
export const RETENTION_LOCK_KEY = 727_274_004;
const KEY_GRACE_MS = DAY_MS;

export interface PruneReport {
  droppedPartitions: string[];
  deletedEvents: number;
  deletedKeys: number;
}

/** Removes raw events and keys older than each service's retention at `now`. Safe to run anywhere, any time. */
export async function pruneOutcomeEvents(db: Database, now: Date): Promise<PruneReport | null> {
  return db.transaction(async (tx) => {
    const [lock] = rowsOf<{ locked: boolean }>(await tx.execute(sql`select pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) as locked`));
    // Another instance is pruning right now: nothing to add.
    if (!lock?.locked) return null;
    // Dropping a partition locks the events table: never hold up ingestion for long; next run retries.
    await tx.execute(sql`set local lock_timeout = '3s'`);

    const rows = await tx.select({ id: services.id, settings: services.settings }).from(services);
    const retention = rows.map((s) => ({ id: s.id, days: serviceSettingsSchema.parse(s.settings ?? {}).outcomeRetentionDays }));
    // The longest retention any service has, not the default: with every service on 7 days, a
    // 20-day-old partition holds nothing anyone keeps. (The default only when there is no service.)
    const longest = retention.length > 0 ? Math.max(...retention.map((r) => r.days)) : serviceSettingsSchema.parse({}).outcomeRetentionDays;

    const droppedPartitions = expiredPartitions(await listEventPartitions(tx), new Date(now.getTime() - longest * DAY_MS));
    await dropEventPartitions(tx, droppedPartitions);

    let deletedEvents = 0;
    let deletedKeys = 0;
    for (const { id, days } of retention) {
      const cutoff = new Date(now.getTime() - days * DAY_MS);
      // Partition pruning keeps this to the old partitions (and the default one).
      const events = await tx.execute(sql`delete from outcome_events where service_id = ${id} and occurred_at < ${cutoff.toISOString()}::timestamptz`);
      deletedEvents += affected(events);
      const keys = await tx.execute(
        sql`delete from outcome_event_keys where service_id = ${id} and occurred_at < ${new Date(cutoff.getTime() - KEY_GRACE_MS).toISOString()}::timestamptz`,
      );
      deletedKeys += affected(keys);
    }
    return { droppedPartitions, deletedEvents, deletedKeys };
  });
}

function affected(result: unknown): number {
  const r = result as { rowCount?: number | null; affectedRows?: number };
  return Number(r.rowCount ?? r.affectedRows ?? 0);
}

const globalForRetention = globalThis as unknown as { __changegateOutcomeRetention?: { first: ReturnType<typeof setTimeout>; every: ReturnType<typeof setInterval> } };

/**
 * Starts the once-per-process retention timer: a first run shortly after start, then every
 * `intervalMs` (default hourly). A second call does nothing. Returns a stop function.
 */
export function startOutcomeRetention(options: { intervalMs?: number; firstRunMs?: number } = {}): () => void {
  if (!globalForRetention.__changegateOutcomeRetention) {
    let running = false;
    const run = () => {
      if (running) return;
      running = true;
      getDb()
        .then((db) => pruneOutcomeEvents(db, new Date()))
        .then((report) => {
          if (report && (report.droppedPartitions.length > 0 || report.deletedEvents > 0)) {
            console.log(
              `[outcomes] retention: dropped ${report.droppedPartitions.length} partition(s), deleted ${report.deletedEvents} event(s) and ${report.deletedKeys} key(s)`,
            );
          }
        })
        .catch((err) => console.error("[outcomes] retention run failed (retried next hour)", err))
        .finally(() => {
          running = false;
        });
    };
    const first = setTimeout(run, options.firstRunMs ?? 60_000);
    const every = setInterval(run, options.intervalMs ?? 3_600_000);
    // The timers alone must not keep the process alive (tests, CLI scripts).
    first.unref();
    every.unref();
    globalForRetention.__changegateOutcomeRetention = { first, every };
  }
  return () => {
    const timers = globalForRetention.__changegateOutcomeRetention;
    if (timers) {
      clearTimeout(timers.first);
      clearInterval(timers.every);
    }
    globalForRetention.__changegateOutcomeRetention = undefined;
  };
}
