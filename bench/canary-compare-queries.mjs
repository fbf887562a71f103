/**
 * The read side of bench/canary-compare.mjs: the raw-event equivalent of stageComparisonTotals
 * (the same-run baseline), a diagnostic variant of the rollup read, and the check that stored
 * rollup rows are what the ingest path's `rollupDeltas` would have made of the same events.
 */
import { bucketSql } from "./canary-compare-data.mjs";

/** MetricTotals' plain sums (lib/canary/totals TOTALS_SUM_FIELDS) as SQL over raw events. */
const RAW_SUMS = {
  requests: "count(*)",
  resolved: "count(*) filter (where e.resolved)",
  policyViolations: "count(*) filter (where e.policy_violation)",
  falseRefusals: "count(*) filter (where e.false_refusal)",
  followUps: "count(*) filter (where e.follow_up)",
  fallbacks: "count(*) filter (where e.fallback)",
  escalations: "count(*) filter (where e.escalated)",
  manualCorrections: "count(*) filter (where e.manual_correction)",
  costUsd: "sum(e.cost_usd)",
  costUsdSq: "sum(e.cost_usd * e.cost_usd)",
  costUsdResolved: "sum(e.cost_usd) filter (where e.resolved)",
  latencyMsSum: "sum(e.latency_ms)",
};

/**
 * One side of the comparison from raw `outcome_events`: one pass (parallel on PostgreSQL),
 * grouped by latency bucket, then summed, the histogram filled to every slot.
 * Parameters: $1 bounds int[], $2 service, $3 arm, $4 from, $5 to, [$6 release].
 */
export function rawTotalsSql(withRelease, slots) {
  const fields = Object.keys(RAW_SUMS);
  return `
    select ${fields.map((f) => `coalesce(sum(c."${f}"), 0)::float8 as "${f}"`).join(", ")},
      array_agg(coalesce(c."requests", 0)::float8 order by s.i) as hist
    from generate_series(0, ${slots - 1}) as s(i) left join (
      select ${bucketSql("e.latency_ms", "$1")} as b, ${fields.map((f) => `${RAW_SUMS[f]} as "${f}"`).join(", ")}
      from outcome_events e
      where e.service_id = $2 and e.arm = $3::outcome_arm and e.occurred_at >= $4 and e.occurred_at < $5 ${withRelease ? "and e.release_id = $6" : ""}
      group by 1
    ) c on c.b = s.i`;
}

const snake = (f) => f.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/**
 * Diagnostic, not the app's code: the rows stageComparisonTotals reads, with the histograms
 * summed as array[sum(h[1]), …] in the same pass as the counters, instead of its
 * `unnest … with ordinality … group by` subquery (a second pass, 47 rows per rollup row).
 * Parameters: $1 service, $2 arm, $3 from, $4 to, [$5 release].
 */
export function indexedRollupTotalsSql(granularity, withRelease, slots) {
  return `
    select ${Object.keys(RAW_SUMS).map((f) => `coalesce(sum(r.${snake(f)}), 0)::float8 as "${f}"`).join(", ")},
      array[${Array.from({ length: slots }, (_, i) => `coalesce(sum(r.latency_histogram[${i + 1}]), 0)::float8`).join(", ")}] as hist
    from outcome_rollups r
    where r.service_id = $1 and r.granularity = '${granularity}' and r.arm = $2::outcome_arm and r.bucket_start >= $3 and r.bucket_start < $4
      ${withRelease ? "and r.release_id = $5" : ""}`;
}

const ROLLUP_FIELDS = { ...Object.fromEntries(Object.keys(RAW_SUMS).map((f) => [f, snake(f)])), tokensIn: "tokens_in", tokensOut: "tokens_out" };

/**
 * The stored minute and hour rollup rows of one (release, arm, tenant, hour) equal, field by
 * field, what `rollupDeltas` (lib/outcomes/rollup.ts, the ingest path's summing) makes of that
 * hour's raw events. Throws otherwise.
 */
export async function checkRollupsLikeIngest(c, rollupDeltas, serviceId, key) {
  const params = [serviceId, key.releaseId, key.arm, key.tenant, key.hour.toISOString(), new Date(key.hour.getTime() + 3_600_000).toISOString()];
  const ev = await c.query(
    `select occurred_at, release_id, arm::text, tenant, resolved, policy_violation, false_refusal, follow_up, fallback, escalated, manual_correction,
       cost_usd, latency_ms, tokens_in, tokens_out
     from outcome_events where service_id = $1 and release_id = $2 and arm = $3 and tenant = $4 and occurred_at >= $5 and occurred_at < $6`,
    params,
  );
  const deltas = rollupDeltas(
    ev.rows.map((r) => ({
      occurredAt: r.occurred_at, releaseId: r.release_id, arm: r.arm, tenant: r.tenant, resolved: r.resolved, policyViolation: r.policy_violation,
      falseRefusal: r.false_refusal, followUp: r.follow_up, fallback: r.fallback, escalated: r.escalated, manualCorrection: r.manual_correction,
      costUsd: r.cost_usd, latencyMs: r.latency_ms, tokensIn: r.tokens_in, tokensOut: r.tokens_out,
    })),
  );
  const stored = await c.query(
    `select granularity, bucket_start, ${Object.values(ROLLUP_FIELDS).join(", ")}, latency_histogram
     from outcome_rollups where service_id = $1 and release_id = $2 and arm = $3 and tenant = $4 and bucket_start >= $5 and bucket_start < $6`,
    params,
  );
  const byKey = new Map(stored.rows.map((r) => [`${r.granularity}@${r.bucket_start.getTime()}`, r]));
  const bad = deltas.filter((d) => {
    const row = byKey.get(`${d.granularity}@${d.bucketStart.getTime()}`);
    return !row || Object.entries(ROLLUP_FIELDS).some(([f, col]) => Number(row[col]) !== d[f]) || row.latency_histogram.some((n, i) => Number(n) !== d.latencyHistogram[i]);
  });
  if (bad.length > 0 || deltas.length !== stored.rows.length || ev.rows.length === 0) {
    throw new Error(`rollups of ${JSON.stringify(key)} differ from rollupDeltas of its ${ev.rows.length} events (${bad.length} of ${deltas.length} rows; ${stored.rows.length} stored)`);
  }
  return { events: ev.rows.length, rows: deltas.length };
}
