import { addToHistogram, emptyHistogram } from "@/lib/canary/histogram";
import { localParts } from "./clock";
import { Prng } from "./prng";
import type { OutcomeRates, ReleaseSpec, ServiceScenario, TrafficProfile } from "./types";

/**
 * Hourly outcome rollups for the demo: a daily traffic cycle in the service's business hours,
 * quieter weekends, noise, and the release that was serving at each hour (stable arm, plus the
 * canary arm while a canary ran).
 */

const HOUR = 3_600_000;

export const DEMO_ROLLUP_DAYS = 14;

export interface RollupRow {
  serviceId: string;
  releaseId: string;
  arm: "stable" | "canary";
  tenant: string;
  granularity: "hour";
  bucketStart: Date;
  requests: number;
  resolved: number;
  policyViolations: number;
  falseRefusals: number;
  followUps: number;
  fallbacks: number;
  escalations: number;
  manualCorrections: number;
  costUsd: number;
  latencyMsSum: number;
  tokensIn: number;
  tokensOut: number;
  latencyHistogram: number[];
}

type WrittenRelease = ReleaseSpec & { id: string };

/** Relative traffic (0..1) at a local hour of day. */
function dailyShape(localHour: number, t: TrafficProfile): number {
  const [open, close] = t.businessHours;
  let bump: number;
  if (localHour >= open && localHour <= close) {
    bump = 0.7 + 0.3 * Math.sin((Math.PI * (localHour - open)) / (close - open));
  } else {
    const distance = localHour < open ? Math.min(open - localHour, localHour + 24 - close) : Math.min(localHour - close, open + 24 - localHour);
    bump = 0.7 * Math.exp(-distance / 1.5);
  }
  return t.nightFloor + (1 - t.nightFloor) * bump;
}

/** What the pointer served at `at`: the stable release and the canary (if one was running). */
function servingAt(releases: readonly WrittenRelease[], at: number) {
  let stable: WrittenRelease | undefined;
  let latestIndex = -1;
  releases.forEach((r, i) => {
    if (r.at.getTime() > at) return;
    latestIndex = i;
    if (r.canaryPercent >= 100) stable = r;
  });
  const latest = releases[latestIndex];
  if (!stable || !latest || latest.canaryPercent >= 100) return { stable, canary: undefined };
  let percent = latest.canaryPercent;
  for (const stage of latest.canaryStages ?? []) if (stage.at.getTime() <= at) percent = stage.percent;
  return { stable, canary: { release: latest, index: latestIndex, percent } };
}

export function buildDemoRollups(input: {
  scenario: ServiceScenario;
  serviceId: string;
  releases: readonly WrittenRelease[];
  anchor: Date;
}): RollupRow[] {
  const { scenario, serviceId, releases, anchor } = input;
  const t = scenario.traffic;
  const rng = new Prng(`changegate-demo:${scenario.slug}:rollups`);
  const tenantResolvedOffset = Object.fromEntries(scenario.tenants.map((x) => [x.slug, rng.normal(0, 0.012)]));
  const rows: RollupRow[] = [];

  const first = anchor.getTime() - DEMO_ROLLUP_DAYS * 24 * HOUR;
  for (let start = first; start < anchor.getTime(); start += HOUR) {
    const { stable, canary } = servingAt(releases, start);
    if (!stable) continue;
    const local = localParts(new Date(start + HOUR / 2), scenario.timeZone);
    const weekend = local.isoWeekday >= 6;
    const shape = dailyShape(local.hour + 0.5, t);

    for (const tenant of scenario.tenants) {
      const peak = t.peakPerHour[tenant.slug] ?? 0;
      const expected = peak * shape * (weekend ? t.weekendFactor : 1) * rng.logNormal(1, 0.12);
      const requests = rng.poisson(expected);
      const targeted = canary && (canary.release.targetTenants?.length ? canary.release.targetTenants.includes(tenant.slug) : true);
      const canaryRequests = canary && targeted ? rng.binomial(requests, canary.percent / 100) : 0;
      const baseRates = { ...t.rates, resolved: t.rates.resolved + (tenantResolvedOffset[tenant.slug] ?? 0) };
      const common = { serviceId, tenant: tenant.slug, granularity: "hour" as const, bucketStart: new Date(start) };

      const stableRow = outcomes(rng, requests - canaryRequests, baseRates, t, shape, 1);
      if (stableRow) rows.push({ ...common, releaseId: stable.id, arm: "stable", ...stableRow });
      if (canary && canaryRequests > 0) {
        const override = t.canaryRates?.[canary.index] ?? {};
        const { latencyFactor = 1, ...rates } = override;
        const canaryRow = outcomes(rng, canaryRequests, { ...baseRates, ...rates }, t, shape, latencyFactor);
        if (canaryRow) rows.push({ ...common, releaseId: canary.release.id, arm: "canary", ...canaryRow });
      }
    }
  }
  return rows;
}

function outcomes(rng: Prng, n: number, r: OutcomeRates, t: TrafficProfile, load: number, latencyFactor: number) {
  if (n <= 0) return null;
  const histogram = emptyHistogram();
  let latencyMsSum = 0;
  // Busy hours are a little slower (queueing at the model provider).
  const median = t.latency.medianMs * latencyFactor * (0.92 + 0.16 * load);
  for (let i = 0; i < n; i++) {
    const ms = Math.round(rng.logNormal(median, t.latency.sigma));
    latencyMsSum += ms;
    addToHistogram(histogram, ms);
  }
  const jitter = (sd: number) => Math.exp(rng.normal(0, sd));
  return {
    requests: n,
    resolved: rng.binomial(n, r.resolved),
    policyViolations: rng.binomial(n, r.policyViolations),
    falseRefusals: rng.binomial(n, r.falseRefusals),
    followUps: rng.binomial(n, r.followUps),
    fallbacks: rng.binomial(n, r.fallbacks),
    escalations: rng.binomial(n, r.escalations),
    manualCorrections: rng.binomial(n, r.manualCorrections),
    costUsd: Math.round(n * t.costPerRequestUsd * jitter(0.06) * 1e6) / 1e6,
    latencyMsSum,
    tokensIn: Math.round(n * t.tokensIn * jitter(0.05)),
    tokensOut: Math.round(n * t.tokensOut * jitter(0.07)),
    latencyHistogram: histogram,
  };
}
