import "server-only";
import { sql } from "drizzle-orm";
import type { Database } from "@/db/client";
import { DEFAULT_EVENTS_PARTITION, EVENTS_TABLE, partitionName, partitionRangeOf } from "./partitions";

/**
 * DDL for the daily partitions of `outcome_events`. The ingest path creates a day's partition
 * before the transaction that writes into it, so the partition lock is brief and never taken
 * while rows are being inserted (no deadlock with concurrent batches).
 */

/** Serialises partition creation across connections and app instances (keys in use: lib/canary/evaluator.ts). */
const PARTITION_LOCK_KEY = 727_274_005;

export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Bounds are literals in DDL (no bind parameters there); they come from our own Date, never from input. */
const timeLiteral = (at: Date) => sql.raw(`'${at.toISOString()}'`);

/** Of the given days' partitions, those that do not exist yet. */
async function missingPartitions(db: Database, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const result = await db.execute(sql`select n as name from unnest(${sql.param(names)}::text[]) as n where to_regclass(quote_ident(n)) is null`);
  return rowsOf<{ name: string }>(result).map((r) => r.name);
}

/**
 * Makes sure each day (YYYYMMDD) has its partition. Creates the missing ones one creator at a
 * time: as a plain table attached with ATTACH PARTITION, which locks the parent only in SHARE
 * UPDATE EXCLUSIVE mode, so batches being written meanwhile are not blocked. Rows that had
 * landed in the default partition for that day (only writes outside the ingest path can put
 * them there) move over first. Runs in its own transaction (a savepoint inside a caller's).
 */
export async function ensureEventPartitions(db: Database, days: readonly string[]): Promise<string[]> {
  const wanted = days.map(partitionName);
  if ((await missingPartitions(db, wanted)).length === 0) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${PARTITION_LOCK_KEY})`);
    // Never queue behind a long transaction for long; the caller's batch fails and is retried.
    await tx.execute(sql`set local lock_timeout = '10s'`);
    const missing = await missingPartitions(tx, wanted);
    for (const name of missing) {
      const { from, to } = partitionRangeOf(name)!;
      const table = sql.identifier(name);
      await tx.execute(sql`create table ${table} (like ${sql.identifier(EVENTS_TABLE)} including defaults)`);
      await tx.execute(sql`
        with moved as (
          delete from ${sql.identifier(DEFAULT_EVENTS_PARTITION)}
          where occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz
          returning *
        )
        insert into ${table} select * from moved`);
      await tx.execute(sql`alter table ${sql.identifier(EVENTS_TABLE)} attach partition ${table} for values from (${timeLiteral(from)}) to (${timeLiteral(to)})`);
    }
    return missing;
  });
}

/** The daily partitions that exist now (not the default one), by name. */
export async function listEventPartitions(db: Database): Promise<string[]> {
  const result = await db.execute(sql`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${EVENTS_TABLE}::regclass order by c.relname`);
  return rowsOf<{ name: string }>(result)
    .map((r) => r.name)
    .filter((name) => partitionRangeOf(name) !== null);
}

/** Drops daily partitions (their events are gone; rollups stay). */
export async function dropEventPartitions(db: Database, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (partitionRangeOf(name) === null) throw new RangeError(`Not a daily events partition: ${name}`);
    await db.execute(sql`drop table if exists ${sql.identifier(name)}`);
  }
}
