import { describe, expect, it } from "vitest";
import { Prng } from "@/db/seed/prng";
import { incidentScenario } from "@/db/seed/scenarios/incident-assistant";
import { supportScenario } from "@/db/seed/scenarios/support-assistant";
import { percentileFromHistogram, addToHistogram, emptyHistogram } from "@/lib/canary/histogram";
import {
  armModel,
  drawOutcome,
  pickTenant,
  SCENARIO_NAMES,
  SCENARIOS,
  SERVICE_PROFILES,
  trafficProfileFor,
  type ArmModel,
  type ScenarioName,
  type ServiceTrafficProfile,
} from "./scenarios";

const support = SERVICE_PROFILES["support-assistant"]!;
const incident = SERVICE_PROFILES["incident-assistant"]!;

describe("armModel: a scenario changes the canary arm only", () => {
  it.each(SCENARIO_NAMES)("%s: the stable arm gets the base rates, no cost or latency change", (scenario) => {
    for (const profile of [support, incident]) {
      expect(armModel(profile, scenario, "stable")).toEqual({ rates: profile.rates, costFactor: 1, latencyFactor: 1 });
      // Anything that is not the canary (an experiment arm) is served as stable.
      expect(armModel(profile, scenario, "experiment")).toEqual({ rates: profile.rates, costFactor: 1, latencyFactor: 1 });
    }
  });

  const cases: { scenario: ScenarioName; canary: (p: ServiceTrafficProfile) => ArmModel }[] = [
    { scenario: "healthy", canary: (p) => ({ rates: p.rates, costFactor: 1, latencyFactor: 1 }) },
    {
      scenario: "false-refusal-spike",
      canary: (p) => ({ rates: { ...p.rates, falseRefusals: 0.14, resolved: p.rates.resolved - 0.08 }, costFactor: 1, latencyFactor: 1 }),
    },
    { scenario: "cost-regression", canary: (p) => ({ rates: p.rates, costFactor: 1.35, latencyFactor: 1 }) },
    { scenario: "latency-regression", canary: (p) => ({ rates: p.rates, costFactor: 1, latencyFactor: 1.6 }) },
  ];
  it.each(cases)("$scenario: the canary arm", ({ scenario, canary }) => {
    for (const profile of [support, incident]) {
      const model = armModel(profile, scenario, "canary");
      const expected = canary(profile);
      expect(model.costFactor).toBe(expected.costFactor);
      expect(model.latencyFactor).toBe(expected.latencyFactor);
      for (const [key, value] of Object.entries(expected.rates)) expect(model.rates[key as keyof typeof model.rates]).toBeCloseTo(value, 12);
    }
  });

  it("does not change the profile it reads", () => {
    const before = structuredClone(support);
    armModel(support, "false-refusal-spike", "canary");
    expect(support).toEqual(before);
  });

  it("every scenario has a one-line summary", () => {
    for (const name of SCENARIO_NAMES) expect(SCENARIOS[name].summary).toMatch(/\S/);
  });
});

describe("drawOutcome", () => {
  it("draws the stable arm identically whatever the scenario (same seed, same outcomes)", () => {
    const draws = (scenario: ScenarioName) => {
      const rng = new Prng("stable-only");
      return Array.from({ length: 500 }, () => drawOutcome(rng, support, armModel(support, scenario, "stable"), 0.01));
    };
    const healthy = draws("healthy");
    for (const scenario of SCENARIO_NAMES) expect(draws(scenario)).toEqual(healthy);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    const model = armModel(support, "healthy", "stable");
    const run = (seed: string) => {
      const rng = new Prng(seed);
      return Array.from({ length: 50 }, () => drawOutcome(rng, support, model));
    };
    expect(run("a")).toEqual(run("a"));
    expect(run("a")).not.toEqual(run("b"));
  });

  it("never resolves a falsely refused request, and gives it a short answer", () => {
    const rng = new Prng("refusals");
    const model = armModel(support, "false-refusal-spike", "canary");
    let refused = 0;
    let refusedTokensOut = 0;
    let answeredTokensOut = 0;
    for (let i = 0; i < 20_000; i++) {
      const o = drawOutcome(rng, support, model);
      if (o.falseRefusal) {
        expect(o.resolved).toBe(false);
        refused++;
        refusedTokensOut += o.tokensOut;
      } else answeredTokensOut += o.tokensOut;
    }
    expect(refusedTokensOut / refused).toBeLessThan((0.4 * answeredTokensOut) / (20_000 - refused));
  });

  it("emits values the ingestion API accepts: non-negative, whole tokens and milliseconds", () => {
    const rng = new Prng("shape");
    for (const scenario of SCENARIO_NAMES) {
      for (let i = 0; i < 2_000; i++) {
        const o = drawOutcome(rng, support, armModel(support, scenario, "canary"));
        expect(o.costUsd).toBeGreaterThan(0);
        expect(Number.isInteger(o.latencyMs) && o.latencyMs >= 1).toBe(true);
        expect(Number.isInteger(o.tokensIn) && o.tokensIn >= 1).toBe(true);
        expect(Number.isInteger(o.tokensOut) && o.tokensOut >= 1).toBe(true);
      }
    }
  });
});

/** Observed figures of `n` requests of one arm. */
function sample(profile: ServiceTrafficProfile, scenario: ScenarioName, arm: "stable" | "canary", n: number, seed: string) {
  const rng = new Prng(seed);
  const model = armModel(profile, scenario, arm);
  const latency = emptyHistogram();
  const totals = { resolved: 0, policyViolation: 0, falseRefusal: 0, followUp: 0, fallback: 0, escalated: 0, manualCorrection: 0, cost: 0 };
  for (let i = 0; i < n; i++) {
    const o = drawOutcome(rng, profile, model);
    for (const key of ["resolved", "policyViolation", "falseRefusal", "followUp", "fallback", "escalated", "manualCorrection"] as const) if (o[key]) totals[key]++;
    totals.cost += o.costUsd;
    addToHistogram(latency, o.latencyMs);
  }
  return {
    rates: {
      resolved: totals.resolved / n,
      policyViolations: totals.policyViolation / n,
      falseRefusals: totals.falseRefusal / n,
      followUps: totals.followUp / n,
      fallbacks: totals.fallback / n,
      escalations: totals.escalated / n,
      manualCorrections: totals.manualCorrection / n,
    },
    costPerRequest: totals.cost / n,
    costPerResolved: totals.cost / totals.resolved,
    p95: percentileFromHistogram(latency, 0.95)!,
    median: percentileFromHistogram(latency, 0.5)!,
  };
}

describe("rates on a big seeded sample", () => {
  const N = 200_000;
  /** Within 4.5 standard errors of a proportion p over N draws. */
  const closeToRate = (observed: number, p: number) => expect(Math.abs(observed - p)).toBeLessThanOrEqual(4.5 * Math.sqrt((p * (1 - p)) / N) + 1e-9);
  const stable = sample(support, "healthy", "stable", N, "big-stable");

  it("stable: every rate is the profile's; mean cost and latency are the seed's", () => {
    for (const [key, p] of Object.entries(support.rates)) closeToRate(stable.rates[key as keyof typeof stable.rates], p);
    // The seed's cost formula averages costPerRequestUsd; short refusals take off about 0.5%.
    expect(stable.costPerRequest / support.costPerRequestUsd).toBeGreaterThan(0.97);
    expect(stable.costPerRequest / support.costPerRequestUsd).toBeLessThan(1.01);
    // Log-normal: median as set, p95 = median · exp(1.645 σ) (the histogram's buckets are ~25% wide, interpolated).
    expect(stable.median / support.latency.medianMs).toBeCloseTo(1, 1);
    expect(stable.p95 / (support.latency.medianMs * Math.exp(1.645 * support.latency.sigma))).toBeCloseTo(1, 1);
  });

  it("healthy: the canary matches stable", () => {
    const canary = sample(support, "healthy", "canary", N, "big-canary");
    for (const [key, p] of Object.entries(support.rates)) closeToRate(canary.rates[key as keyof typeof canary.rates], p);
    expect(canary.costPerResolved / stable.costPerResolved).toBeCloseTo(1, 1);
    expect(canary.p95 / stable.p95).toBeCloseTo(1, 1);
  });

  it("false-refusal-spike: false refusals ≈ 14%, resolved ≈ −8 pp; cost per resolved request stays within the +10% rule", () => {
    const canary = sample(support, "false-refusal-spike", "canary", N, "big-canary");
    closeToRate(canary.rates.falseRefusals, 0.14);
    closeToRate(canary.rates.resolved, support.rates.resolved - 0.08);
    for (const key of ["policyViolations", "followUps", "fallbacks", "escalations", "manualCorrections"] as const) closeToRate(canary.rates[key], support.rates[key]);
    const costChange = canary.costPerResolved / stable.costPerResolved - 1;
    expect(costChange).toBeGreaterThan(0.03);
    expect(costChange).toBeLessThan(0.1);
    expect(canary.p95 / stable.p95).toBeCloseTo(1, 1);
  });

  it("cost-regression: cost +35% per request and per resolved request; rates unchanged", () => {
    const canary = sample(support, "cost-regression", "canary", N, "big-canary");
    for (const [key, p] of Object.entries(support.rates)) closeToRate(canary.rates[key as keyof typeof canary.rates], p);
    expect(canary.costPerRequest / stable.costPerRequest).toBeGreaterThan(1.33);
    expect(canary.costPerRequest / stable.costPerRequest).toBeLessThan(1.37);
    expect(canary.costPerResolved / stable.costPerResolved).toBeGreaterThan(1.32);
    expect(canary.costPerResolved / stable.costPerResolved).toBeLessThan(1.38);
    expect(canary.p95 / stable.p95).toBeCloseTo(1, 1);
  });

  it("latency-regression: p95 and median ×1.6; rates and cost unchanged", () => {
    const canary = sample(support, "latency-regression", "canary", N, "big-canary");
    for (const [key, p] of Object.entries(support.rates)) closeToRate(canary.rates[key as keyof typeof canary.rates], p);
    expect(canary.p95 / stable.p95).toBeGreaterThan(1.52);
    expect(canary.p95 / stable.p95).toBeLessThan(1.68);
    expect(canary.median / stable.median).toBeGreaterThan(1.52);
    expect(canary.median / stable.median).toBeLessThan(1.68);
    expect(canary.costPerResolved / stable.costPerResolved).toBeCloseTo(1, 1);
  });

  it("tenants get their share of the traffic and their resolved offset", () => {
    const rng = new Prng("tenants");
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const t = pickTenant(rng, support.tenants);
      counts.set(t.slug, (counts.get(t.slug) ?? 0) + 1);
    }
    const total = support.tenants.reduce((s, t) => s + t.weight, 0);
    for (const t of support.tenants) closeToRate(counts.get(t.slug)! / N, t.weight / total);

    const offsetRng = new Prng("offset");
    const model = armModel(support, "healthy", "stable");
    let resolved = 0;
    for (let i = 0; i < N; i++) if (drawOutcome(offsetRng, support, model, -0.05).resolved) resolved++;
    closeToRate(resolved / N, support.rates.resolved - 0.05);
  });
});

describe("the profiles follow the demo seed", () => {
  const seeded = [supportScenario(new Date("2026-11-22T10:00:00Z")), incidentScenario(new Date("2026-11-22T10:00:00Z"))];

  it.each(seeded.map((s) => [s.slug, s] as const))("%s: rates, latency, tokens, cost and tenants as seeded", (slug, scenario) => {
    const profile = SERVICE_PROFILES[slug]!;
    const t = scenario.traffic;
    expect(profile.rates).toEqual(t.rates);
    expect(profile.latency).toEqual(t.latency);
    expect([profile.costPerRequestUsd, profile.tokensIn, profile.tokensOut]).toEqual([t.costPerRequestUsd, t.tokensIn, t.tokensOut]);
    expect(profile.tenants.map((x) => x.slug)).toEqual(scenario.tenants.map((x) => x.slug));
    expect(Object.fromEntries(profile.tenants.map((x) => [x.slug, x.weight]))).toEqual(t.peakPerHour);
    // db/seed/metrics.ts draws each tenant's resolved offset first, from the events generator.
    const rng = new Prng(`changegate-demo:${slug}:events`);
    for (const tenant of profile.tenants) expect(tenant.resolvedOffset).toBeCloseTo(rng.normal(0, 0.012), 4);
  });
});

describe("trafficProfileFor", () => {
  it("gives the demo profile of a known service", () => {
    expect(trafficProfileFor("support-assistant")).toBe(support);
  });
  it("gives any other service the generic rates under its own name with a default tenant", () => {
    const p = trafficProfileFor("billing-bot");
    expect(p.service).toBe("billing-bot");
    expect(p.rates).toEqual(support.rates);
    expect(p.tenants).toEqual([{ slug: "default", weight: 1, resolvedOffset: 0 }]);
  });
  it("replaces the tenants when named, with equal shares", () => {
    expect(trafficProfileFor("support-assistant", ["initech", "acme-retail"]).tenants).toEqual([
      { slug: "initech", weight: 1, resolvedOffset: 0 },
      { slug: "acme-retail", weight: 1, resolvedOffset: 0 },
    ]);
  });
});
