import { beforeAll, describe, expect, it } from "vitest";
import { Prng } from "@/db/seed/prng";
import { judgeStage, type AnalysisSettings, type StageJudgement } from "./analysis";
import { latencyBucketIndex } from "./histogram";
import { GUARD_METRIC_IDS, METRIC_DEFINITIONS, METRIC_IDS, type MetricId } from "./metrics";
import { fixedSampleInterval } from "./stats";
import { defaultAnalysisSettings, settingsWith } from "./test-fixtures";
import { emptyTotals, type MetricTotals } from "./totals";

/**
 * Monte Carlo checks of the sequential guarantee with the seeded PRNG (same numbers on every
 * machine). An A/A canary — drawn from the same distribution as the stable release — is looked
 * at 10 times as its traffic grows (500, 1,000, …, 5,000 requests, against a 10,000-request
 * baseline drawn afresh for each run); it must almost never fail. A real regression must be
 * caught by the last look.
 */

interface Traffic {
  resolved: number;
  policyViolation: number;
  falseRefusal: number;
  followUp: number;
  fallback: number;
  escalation: number;
  manualCorrection: number;
  costMedianUsd: number;
  costSigma: number;
  latencyMedianMs: number;
  latencySigma: number;
}

const STABLE: Traffic = {
  resolved: 0.8,
  policyViolation: 0.002,
  falseRefusal: 0.02,
  followUp: 0.1,
  fallback: 0.03,
  escalation: 0.02,
  manualCorrection: 0.01,
  costMedianUsd: 0.01,
  costSigma: 0.5,
  latencyMedianMs: 1200,
  latencySigma: 0.5,
};

const LOOKS = 10;
const REQUESTS_PER_LOOK = 500;
const BASELINE_REQUESTS = 10_000;

/**
 * Adds n simulated requests to `totals` in place: resolution, cost (log-normal) and latency
 * (log-normal) per request, the rarer flags as binomial counts. Both Box–Muller outputs are
 * used (cost and latency), which halves the draws.
 */
function serve(prng: Prng, traffic: Traffic, n: number, totals: MetricTotals): void {
  const hist = totals.latencyHistogram;
  for (let i = 0; i < n; i++) {
    const radius = Math.sqrt(-2 * Math.log(1 - prng.next()));
    const angle = 2 * Math.PI * prng.next();
    const cost = traffic.costMedianUsd * Math.exp(traffic.costSigma * radius * Math.cos(angle));
    const latency = traffic.latencyMedianMs * Math.exp(traffic.latencySigma * radius * Math.sin(angle));
    totals.costUsd += cost;
    totals.costUsdSq += cost * cost;
    if (prng.next() < traffic.resolved) {
      totals.resolved += 1;
      totals.costUsdResolved += cost;
    }
    totals.latencyMsSum += latency;
    hist[latencyBucketIndex(latency)]! += 1;
  }
  totals.requests += n;
  totals.policyViolations += prng.binomial(n, traffic.policyViolation);
  totals.falseRefusals += prng.binomial(n, traffic.falseRefusal);
  totals.followUps += prng.binomial(n, traffic.followUp);
  totals.fallbacks += prng.binomial(n, traffic.fallback);
  totals.escalations += prng.binomial(n, traffic.escalation);
  totals.manualCorrections += prng.binomial(n, traffic.manualCorrection);
}

/** Every metric judged with no allowance at all: a fail is then a plain one-sided rejection of "no harm". */
const STRICT: AnalysisSettings = settingsWith({
  promotion: { resolvedRateMaxDropPp: 0, policyViolationMaxIncrease: 0, costPerResolvedMaxIncreasePct: 0, p95LatencyMaxIncreasePct: 0 },
  canary: { guardThresholds: Object.fromEntries(GUARD_METRIC_IDS.map((id) => [id, 0])) },
});

interface Run {
  looks: { defaults: StageJudgement; strict?: StageJudgement }[];
}

/** One canary, looked at after every REQUESTS_PER_LOOK requests; `untilFail` stops at the first fail. */
function runCanary(seed: string, canaryTraffic: Traffic, options: { strict: boolean; untilFail: boolean }): Run {
  const prng = new Prng(seed);
  const baseline = emptyTotals();
  serve(prng, STABLE, BASELINE_REQUESTS, baseline);
  const canary = emptyTotals();
  const start = new Date("2026-03-10T14:00:00Z");
  const now = new Date("2026-03-10T16:00:00Z");
  const looks: Run["looks"] = [];
  for (let look = 0; look < LOOKS; look++) {
    serve(prng, canaryTraffic, REQUESTS_PER_LOOK, canary);
    const input = { canary, baseline, stageStartedAt: start, now };
    const defaults = judgeStage({ ...input, settings: defaultAnalysisSettings() });
    looks.push({ defaults, strict: options.strict ? judgeStage({ ...input, settings: STRICT }) : undefined });
    if (options.untilFail && defaults.verdict === "fail") break;
  }
  return { looks };
}

/** Did a one-look (Wald) interval of harm ever exclude 0 on the harmful side? The naive way to peek. */
function naiveEverFails(run: Run, metric: MetricId): boolean {
  const sign = METRIC_DEFINITIONS[metric].higherIsBetter ? -1 : 1;
  return run.looks.some(({ strict }) => {
    const m = strict!.metrics.find((r) => r.metric === metric)!;
    if (m.delta === null || !m.standardError) return false;
    const [lo, hi] = fixedSampleInterval(sign * m.delta, m.standardError, 0.05);
    return Math.min(lo, hi) > 0;
  });
}

describe("A/A: repeated looks do not inflate false alarms", () => {
  const RUNS = 400;
  let runs: Run[] = [];
  beforeAll(() => {
    runs = Array.from({ length: RUNS }, (_, i) => runCanary(`canary-aa-${i}`, STABLE, { strict: true, untilFail: false }));
  }, 30_000);

  it("with the default thresholds, at most 5% of A/A canaries ever fail over 10 looks", () => {
    const everFailed = runs.filter((run) => run.looks.some((l) => l.defaults.verdict === "fail")).length;
    expect(everFailed / RUNS).toBeLessThanOrEqual(0.05);
  });

  it("even with zero allowance, each metric's always-valid test ever fails in at most 5% of runs", () => {
    for (const metric of METRIC_IDS) {
      const everFailed = runs.filter((run) =>
        run.looks.some((l) => l.strict!.metrics.find((m) => m.metric === metric)!.verdict === "fail"),
      ).length;
      expect(everFailed / RUNS, metric).toBeLessThanOrEqual(0.05);
    }
  });

  it("the simulation can see inflation: peeking with one-look intervals fails far more often", () => {
    let naive = 0;
    let sequential = 0;
    for (const run of runs) {
      for (const metric of METRIC_IDS) {
        if (naiveEverFails(run, metric)) naive++;
        if (run.looks.some((l) => l.strict!.metrics.find((m) => m.metric === metric)!.verdict === "fail")) sequential++;
      }
    }
    const trials = RUNS * METRIC_IDS.length;
    // One look at a time is a 2.5% one-sided test; ten looks push it well above that.
    expect(naive / trials).toBeGreaterThan(0.05);
    expect(sequential / trials).toBeLessThan(naive / trials / 2);
  });

  it("the standard errors are calibrated: one look at 5,000 requests rejects about 5% two-sided", () => {
    // Checks the variance formulas themselves (Bernoulli, delta method, histogram quantile):
    // a wrong factor would move this far from 5% (binomial sd over 400 runs ≈ 1.1 pp).
    for (const metric of METRIC_IDS) {
      const rejected = runs.filter((run) => {
        const m = run.looks.at(-1)!.strict!.metrics.find((r) => r.metric === metric)!;
        const [lo, hi] = fixedSampleInterval(m.delta!, m.standardError!, 0.05);
        return lo > 0 || hi < 0;
      }).length;
      expect(rejected / RUNS, metric).toBeGreaterThanOrEqual(0.015);
      expect(rejected / RUNS, metric).toBeLessThanOrEqual(0.095);
    }
  });
});

describe("a real regression is caught", () => {
  it("false refusals 2% → 10% fail by the 10th look in at least 95% of runs, naming false_refusal_rate", () => {
    const RUNS = 200;
    let caught = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = runCanary(`canary-fr-${i}`, { ...STABLE, falseRefusal: 0.1 }, { strict: false, untilFail: true });
      const firstFail = run.looks.findIndex((l) => l.defaults.verdict === "fail");
      if (firstFail >= 0) {
        caught++;
        expect(run.looks[firstFail]!.defaults.failing.map((m) => m.metric)).toContain("false_refusal_rate");
      }
    }
    expect(caught / RUNS).toBeGreaterThanOrEqual(0.95);
  }, 30_000);
});
