import { localParts } from "./clock";
import { Prng } from "./prng";
import type { OutcomeRates, ReleaseSpec, ServiceScenario, TrafficProfile } from "./types";

/**
 * Demo outcome EVENTS, as an LLM service would report them: a daily traffic cycle in the
 * service's business hours, quieter weekends, noise, and the release that was serving at each
 * moment (stable arm, plus the canary arm while a canary ran). The seed sends them through the
 * ingestion core (lib/outcomes/ingest.ts), which writes the raw partitions and the rollups the
 * way the API does.
 */

const HOUR = 3_600_000;

export const DEMO_EVENT_DAYS = 14;

/**
 * The demo reports this share of the scenario's traffic (its `peakPerHour`), to keep the first
 * start fast; rates, costs and latencies are per request and do not depend on it.
 */
export const DEMO_TRAFFIC_SHARE = 1;

/** One event in the API's JSON shape (lib/outcomes/event-schema.ts). */
export interface DemoOutcomeEvent {
  eventId: string;
  occurredAt: string;
  releaseId: string;
  arm: "stable" | "canary";
  tenant: string;
  componentVersions: Record<string, string>;
  resolved: boolean;
  policyViolation: boolean;
  falseRefusal: boolean;
  followUp: boolean;
  fallback: boolean;
  escalated: boolean;
  manualCorrection: boolean;
  costUsd: number;
  latencyMs: number;
  tokensIn: number;
  tokensOut: number;
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

export function buildDemoEvents(input: { scenario: ServiceScenario; releases: readonly WrittenRelease[]; anchor: Date }): DemoOutcomeEvent[] {
  const { scenario, releases, anchor } = input;
  const t = scenario.traffic;
  const rng = new Prng(`changegate-demo:${scenario.slug}:events`);
  const tenantResolvedOffset = Object.fromEntries(scenario.tenants.map((x) => [x.slug, rng.normal(0, 0.012)]));
  const events: DemoOutcomeEvent[] = [];
  let sequence = 0;

  const first = anchor.getTime() - DEMO_EVENT_DAYS * 24 * HOUR;
  for (let start = first; start < anchor.getTime(); start += HOUR) {
    const { stable, canary } = servingAt(releases, start);
    if (!stable) continue;
    const local = localParts(new Date(start + HOUR / 2), scenario.timeZone);
    const weekend = local.isoWeekday >= 6;
    const shape = dailyShape(local.hour + 0.5, t);

    for (const tenant of scenario.tenants) {
      const peak = (t.peakPerHour[tenant.slug] ?? 0) * DEMO_TRAFFIC_SHARE;
      const expected = peak * shape * (weekend ? t.weekendFactor : 1) * rng.logNormal(1, 0.12);
      const requests = rng.poisson(expected);
      const targeted = canary && (canary.release.targetTenants?.length ? canary.release.targetTenants.includes(tenant.slug) : true);
      const canaryRequests = canary && targeted ? rng.binomial(requests, canary.percent / 100) : 0;
      const baseRates = { ...t.rates, resolved: t.rates.resolved + (tenantResolvedOffset[tenant.slug] ?? 0) };
      const arms: { release: WrittenRelease; arm: "stable" | "canary"; n: number; rates: OutcomeRates; latencyFactor: number }[] = [{ release: stable, arm: "stable", n: requests - canaryRequests, rates: baseRates, latencyFactor: 1 }];
      if (canary && canaryRequests > 0) {
        const { latencyFactor = 1, ...rates } = t.canaryRates?.[canary.index] ?? {};
        arms.push({ release: canary.release, arm: "canary", n: canaryRequests, rates: { ...baseRates, ...rates }, latencyFactor });
      }
      for (const a of arms) {
        for (let i = 0; i < a.n; i++) {
          const occurredAt = new Date(start + Math.floor(rng.next() * HOUR));
          events.push({
            eventId: `demo-${scenario.slug}-${String(++sequence).padStart(7, "0")}`,
            occurredAt: occurredAt.toISOString(),
            releaseId: a.release.id,
            arm: a.arm,
            tenant: tenant.slug,
            componentVersions: a.release.bundle,
            ...outcome(rng, a.rates, t, shape, a.latencyFactor),
          });
        }
      }
    }
  }
  return events;
}

/** One request's outcome: flags drawn at the scenario's rates, log-normal latency and tokens, cost from the tokens. */
function outcome(rng: Prng, r: OutcomeRates, t: TrafficProfile, load: number, latencyFactor: number) {
  // Busy hours are a little slower (queueing at the model provider).
  const median = t.latency.medianMs * latencyFactor * (0.92 + 0.16 * load);
  const tokensIn = Math.max(1, Math.round(rng.logNormal(t.tokensIn, 0.3)));
  const tokensOut = Math.max(1, Math.round(rng.logNormal(t.tokensOut, 0.45)));
  // Prompt tokens make most of the cost; output tokens are dearer per token.
  const cost = t.costPerRequestUsd * (0.65 * (tokensIn / t.tokensIn) + 0.35 * (tokensOut / t.tokensOut)) * 0.93;
  return {
    resolved: rng.next() < r.resolved,
    policyViolation: rng.next() < r.policyViolations,
    falseRefusal: rng.next() < r.falseRefusals,
    followUp: rng.next() < r.followUps,
    fallback: rng.next() < r.fallbacks,
    escalated: rng.next() < r.escalations,
    manualCorrection: rng.next() < r.manualCorrections,
    costUsd: Math.round(cost * 1e7) / 1e7,
    latencyMs: Math.round(rng.logNormal(median, t.latency.sigma)),
    tokensIn,
    tokensOut,
  };
}
