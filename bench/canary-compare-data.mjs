/**
 * The traffic of bench/canary-compare.mjs, generated inside PostgreSQL: a service's outcome
 * events over 7 days and a canary stage, written into the daily partitions of `outcome_events`
 * (`insert … select … from generate_series`, random() seeded per day), and the minute and hour
 * `outcome_rollups` built from those very rows with `insert … select … group by`, so the two
 * agree by construction. Plain SQL on `pg` clients; no app code.
 *
 * The story the data tells (times relative to the stage start, see `trafficLayout`):
 *   - release A is stable at the start of the 7-day baseline window;
 *   - release B runs as a 5% canary for 6 h on day 4, then becomes stable;
 *   - release C is the canary under judgement: 10% of requests since the stage started.
 * Every event is in one of `tenants` tenants (skewed: tenant t00 gets ~22%, the last ~1%).
 *
 * Costs are whole multiples of 2^-16 USD (at most ~$0.025), so every sum — Σ cost, Σ cost², Σ cost of
 * resolved requests — is exact in float8 whatever the order of addition: rollup totals and raw
 * totals can be compared with ===.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const floorTo = (at, ms) => new Date(Math.floor(at.getTime() / ms) * ms);

/** Times of the run, from `now` (minute-aligned) and how long the stage has been running. */
export function trafficLayout(now, stageMinutes) {
  // A stage start that is not on a minute boundary, as in life (stageComparisonTotals floors it).
  const stageStartedAt = new Date(now.getTime() - stageMinutes * MINUTE - 23_000);
  const baselineTo = floorTo(stageStartedAt, HOUR);
  const baselineFrom = new Date(baselineTo.getTime() - 7 * DAY);
  return {
    now,
    stageStartedAt,
    baselineFrom,
    baselineTo,
    prevCanaryFrom: new Date(baselineFrom.getTime() + 3 * DAY + 18 * HOUR),
    promotedAt: new Date(baselineFrom.getTime() + 4 * DAY),
    /** Events are generated in [from, to): the baseline window up to now. */
    from: baselineFrom,
    to: now,
  };
}

/** The UTC days the events fall in, with each day's share of `events` (proportional to its overlap). */
export function partitionPlan(layout, events) {
  const days = [];
  for (let d = floorTo(layout.from, DAY).getTime(); d < layout.to.getTime(); d += DAY) {
    const lo = Math.max(d, layout.from.getTime());
    const hi = Math.min(d + DAY, layout.to.getTime());
    days.push({ day: new Date(d).toISOString().slice(0, 10).replaceAll("-", ""), dayStart: new Date(d), lo: new Date(lo), hi: new Date(hi) });
  }
  const span = layout.to.getTime() - layout.from.getTime();
  let given = 0;
  days.forEach((p, i) => {
    p.events = i === days.length - 1 ? events - given : Math.round((events * (p.hi - p.lo)) / span);
    given += p.events;
  });
  return days;
}

const COLUMNS =
  "service_id, event_id, occurred_at, release_id, arm, arm_name, tenant, component_versions, resolved, policy_violation, false_refusal, follow_up, fallback, escalated, manual_correction, cost_usd, latency_ms, tokens_in, tokens_out";

/**
 * One day's events into its (not yet attached) partition table. Events come in time order, as
 * they arrive in production. Canary C is a healthy change (slightly better resolution and
 * policy, +3% cost and latency), so the judge has a real decision to make.
 */
function insertDaySql(table) {
  return `
    insert into ${table} (${COLUMNS})
    select $1::uuid, $2::text || '-' || g, t, rel, (case when canary then 'canary' else 'stable' end)::outcome_arm, null,
      't' || lpad(floor($3::int * random() ^ 2)::int::text, 2, '0'),
      case rel when $4::text then '{"prompt":"assist-v1","policy":"sec-v1","model":"gpt-4o-2024-08"}'::jsonb
               when $5::text then '{"prompt":"assist-v2","policy":"sec-v1","model":"gpt-4o-2024-08"}'::jsonb
               else '{"prompt":"assist-v2","policy":"sec-v2","model":"gpt-4o-2024-08"}'::jsonb end,
      random() < (case when rel = $6 then 0.823 else 0.82 end),
      random() < (case when rel = $6 then 0.0015 else 0.002 end),
      random() < 0.01, random() < 0.08, random() < 0.02, random() < 0.015, random() < 0.005,
      -- cost: k / 65536 USD, k whole (exact sums, see the file comment)
      floor((40 + random() * random() * 1500) * (case when rel = $6 then 1.03 else 1 end)) / 65536::float8,
      -- latency: log-normal, median ~490 ms, p95 ~1.2 s, a few beyond the 120 s overflow bound
      least(250000, round(exp(6.2 + 0.55 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())) * (case when rel = $6 then 1.03 else 1 end)))::int,
      300 + floor(random() * 1500)::int, 50 + floor(random() * 600)::int
    from (
      select g, t, canary,
        case when canary then (case when t >= $7::timestamptz then $6::text else $5::text end) else (case when t >= $9::timestamptz then $5::text else $4::text end) end as rel
      from (
        select g, t, case when t >= $7::timestamptz then u < 0.10 when t >= $8::timestamptz and t < $9::timestamptz then u < 0.05 else false end as canary
        from (
          select g, $10::timestamptz + (g - 1 + random()) * $11::float8 * interval '1 millisecond' as t, random() as u
          from generate_series(1, $12::int) g offset 0
        ) a offset 0
      ) b offset 0
    ) c`;
}

const ROLLUP_COLUMNS =
  "service_id, release_id, arm, tenant, granularity, bucket_start, requests, resolved, policy_violations, false_refusals, follow_ups, fallbacks, escalations, manual_corrections, cost_usd, cost_usd_sq, cost_usd_resolved, latency_ms_sum, tokens_in, tokens_out, latency_histogram";

/**
 * The SQL latency bucket of lib/canary/histogram (`latencyBucketIndex`): slot i holds
 * (bound[i-1], bound[i]] ms, so for whole milliseconds it is the number of bounds below ms —
 * width_bucket(ms - 1, bounds); 46 (past the last bound) is the overflow slot. The bench checks
 * it against latencyBucketIndex for every ms from 0 to 130,000.
 */
export const bucketSql = (latency, boundsParam) => `width_bucket(${latency} - 1, ${boundsParam}::int[])`;

/** Minute rollups of one day's partition table, as the ingest path would have summed them. */
function minuteRollupsSql(table, slots) {
  const hist = Array.from({ length: slots }, (_, i) => `count(*) filter (where b = ${i})`).join(", ");
  return `
    insert into outcome_rollups (${ROLLUP_COLUMNS})
    select service_id, release_id, arm, tenant, 'minute', date_trunc('minute', occurred_at, 'UTC'),
      count(*), count(*) filter (where resolved), count(*) filter (where policy_violation), count(*) filter (where false_refusal),
      count(*) filter (where follow_up), count(*) filter (where fallback), count(*) filter (where escalated),
      count(*) filter (where manual_correction),
      sum(cost_usd), sum(cost_usd * cost_usd), coalesce(sum(cost_usd) filter (where resolved), 0), sum(latency_ms),
      sum(tokens_in), sum(tokens_out), array[${hist}]::bigint[]
    from (select e.*, ${bucketSql("e.latency_ms", "$1")} as b from ${table} e offset 0) e
    group by service_id, release_id, arm, tenant, date_trunc('minute', occurred_at, 'UTC')`;
}

/** Hour rollups from the minute rollups (every event is in both, as rollupDeltas makes them). */
export function hourRollupsSql(slots) {
  const hist = Array.from({ length: slots }, (_, i) => `sum(latency_histogram[${i + 1}])`).join(", ");
  return `
    insert into outcome_rollups (${ROLLUP_COLUMNS})
    select service_id, release_id, arm, tenant, 'hour', date_trunc('hour', bucket_start, 'UTC'),
      sum(requests), sum(resolved), sum(policy_violations), sum(false_refusals), sum(follow_ups), sum(fallbacks),
      sum(escalations), sum(manual_corrections), sum(cost_usd), sum(cost_usd_sq), sum(cost_usd_resolved), sum(latency_ms_sum),
      sum(tokens_in), sum(tokens_out), array[${hist}]::bigint[]
    from outcome_rollups where granularity = 'minute'
    group by service_id, release_id, arm, tenant, date_trunc('hour', bucket_start, 'UTC')`;
}

/**
 * One day: a table created as ensureEventPartitions does (`like outcome_events including
 * defaults`), filled, summed into minute rollups, indexed, attached as the day's partition,
 * then vacuumed and analysed (autovacuum would, later). Filling before ATTACH lets the index be
 * built once by sorting instead of row by row; the partition ends up the same.
 */
export async function generateDay(client, { plan, layout, serviceId, releases, tenants, bounds, slots }) {
  const table = `outcome_events_p${plan.day}`;
  const ms = {};
  let t = performance.now();
  const lap = (name) => {
    const now = performance.now();
    ms[name] = Math.round(now - t);
    t = now;
  };
  await client.query(`create table ${table} (like outcome_events including defaults)`);
  await client.query("select setseed($1)", [((Number(plan.day) % 9973) / 9973) * 2 - 1]);
  const stepMs = (plan.hi.getTime() - plan.lo.getTime()) / Math.max(1, plan.events);
  await client.query(insertDaySql(table), [
    serviceId,
    plan.day,
    tenants,
    releases.a,
    releases.b,
    releases.c,
    layout.stageStartedAt.toISOString(),
    layout.prevCanaryFrom.toISOString(),
    layout.promotedAt.toISOString(),
    plan.lo.toISOString(),
    stepMs,
    plan.events,
  ]);
  lap("insert");
  await client.query(minuteRollupsSql(table, slots), [bounds]);
  lap("rollups");
  await client.query(`create index on ${table} (service_id, release_id, occurred_at)`);
  const to = new Date(plan.dayStart.getTime() + DAY);
  await client.query(`alter table outcome_events attach partition ${table} for values from ('${plan.dayStart.toISOString()}') to ('${to.toISOString()}')`);
  lap("indexAttach");
  await client.query(`vacuum (analyze) ${table}`);
  lap("vacuum");
  return ms;
}
