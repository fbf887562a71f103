import "server-only";
import { eq, inArray, sql } from "drizzle-orm";
import type { Database, Tx } from "@/db/client";
import { releaseManifests, services } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { releaseIdsOf, validateOutcomeBatch, type KnownRelease, type OutcomeBatchAnswer } from "./batch";
import type { OutcomeEventRecord } from "./event-schema";
import { copyEventKeys, copyEvents, isUniqueViolation, pgConnectionOf } from "./event-copy";
import { ensureEventPartitions, rowsOf } from "./partition-store";
import { partitionDaysOf } from "./partitions";
import { rollupDeltas, RollupSums, type RollupDelta } from "./rollup";

/**
 * The one way outcome events get in — the API, the demo seed and the simulator all call
 * `ingestOutcomeEvents`. A batch is validated (./batch.ts), then written in ONE transaction:
 *
 * 1. its idempotency keys go into `outcome_event_keys`, whose primary key decides which events
 *    are new: by COPY, which fails whole on a key stored before — the transaction is then
 *    rolled back and the batch written again with ON CONFLICT DO NOTHING RETURNING (KeyWrite).
 *    A concurrent batch with the same keys waits on the first one's uncommitted keys and then
 *    finds them taken, so a retry is counted once even when it races the original;
 * 2. the new events go into the partitioned `outcome_events`;
 * 3. the rollup deltas of the new events are added to `outcome_rollups` (minute and hour).
 *
 * Every statement is one bulk write (binary COPY on PostgreSQL, else INSERT … SELECT FROM
 * unnest(arrays); see writeOutcomeEvents), never row by row. Keys and rollup rows are written in
 * sorted order, so concurrent batches lock them in the same order and cannot deadlock. Events
 * and rollups commit together or not at all.
 */

export interface IngestResult extends OutcomeBatchAnswer {
  /** Rejections that name another service's release (for the API's 403 when that is all). */
  foreignReleaseRejections: number;
}

/** Validates and stores a batch of raw events for a service. Refuses (404) an unknown service. */
export async function ingestOutcomeEvents(
  db: Database,
  input: { serviceId: string; events: readonly unknown[]; now: Date },
): Promise<IngestResult> {
  const { serviceId, events, now } = input;
  // Two independent look-ups: on PostgreSQL they run side by side on two pooled connections.
  const [[service], releases] = await Promise.all([
    db.select({ slug: services.slug, settings: services.settings }).from(services).where(eq(services.id, serviceId)).limit(1),
    knownReleases(db, events),
  ]);
  if (!service) throw new AppError("not_found", "This token's service does not exist (any more).");
  const retentionDays = serviceSettingsSchema.parse(service.settings ?? {}).outcomeRetentionDays;

  const batch = validateOutcomeBatch({ events, service: { id: serviceId, slug: service.slug, retentionDays }, releases, now });
  let stored = { accepted: 0, alreadyStored: 0 };
  if (batch.valid.length > 0) {
    await ensureEventPartitions(db, partitionDaysOf(batch.valid.map((e) => e.occurredAt)));
    const write = (keys: KeyWrite) => db.transaction((tx) => writeOutcomeEvents(tx, serviceId, batch.valid, keys));
    // A batch with a key stored before (a retry) fails the keys' COPY: its transaction rolled
    // back, it is written again with the keys' INSERT … ON CONFLICT, which says which are new.
    stored = await write("copy").catch((err: unknown) => {
      if (isUniqueViolation(err)) return write("insert");
      throw err;
    });
  }
  return {
    accepted: stored.accepted,
    duplicates: stored.alreadyStored + batch.repeatedInBatch,
    rejected: batch.rejected,
    foreignReleaseRejections: batch.foreignReleaseRejections,
  };
}

async function knownReleases(db: Database, events: readonly unknown[]): Promise<Map<string, KnownRelease>> {
  const ids = releaseIdsOf(events);
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: releaseManifests.id, serviceId: releaseManifests.serviceId, serviceSlug: services.slug })
    .from(releaseManifests)
    .innerJoin(services, eq(services.id, releaseManifests.serviceId))
    .where(inArray(releaseManifests.id, ids));
  return new Map(rows.map((r) => [r.id, { serviceId: r.serviceId, serviceSlug: r.serviceSlug }]));
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const param = (values: unknown[]) => sql.param(values);

/**
 * How the idempotency keys go in: "copy" (binary COPY, real PostgreSQL in a transaction only;
 * fails with a unique violation, aborting the transaction, when any key is already stored) or
 * "insert" (INSERT … ON CONFLICT DO NOTHING RETURNING: stores the new ones and says which).
 */
export type KeyWrite = "copy" | "insert";

/**
 * Writes validated events (distinct eventIds) inside the caller's transaction; returns how many
 * were new and how many were stored before. Their partitions must exist (ensureEventPartitions).
 * On real PostgreSQL inside a transaction the events go in by binary COPY (./event-copy.ts), and
 * the keys too with `keys: "copy"` (see KeyWrite); elsewhere (PGlite) both are
 * INSERT … SELECT FROM unnest(arrays).
 */
export async function writeOutcomeEvents(
  tx: Tx | Database,
  serviceId: string,
  events: readonly OutcomeEventRecord[],
  keys: KeyWrite = "insert",
): Promise<{ accepted: number; alreadyStored: number }> {
  if (events.length === 0) return { accepted: 0, alreadyStored: 0 };
  const sorted = [...events].sort((a, b) => compareText(a.eventId, b.eventId));
  const connection = pgConnectionOf(tx);

  let fresh: readonly OutcomeEventRecord[];
  if (connection && keys === "copy") {
    await copyEventKeys(connection, serviceId, sorted);
    fresh = sorted;
  } else {
    fresh = await insertNewKeys(tx, serviceId, sorted);
    if (fresh.length === 0) return { accepted: 0, alreadyStored: events.length };
  }

  if (connection) {
    const sums = new RollupSums();
    await copyEvents(connection, serviceId, fresh, (e) => sums.add(e));
    await addToRollups(tx, serviceId, sums.deltas());
  } else {
    await insertEvents(tx, serviceId, fresh);
    await addToRollups(tx, serviceId, rollupDeltas(fresh));
  }
  return { accepted: fresh.length, alreadyStored: events.length - fresh.length };
}

/** Inserts the keys that are not stored yet; returns the events whose keys were new. */
async function insertNewKeys(tx: Tx | Database, serviceId: string, sorted: readonly OutcomeEventRecord[]): Promise<OutcomeEventRecord[]> {
  const keys = await tx.execute(sql`
    insert into outcome_event_keys (service_id, event_id, occurred_at)
    select ${serviceId}::uuid, k.event_id, k.occurred_at
    from unnest(${param(sorted.map((e) => e.eventId))}::text[], ${param(sorted.map((e) => e.occurredAt.toISOString()))}::timestamptz[])
      with ordinality as k(event_id, occurred_at, ord)
    order by k.ord
    on conflict do nothing
    returning event_id`);
  const newIds = new Set(rowsOf<{ event_id: string }>(keys).map((r) => r.event_id));
  return sorted.filter((e) => newIds.has(e.eventId));
}

async function insertEvents(tx: Tx | Database, serviceId: string, fresh: readonly OutcomeEventRecord[]): Promise<void> {
  const col = <T>(pick: (e: OutcomeEventRecord) => T) => param(fresh.map(pick));
  await tx.execute(sql`
    insert into outcome_events (service_id, event_id, occurred_at, release_id, arm, arm_name, tenant, component_versions,
      resolved, policy_violation, false_refusal, follow_up, fallback, escalated, manual_correction,
      cost_usd, latency_ms, tokens_in, tokens_out)
    select ${serviceId}::uuid, e.event_id, e.occurred_at, e.release_id, e.arm::outcome_arm, e.arm_name, e.tenant, e.component_versions::jsonb,
      e.resolved, e.policy_violation, e.false_refusal, e.follow_up, e.fallback, e.escalated, e.manual_correction,
      e.cost_usd, e.latency_ms, e.tokens_in, e.tokens_out
    from unnest(
      ${col((e) => e.eventId)}::text[], ${col((e) => e.occurredAt.toISOString())}::timestamptz[], ${col((e) => e.releaseId)}::text[],
      ${col((e) => e.arm)}::text[], ${col((e) => e.armName)}::text[], ${col((e) => e.tenant)}::text[],
      ${col((e) => JSON.stringify(e.componentVersions))}::text[],
      ${col((e) => e.resolved)}::boolean[], ${col((e) => e.policyViolation)}::boolean[], ${col((e) => e.falseRefusal)}::boolean[],
      ${col((e) => e.followUp)}::boolean[], ${col((e) => e.fallback)}::boolean[], ${col((e) => e.escalated)}::boolean[],
      ${col((e) => e.manualCorrection)}::boolean[],
      ${col((e) => e.costUsd)}::float8[], ${col((e) => e.latencyMs)}::int4[], ${col((e) => e.tokensIn)}::int4[], ${col((e) => e.tokensOut)}::int4[]
    ) as e(event_id, occurred_at, release_id, arm, arm_name, tenant, component_versions,
      resolved, policy_violation, false_refusal, follow_up, fallback, escalated, manual_correction,
      cost_usd, latency_ms, tokens_in, tokens_out)`);
}

/** Adds minute and hour deltas (sorted by key, as RollupSums gives them: no deadlocks) to the rollups. */
async function addToRollups(tx: Tx | Database, serviceId: string, deltas: readonly RollupDelta[]): Promise<void> {
  const col = <T>(pick: (d: (typeof deltas)[number]) => T) => param(deltas.map(pick));
  await tx.execute(sql`
    insert into outcome_rollups as r (service_id, release_id, arm, tenant, granularity, bucket_start,
      requests, resolved, policy_violations, false_refusals, follow_ups, fallbacks, escalations, manual_corrections,
      cost_usd, cost_usd_sq, cost_usd_resolved, latency_ms_sum, tokens_in, tokens_out, latency_histogram)
    select ${serviceId}::uuid, d.release_id, d.arm::outcome_arm, d.tenant, d.granularity, d.bucket_start,
      d.requests, d.resolved, d.policy_violations, d.false_refusals, d.follow_ups, d.fallbacks, d.escalations, d.manual_corrections,
      d.cost_usd, d.cost_usd_sq, d.cost_usd_resolved, d.latency_ms_sum, d.tokens_in, d.tokens_out, d.latency_histogram::bigint[]
    from unnest(
      ${col((d) => d.releaseId)}::text[], ${col((d) => d.arm)}::text[], ${col((d) => d.tenant)}::text[],
      ${col((d) => d.granularity)}::text[], ${col((d) => d.bucketStart.toISOString())}::timestamptz[],
      ${col((d) => d.requests)}::int8[], ${col((d) => d.resolved)}::int8[], ${col((d) => d.policyViolations)}::int8[],
      ${col((d) => d.falseRefusals)}::int8[], ${col((d) => d.followUps)}::int8[], ${col((d) => d.fallbacks)}::int8[],
      ${col((d) => d.escalations)}::int8[], ${col((d) => d.manualCorrections)}::int8[],
      ${col((d) => d.costUsd)}::float8[], ${col((d) => d.costUsdSq)}::float8[], ${col((d) => d.costUsdResolved)}::float8[], ${col((d) => d.latencyMsSum)}::float8[],
      ${col((d) => d.tokensIn)}::int8[], ${col((d) => d.tokensOut)}::int8[],
      ${col((d) => `{${d.latencyHistogram.join(",")}}`)}::text[]
    ) with ordinality as d(release_id, arm, tenant, granularity, bucket_start,
      requests, resolved, policy_violations, false_refusals, follow_ups, fallbacks, escalations, manual_corrections,
      cost_usd, cost_usd_sq, cost_usd_resolved, latency_ms_sum, tokens_in, tokens_out, latency_histogram, ord)
    order by d.ord
    on conflict (service_id, release_id, arm, tenant, granularity, bucket_start) do update set
      requests = r.requests + excluded.requests,
      resolved = r.resolved + excluded.resolved,
      policy_violations = r.policy_violations + excluded.policy_violations,
      false_refusals = r.false_refusals + excluded.false_refusals,
      follow_ups = r.follow_ups + excluded.follow_ups,
      fallbacks = r.fallbacks + excluded.fallbacks,
      escalations = r.escalations + excluded.escalations,
      manual_corrections = r.manual_corrections + excluded.manual_corrections,
      cost_usd = r.cost_usd + excluded.cost_usd,
      cost_usd_sq = r.cost_usd_sq + excluded.cost_usd_sq,
      cost_usd_resolved = r.cost_usd_resolved + excluded.cost_usd_resolved,
      latency_ms_sum = r.latency_ms_sum + excluded.latency_ms_sum,
      tokens_in = r.tokens_in + excluded.tokens_in,
      tokens_out = r.tokens_out + excluded.tokens_out,
      latency_histogram = array(
        select coalesce(r.latency_histogram[i], 0) + coalesce(excluded.latency_histogram[i], 0)
        from generate_series(1, greatest(cardinality(r.latency_histogram), cardinality(excluded.latency_histogram))) as i
        order by i)`);
}
