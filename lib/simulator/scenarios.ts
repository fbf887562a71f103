import type { Prng } from "@/db/seed/prng";

/**
 * What the traffic simulator draws for one request, and how each scenario changes it. Pure: the
 * caller passes the seeded generator. The base profiles copy the demo seed's traffic
 * (db/seed/scenarios/*.ts `traffic`, drawn the way db/seed/metrics.ts `outcome()` does), so a
 * healthy canary lands on the 7-day baseline the demo wrote. A scenario changes the CANARY arm
 * only; the stable arm always gets the service's base rates.
 */

export const SCENARIO_NAMES = ["healthy", "false-refusal-spike", "cost-regression", "latency-regression"] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(value);
}

/** Per-request probabilities of each outcome flag. */
export interface OutcomeRates {
  resolved: number;
  policyViolations: number;
  falseRefusals: number;
  followUps: number;
  fallbacks: number;
  escalations: number;
  manualCorrections: number;
}

export interface TenantTraffic {
  slug: string;
  /** Relative share of the service's requests (the seed's peak requests per hour). */
  weight: number;
  /** Added to the resolved rate for this tenant (the offsets the demo seed drew). */
  resolvedOffset: number;
}

export interface ServiceTrafficProfile {
  service: string;
  tenants: TenantTraffic[];
  latency: { medianMs: number; sigma: number };
  /** Mean cost of a request at the median token counts. */
  costPerRequestUsd: number;
  /** Median prompt and completion tokens. */
  tokensIn: number;
  tokensOut: number;
  rates: OutcomeRates;
}

/** The two demo services, as seeded (the generic profile serves any other service). */
export const SERVICE_PROFILES: Readonly<Record<string, ServiceTrafficProfile>> = Object.freeze({
  "support-assistant": {
    service: "support-assistant",
    tenants: [
      { slug: "acme-retail", weight: 240, resolvedOffset: 0.0116 },
      { slug: "globex-bank", weight: 150, resolvedOffset: -0.0028 },
      { slug: "initech", weight: 70, resolvedOffset: -0.0155 },
    ],
    latency: { medianMs: 950, sigma: 0.5 },
    costPerRequestUsd: 0.0042,
    tokensIn: 2300,
    tokensOut: 310,
    rates: { resolved: 0.82, policyViolations: 0.0032, falseRefusals: 0.019, followUps: 0.11, fallbacks: 0.014, escalations: 0.07, manualCorrections: 0.012 },
  },
  "incident-assistant": {
    service: "incident-assistant",
    tenants: [
      { slug: "platform-team", weight: 45, resolvedOffset: -0.0036 },
      { slug: "payments-oncall", weight: 30, resolvedOffset: 0.0076 },
    ],
    latency: { medianMs: 1250, sigma: 0.45 },
    costPerRequestUsd: 0.0085,
    tokensIn: 5200,
    tokensOut: 640,
    rates: { resolved: 0.805, policyViolations: 0.0022, falseRefusals: 0.012, followUps: 0.18, fallbacks: 0.02, escalations: 0.04, manualCorrections: 0.025 },
  },
});

/**
 * The traffic profile of `service`: its demo profile, or support-assistant's numbers under the
 * service's name for any other service. `tenants` replaces the tenants (equal shares).
 */
export function trafficProfileFor(service: string, tenants?: readonly string[]): ServiceTrafficProfile {
  const known = SERVICE_PROFILES[service];
  const base = known ?? { ...SERVICE_PROFILES["support-assistant"]!, service, tenants: [{ slug: "default", weight: 1, resolvedOffset: 0 }] };
  if (!tenants || tenants.length === 0) return base;
  return { ...base, tenants: tenants.map((slug) => ({ slug, weight: 1, resolvedOffset: 0 })) };
}

/** How a scenario changes the canary arm. */
export interface CanaryEffect {
  /** One line for people: what the scenario does. */
  summary: string;
  /** Rates set to these values. */
  setRates: Partial<OutcomeRates>;
  /** Added to the rates (after setRates), in fractions: -0.08 is −8 pp. */
  shiftRates: Partial<OutcomeRates>;
  /** Multiplies prompt and completion tokens, and so the cost (cost follows the tokens). */
  costFactor: number;
  /** Multiplies the latency median. */
  latencyFactor: number;
}

export const SCENARIOS: Readonly<Record<ScenarioName, CanaryEffect>> = Object.freeze({
  healthy: { summary: "the canary behaves exactly like stable", setRates: {}, shiftRates: {}, costFactor: 1, latencyFactor: 1 },
  "false-refusal-spike": {
    summary: "a stricter policy: false refusals rise to 14% and resolved falls by 8 pp on the canary",
    setRates: { falseRefusals: 0.14 },
    shiftRates: { resolved: -0.08 },
    costFactor: 1,
    latencyFactor: 1,
  },
  "cost-regression": { summary: "35% more tokens per request, so cost +35%, on the canary", setRates: {}, shiftRates: {}, costFactor: 1.35, latencyFactor: 1 },
  "latency-regression": { summary: "the canary is 1.6× slower", setRates: {}, shiftRates: {}, costFactor: 1, latencyFactor: 1.6 },
});

/** What one arm's requests are drawn from. */
export interface ArmModel {
  rates: OutcomeRates;
  costFactor: number;
  latencyFactor: number;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));

/** The model of an arm under a scenario: the base rates for stable (and anything else), the scenario's effect for canary. */
export function armModel(profile: ServiceTrafficProfile, scenario: ScenarioName, arm: string): ArmModel {
  if (arm !== "canary") return { rates: { ...profile.rates }, costFactor: 1, latencyFactor: 1 };
  const effect = SCENARIOS[scenario];
  const rates = { ...profile.rates, ...effect.setRates };
  for (const [key, shift] of Object.entries(effect.shiftRates) as [keyof OutcomeRates, number][]) rates[key] = clamp01(rates[key] + shift);
  return { rates, costFactor: effect.costFactor, latencyFactor: effect.latencyFactor };
}

/** One request's outcome, in the ingestion API's field names. */
export interface SimulatedOutcome {
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

/** A refused request gets a short answer: its completion is this share of the usual length. */
export const REFUSAL_OUTPUT_SHARE = 0.25;

/**
 * Draws one request's outcome. As the demo seed: independent flags at the arm's rates,
 * log-normal latency and tokens, cost from the tokens. Two differences make the events
 * coherent: a falsely refused request is never resolved (the resolved draw is conditioned so the
 * overall resolved rate stays the arm's), and its answer is short.
 */
export function drawOutcome(rng: Prng, profile: ServiceTrafficProfile, model: ArmModel, tenantResolvedOffset = 0): SimulatedOutcome {
  const r = model.rates;
  const falseRefusal = rng.next() < r.falseRefusals;
  const resolvedRate = clamp01(r.resolved + tenantResolvedOffset);
  const resolvedGivenAnswered = r.falseRefusals >= 1 ? 0 : clamp01(resolvedRate / (1 - r.falseRefusals));
  const resolved = !falseRefusal && rng.next() < resolvedGivenAnswered;
  const outputShare = falseRefusal ? REFUSAL_OUTPUT_SHARE : 1;
  const tokensIn = Math.max(1, Math.round(rng.logNormal(profile.tokensIn * model.costFactor, 0.3)));
  const tokensOut = Math.max(1, Math.round(rng.logNormal(profile.tokensOut * model.costFactor * outputShare, 0.45)));
  // As the seed: prompt tokens make most of the cost; 0.93 brings the mean back to costPerRequestUsd.
  const cost = profile.costPerRequestUsd * (0.65 * (tokensIn / profile.tokensIn) + 0.35 * (tokensOut / profile.tokensOut)) * 0.93;
  return {
    resolved,
    policyViolation: rng.next() < r.policyViolations,
    falseRefusal,
    followUp: rng.next() < r.followUps,
    fallback: rng.next() < r.fallbacks,
    escalated: rng.next() < r.escalations,
    manualCorrection: rng.next() < r.manualCorrections,
    costUsd: Math.round(cost * 1e7) / 1e7,
    latencyMs: Math.max(1, Math.round(rng.logNormal(profile.latency.medianMs * model.latencyFactor, profile.latency.sigma))),
    tokensIn,
    tokensOut,
  };
}

/** Picks a tenant by its share of the traffic. */
export function pickTenant(rng: Prng, tenants: readonly TenantTraffic[]): TenantTraffic {
  const total = tenants.reduce((sum, t) => sum + t.weight, 0);
  let x = rng.next() * total;
  for (const tenant of tenants) {
    x -= tenant.weight;
    if (x < 0) return tenant;
  }
  return tenants[tenants.length - 1]!;
}
