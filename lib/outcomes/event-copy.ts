import "server-only";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Client } from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Database, Tx } from "@/db/client";
import { BinaryCopyWriter, uuidBytes } from "./binary-copy";
import type { OutcomeEventRecord } from "./event-schema";

/**
 * The fast write of outcome events on real PostgreSQL: binary `COPY … FROM STDIN` on the
 * transaction's own connection (pg-copy-streams); the events go in 3–4× faster than by the
 * `INSERT … SELECT FROM unnest(arrays)` PGlite keeps (docs/benchmarks.md, ingest). PGlite has no
 * COPY FROM STDIN through its driver: there the INSERTs stay (./ingest.ts).
 */

/** The pg connection a drizzle transaction runs on, or null (PGlite, or not in a transaction). */
export function pgConnectionOf(tx: Tx | Database): Client | null {
  const client = (tx as unknown as { _?: { session?: { client?: unknown } } })._?.session?.client;
  return client instanceof Client ? client : null;
}

/** Streams binary COPY data into `table (columns)` on `client`; returns the rows PostgreSQL stored. */
async function copyBinary(client: Client, table: string, columns: readonly string[], data: Iterable<Buffer>): Promise<number> {
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(", ")}) from stdin (format binary)`));
  await pipeline(Readable.from(data, { objectMode: false }), stream);
  return stream.rowCount ?? 0;
}

/** Rows per chunk of COPY data: PostgreSQL stores one chunk while the next is being encoded. */
const ROWS_PER_CHUNK = 250;
const KEYS_PER_CHUNK = 1_000;

/** SQLSTATE unique_violation: a COPY of keys met a key stored before (a retried batch). */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}

const KEY_COLUMNS = ["service_id", "event_id", "occurred_at"] as const;

function* keyRowChunks(serviceId: string, events: readonly OutcomeEventRecord[]): Generator<Buffer> {
  const service = uuidBytes(serviceId);
  const w = new BinaryCopyWriter(KEYS_PER_CHUNK * 200);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    w.row(3).uuid(service).text(e.eventId).timestamptz(e.occurredAt.getTime());
    if ((i + 1) % KEYS_PER_CHUNK === 0 && i + 1 < events.length) yield w.take();
  }
  yield w.finish();
}

/**
 * COPYs the events' idempotency keys (in the given order, so concurrent writers lock them in the
 * same order). Fails with a unique violation (see isUniqueViolation) when any key is already
 * stored, which aborts the transaction: the caller writes the batch again, in a new transaction,
 * with the INSERT … ON CONFLICT path (./ingest.ts, KeyWrite).
 */
export async function copyEventKeys(client: Client, serviceId: string, events: readonly OutcomeEventRecord[]): Promise<void> {
  const stored = await copyBinary(client, "outcome_event_keys", KEY_COLUMNS, keyRowChunks(serviceId, events));
  if (stored !== events.length) throw new Error(`COPY stored ${stored} of ${events.length} event keys`);
}

export const EVENT_COLUMNS = [
  "service_id", "event_id", "occurred_at", "release_id", "arm", "arm_name", "tenant", "component_versions",
  "resolved", "policy_violation", "false_refusal", "follow_up", "fallback", "escalated", "manual_correction",
  "cost_usd", "latency_ms", "tokens_in", "tokens_out",
] as const;

/**
 * The events as binary COPY rows of `outcome_events` (EVENT_COLUMNS, in that order), in chunks
 * of ROWS_PER_CHUNK rows; concatenated, the chunks are one COPY's data.
 */
export function* eventRowChunks(serviceId: string, events: readonly OutcomeEventRecord[], onRow?: (event: OutcomeEventRecord) => void): Generator<Buffer> {
  const service = uuidBytes(serviceId);
  const w = new BinaryCopyWriter(ROWS_PER_CHUNK * 400);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    w.row(EVENT_COLUMNS.length).uuid(service).text(e.eventId).timestamptz(e.occurredAt.getTime()).text(e.releaseId).text(e.arm);
    if (e.armName === null) w.null();
    else w.text(e.armName);
    w.text(e.tenant).jsonb(JSON.stringify(e.componentVersions));
    w.bool(e.resolved).bool(e.policyViolation).bool(e.falseRefusal).bool(e.followUp).bool(e.fallback).bool(e.escalated).bool(e.manualCorrection);
    w.float8(e.costUsd).int4(e.latencyMs).int4(e.tokensIn).int4(e.tokensOut);
    onRow?.(e);
    if ((i + 1) % ROWS_PER_CHUNK === 0 && i + 1 < events.length) yield w.take();
  }
  yield w.finish();
}

/**
 * COPYs new events into the partitioned `outcome_events` (their day partitions must exist). The
 * rows are encoded as the COPY asks for them, so encoding and storing overlap; `onRow` sees each
 * event as it is encoded, so work done there (the rollup sums) overlaps PostgreSQL storing too.
 */
export async function copyEvents(client: Client, serviceId: string, events: readonly OutcomeEventRecord[], onRow?: (event: OutcomeEventRecord) => void): Promise<void> {
  const stored = await copyBinary(client, "outcome_events", EVENT_COLUMNS, eventRowChunks(serviceId, events, onRow));
  if (stored !== events.length) throw new Error(`COPY stored ${stored} of ${events.length} events`);
}
