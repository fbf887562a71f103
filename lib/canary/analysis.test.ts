import { describe, expect, it } from "vitest";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { baselineWindow, describeMethod, judgeMetric, METHOD_DESCRIPTION, thresholdFor, type JudgeMetricInput } from "./analysis";
import { OVERFLOW_BUCKET_INDEX } from "./histogram";
import type { MetricId } from "./metrics";
import { defaultAnalysisSettings, expectClose, histogramOf, settingsWith, totalsOf } from "./test-fixtures";
import { emptyTotals, type MetricTotals } from "./totals";

// Expected numbers: python3 lib/canary/reference/reference.py. Defaults: alpha 0.05, n0 1000,
// stage minimum 1,000 canary requests, a fail needs 200.

const DEFAULTS = defaultAnalysisSettings();

function judge(metric: MetricId, canary: MetricTotals, baseline: MetricTotals, extra: Partial<JudgeMetricInput> = {}) {
  return judgeMetric({ metric, canary, baseline, settings: DEFAULTS, minimumsReached: true, ...extra });
}

const rate = (field: keyof MetricTotals, count: number, requests: number) => totalsOf({ requests, [field]: count });

describe("settings", () => {
  it("adds a canary section with documented defaults and keeps the promotion rule", () => {
    const s = serviceSettingsSchema.parse({});
    expect(s.canary).toEqual({
      minStageMinutes: 30,
      minStageRequests: 1000,
      alpha: 0.05,
      tuningSamples: 1000,
      minFailEvidenceRequests: 200,
      guardThresholds: { false_refusal_rate: 0.02, escalation_rate: 0.02 },
    });
    expect(s.promotion).toEqual({ resolvedRateMaxDropPp: 1, policyViolationMaxIncrease: 0, costPerResolvedMaxIncreasePct: 10, p95LatencyMaxIncreasePct: 15 });
  });

  it("fills a partial canary section and validates it", () => {
    const s = serviceSettingsSchema.parse({ canary: { minStageMinutes: 60, guardThresholds: { follow_up_rate: 0.05 } } });
    expect(s.canary.minStageMinutes).toBe(60);
    expect(s.canary.minStageRequests).toBe(1000);
    expect(s.canary.guardThresholds).toEqual({ follow_up_rate: 0.05 });
    expect(serviceSettingsSchema.safeParse({ canary: { alpha: 0 } }).success).toBe(false);
    expect(serviceSettingsSchema.safeParse({ canary: { guardThresholds: { resolved_rate: 0.01 } } }).success).toBe(false);
    expect(serviceSettingsSchema.safeParse({ canary: { guardThresholds: { fallback_rate: 2 } } }).success).toBe(false);
  });

  it("does not share the default objects between parses", () => {
    const a = serviceSettingsSchema.parse({});
    a.canary.guardThresholds.fallback_rate = 0.5;
    expect(serviceSettingsSchema.parse({}).canary.guardThresholds).toEqual({ false_refusal_rate: 0.02, escalation_rate: 0.02 });
  });
});

describe("thresholdFor", () => {
  it.each([
    ["resolved_rate", 0.8, 0.01, "≥ baseline − 1 pp"],
    ["policy_violation_rate", 0.001, 0, "≤ baseline (no increase)"],
    ["cost_per_resolved_request", 0.02, 0.002, "≤ baseline + 10%"],
    ["p95_latency_ms", 2000, 300, "≤ baseline + 15%"],
    ["false_refusal_rate", 0.02, 0.02, "≤ baseline + 2 pp"],
    ["escalation_rate", 0.05, 0.02, "≤ baseline + 2 pp"],
  ] as const)("%s (baseline %s) allows %s: %s", (metric, baseline, allowed, label) => {
    const t = thresholdFor(metric, baseline, DEFAULTS)!;
    expect(t.allowed).toBeCloseTo(allowed, 12);
    expect(t.label).toBe(label);
  });

  it("follows the service's settings", () => {
    const s = settingsWith({
      promotion: { resolvedRateMaxDropPp: 0.5, policyViolationMaxIncrease: 0.001, costPerResolvedMaxIncreasePct: 25, p95LatencyMaxIncreasePct: 5 },
      canary: { guardThresholds: { follow_up_rate: 0.035 } },
    });
    expect(thresholdFor("resolved_rate", 0.8, s)).toEqual({ allowed: 0.005, label: "≥ baseline − 0.5 pp" });
    expect(thresholdFor("policy_violation_rate", 0.8, s)).toEqual({ allowed: 0.001, label: "≤ baseline + 0.1 pp" });
    expect(thresholdFor("cost_per_resolved_request", 0.04, s)!.allowed).toBeCloseTo(0.01, 12);
    expect(thresholdFor("p95_latency_ms", 1000, s)!.allowed).toBeCloseTo(50, 12);
    expect(thresholdFor("follow_up_rate", 0.1, s)).toEqual({ allowed: 0.035, label: "≤ baseline + 3.5 pp" });
    expect(thresholdFor("false_refusal_rate", 0.1, s)).toBeNull();
  });

  it("leaves a relative allowance unknown without a baseline, and unjudged guards without a threshold", () => {
    expect(thresholdFor("p95_latency_ms", null, DEFAULTS)).toEqual({ allowed: null, label: "≤ baseline + 15%", relative: 0.15 });
    for (const guard of ["follow_up_rate", "fallback_rate", "manual_correction_rate"] as const) {
      expect(thresholdFor(guard, 0.1, DEFAULTS)).toBeNull();
    }
  });
});

describe("resolved_rate (higher is better; may drop 1 pp)", () => {
  const baseline = rate("resolved", 81_000, 100_000);

  it("fails on a drop whose whole interval lies beyond 1 pp (70.0% vs 81.0%)", () => {
    const r = judge("resolved_rate", rate("resolved", 700, 1000), baseline);
    expect(r.verdict).toBe("fail");
    expectClose(r.delta!, -0.1100000000000001);
    expectClose(r.standardError!, 0.014544380358062698);
    expectClose(r.ci![0], -0.16317999774838565);
    expectClose(r.ci![1], -0.05682000225161456);
    expectClose(r.pValue!, 8.71203707412516e-7);
    expect(r.reason).toBe("resolved_rate 70% vs baseline 81% (−11 pp, 95% CI −16.3 to −5.7 pp) drops more than the allowed 1 pp.");
  });

  it("is not conclusive on a 5 pp drop at 1,000 requests, and says when it would be", () => {
    const r = judge("resolved_rate", rate("resolved", 760, 1000), baseline);
    expect(r.verdict).toBe("insufficient");
    expect(r.cause).toBe("not_conclusive");
    expectClose(r.ci![0], -0.0995895310842019);
    expectClose(r.ci![1], -0.0004104689157981914);
    expectClose(r.pValue!, 0.04729777586521945);
    // Brute force in Python: the sequence would decide at N = 1,369.
    expect(r.sampleStillNeeded).toBe(369);
    expect(r.reason).toContain("not yet conclusively; about 369 more canary requests would decide if the effect persists.");
  });

  it("passes a drop within 1 pp once the stage minimums are reached", () => {
    const r = judge("resolved_rate", rate("resolved", 805, 1000), baseline);
    expect(r.verdict).toBe("pass");
    expect(r.sampleStillNeeded).toBeNull();
    expect(r.reason).toMatch(/^resolved_rate 80.5% vs baseline 81% \(−0.5 pp, 95% CI −\d+\.\d to \+\d\.\d pp\) is within the allowed drop of 1 pp\.$/);
  });

  it("is insufficient before the stage minimums, with the requests still needed", () => {
    const r = judge("resolved_rate", rate("resolved", 483, 600), baseline, { minimumsReached: false });
    expect(r).toMatchObject({ verdict: "insufficient", cause: "stage_minimum", sampleStillNeeded: 400 });
    expect(r.reason).toContain("is within the allowed drop of 1 pp so far; the stage minimum needs 400 more canary requests.");
    const waiting = judge("resolved_rate", rate("resolved", 1207, 1500), baseline, { minimumsReached: false });
    expect(waiting).toMatchObject({ verdict: "insufficient", cause: "stage_minimum", sampleStillNeeded: 0 });
    expect(waiting.reason).toContain("waiting for the stage's minimum duration.");
  });

  it("does not fail on strong evidence from fewer than 200 requests, and says how many more", () => {
    const r = judge("resolved_rate", rate("resolved", 60, 150), baseline, { minimumsReached: false });
    expect(r.ci![1]).toBeLessThan(-0.01);
    expect(r).toMatchObject({ verdict: "insufficient", cause: "fail_evidence_minimum", sampleStillNeeded: 50 });
    expect(r.reason).toContain("drops more than the allowed 1 pp, but a fail needs at least 200 canary requests (50 more).");
    const at200 = judge("resolved_rate", rate("resolved", 80, 200), baseline, { minimumsReached: false });
    expect(at200.verdict).toBe("fail");
  });
});

describe("policy_violation_rate (no increase allowed)", () => {
  const baseline = rate("policyViolations", 40, 100_000);

  it("fails when violations clearly rose (20 in 1,500 vs 0.04%)", () => {
    const r = judge("policy_violation_rate", rate("policyViolations", 20, 1500), baseline);
    expect(r.verdict).toBe("fail");
    expectClose(r.standardError!, 0.0029621561016209747);
    expectClose(r.ci![0], 0.0028825297010143473);
    expectClose(r.ci![1], 0.022984136965652324);
    expectClose(r.pValue!, 0.005190441585267421);
    expect(r.reason).toBe(
      "policy_violation_rate 1.3% vs baseline 0.04% (+1.3 pp, 95% CI +0.29 to +2.3 pp) is above the baseline, and no increase is allowed.",
    );
  });

  it("stays undecided on one violation above baseline (cannot tell within the cap)", () => {
    const r = judge("policy_violation_rate", rate("policyViolations", 1, 1500), baseline);
    expectClose(r.delta!, 0.0002666666666666666);
    expectClose(r.ci![0], -0.0020047817272470757);
    expectClose(r.ci![1], 0.0025381150605804093);
    expect(r.pValue).toBe(1);
    // Python's brute force finds no N up to 150,000 either.
    expect(r).toMatchObject({ verdict: "insufficient", cause: "not_conclusive", sampleStillNeeded: null });
    expect(r.reason).toContain("the effect is too close to the threshold to say how many more requests would decide.");
  });

  it("passes with no violation on either side, without NaN (half-event variance floor)", () => {
    const r = judge("policy_violation_rate", rate("policyViolations", 0, 500), rate("policyViolations", 0, 70_000));
    expect(r.verdict).toBe("pass");
    expect(r.delta).toBe(0);
    expectClose(r.standardError!, 0.0014135423729366812);
    expectClose(r.ci![0], -0.006192346452125408);
    expectClose(r.ci![1], 0.006192346452125408);
    expect(r.pValue).toBe(1);
    expect(r.reason).toBe("policy_violation_rate 0% vs baseline 0% (0 pp, 95% CI −0.62 to +0.62 pp) is not above the baseline (no increase allowed).");
  });

  it("uses an absolute allowance from settings", () => {
    const s = settingsWith({ promotion: { policyViolationMaxIncrease: 0.02 } });
    const r = judgeMetric({ metric: "policy_violation_rate", canary: rate("policyViolations", 20, 1500), baseline, settings: s, minimumsReached: true });
    expect(r.verdict).toBe("pass");
    expect(r.reason).toContain("is within the allowed +2 pp.");
  });
});

describe("cost_per_resolved_request (at most +10%)", () => {
  const baseline = totalsOf({ requests: 20000, resolved: 16200, costUsd: 152.0000000000062, costUsdSq: 1.251208639999994, costUsdResolved: 123.14080000000718 });

  it("fails on a 26.5% increase", () => {
    const canary = totalsOf({ requests: 1500, resolved: 1200, costUsd: 14.246499999999939, costUsdSq: 0.15181124999999915, costUsdResolved: 11.399499999999954 });
    const r = judge("cost_per_resolved_request", canary, baseline);
    expect(r.verdict).toBe("fail");
    expectClose(r.delta!, 0.002489367283950184);
    expectClose(r.standardError!, 0.00019055243411606265);
    expectClose(r.ci![0], 0.001842809495887329);
    expectClose(r.ci![1], 0.0031359250720130387);
    expectClose(r.pValue!, 9.185014946350779e-23);
    expectClose(r.deltaRelative!, 0.002489367283950184 / 0.0093827160493831);
    expectClose(r.threshold!.allowed!, 0.00093827160493831);
    expect(r.reason).toBe(
      "cost_per_resolved_request $0.0119 vs baseline $0.00938 (+$0.00249, +26.5%, 95% CI +$0.00184 to +$0.00314) exceeds the allowed +10% (+$0.000938).",
    );
  });

  it("passes a canary that costs the same", () => {
    const canary = totalsOf({ requests: 1500, resolved: 1215, costUsd: 11.399999999999979, costUsdSq: 0.09384479999999994, costUsdResolved: 9.242799999999994 });
    const r = judge("cost_per_resolved_request", canary, baseline);
    expect(r.verdict).toBe("pass");
    expectClose(r.standardError!, 0.00014118214042022336);
    expectClose(r.ci![1], 0.0004790409151551635);
  });

  it("is not conclusive on +15% from 400 requests", () => {
    const canary = totalsOf({ requests: 400, resolved: 324, costUsd: 3.491859999999999, costUsdSq: 0.033032664400000036, costUsdResolved: 2.8441799999999997 });
    const r = judge("cost_per_resolved_request", canary, baseline, { minimumsReached: false });
    expectClose(r.ci![0], -2.1616225353855928e-5);
    expectClose(r.ci![1], 0.002810875484612344);
    expect(r.verdict).toBe("insufficient");
    expect(r.cause).toBe("not_conclusive");
    expect(r.sampleStillNeeded).toBeGreaterThan(0);
  });

  it("waits for a resolved request, and treats identical costs as unmeasurable spread (no NaN, no fail)", () => {
    const none = judge("cost_per_resolved_request", totalsOf({ requests: 50, costUsd: 0.5, costUsdSq: 0.005 }), baseline, { minimumsReached: false });
    expect(none).toMatchObject({ verdict: "insufficient", cause: "no_canary_data", canary: null, delta: null, ci: null, sampleStillNeeded: 950 });
    expect(none.reason).toBe("cost_per_resolved_request: no canary resolved requests yet; the stage minimum needs 950 more canary requests.");

    const flat = (n: number, cost: number) => totalsOf({ requests: n, resolved: n, costUsd: n * cost, costUsdSq: n * cost * cost, costUsdResolved: n * cost });
    const same = judge("cost_per_resolved_request", flat(1000, 0.01), flat(50_000, 0.01));
    expect(same).toMatchObject({ verdict: "pass", standardError: 0, ci: null, pValue: null });
    const dearer = judge("cost_per_resolved_request", flat(1000, 0.02), flat(50_000, 0.01));
    expect(dearer).toMatchObject({ verdict: "insufficient", cause: "not_conclusive", ci: null, sampleStillNeeded: null });
    expect(dearer.reason).toContain("no confidence interval");
  });
});

describe("p95_latency_ms (at most +15%)", () => {
  const baseline = totalsOf({ requests: 40_000, latencyHistogram: histogramOf({ 20: 2000, 24: 6000, 27: 14000, 28: 9000, 29: 5000, 30: 3000, 32: 1000 }) });
  const canaryOf = (sparse: Record<number, number>) => {
    const latencyHistogram = histogramOf(sparse);
    return totalsOf({ requests: latencyHistogram.reduce((a, b) => a + b, 0), latencyHistogram });
  };

  it("passes +6.1% (4,120 ms vs 3,882 ms)", () => {
    const r = judge("p95_latency_ms", canaryOf({ 20: 100, 24: 300, 27: 700, 29: 600, 30: 250, 31: 50, 33: 40 }), baseline);
    expect(r.verdict).toBe("pass");
    expectClose(r.canary!, 4119.92);
    expectClose(r.baseline!, 3881.6666666666665);
    expectClose(r.standardError!, 35.045250526204626);
    expectClose(r.ci![0], 124.23317756150885);
    expectClose(r.ci![1], 352.27348910515826);
    expectClose(r.pValue!, 3.210305737590518e-7);
    expect(r.reason).toBe("p95_latency_ms 4,120 ms vs baseline 3,882 ms (+238 ms, +6.1%, 95% CI +124 to +352 ms) is within the allowed +15% (+582 ms).");
  });

  it("fails when p95 doubles", () => {
    const r = judge("p95_latency_ms", canaryOf({ 30: 100, 32: 1500, 33: 440 }), baseline);
    expect(r.verdict).toBe("fail");
    expectClose(r.canary!, 7769.745454545455);
    expectClose(r.standardError!, 38.55933650943376);
    expectClose(r.ci![0], 3762.6255099238656);
    expectClose(r.ci![1], 4013.532065833711);
  });

  it("fails when p95 is beyond the histogram (> 120 s), with a finite variance", () => {
    const r = judge("p95_latency_ms", canaryOf({ 30: 700, [OVERFLOW_BUCKET_INDEX]: 300 }), baseline);
    expect(r.canary).toBe(120_000);
    expect(Number.isFinite(r.standardError)).toBe(true);
    expect(r.verdict).toBe("fail");
  });

  it("is not conclusive on +25% from 300 requests, and insufficient without latency data", () => {
    const r = judge("p95_latency_ms", canaryOf({ 27: 150, 29: 110, 31: 40 }), baseline, { minimumsReached: false });
    expect(r.deltaRelative!).toBeGreaterThan(0.15);
    expect(r).toMatchObject({ verdict: "insufficient", cause: "not_conclusive" });
    const none = judge("p95_latency_ms", totalsOf({ requests: 10 }), baseline, { minimumsReached: false });
    expect(none).toMatchObject({ verdict: "insufficient", cause: "no_canary_data", sampleStillNeeded: 990 });
  });
});

describe("guard metrics", () => {
  const baseline = rate("falseRefusals", 2100, 100_000);

  it("false_refusal_rate fails beyond +2 pp, with the reason in plain English", () => {
    const r = judge("false_refusal_rate", rate("falseRefusals", 98, 1000), baseline);
    expect(r).toMatchObject({ kind: "guard", judged: true, verdict: "fail", label: "False refusal rate" });
    expectClose(r.standardError!, 0.009412841760063748);
    expectClose(r.ci![0], 0.04258293366354345);
    expectClose(r.ci![1], 0.11141706633645654);
    expectClose(r.pValue!, 7.67425011562731e-8);
    expect(r.reason).toBe("false_refusal_rate 9.8% vs baseline 2.1% (+7.7 pp, 95% CI +4.3 to +11.1 pp) exceeds the allowed +2 pp.");
  });

  it("passes within +2 pp", () => {
    expect(judge("false_refusal_rate", rate("falseRefusals", 25, 1000), baseline).verdict).toBe("pass");
  });

  it("a guard without a threshold is shown for information and never decides", () => {
    const r = judge("follow_up_rate", rate("followUps", 300, 1000), rate("followUps", 10_000, 100_000));
    expect(r).toMatchObject({ judged: false, verdict: "info", threshold: null, cause: null, sampleStillNeeded: null });
    expect(r.ci![0]).toBeGreaterThan(0.1); // a clear rise, still only information
    expect(r.reason).toMatch(/^follow_up_rate 30% vs baseline 10% \(\+20 pp, 95% CI .* pp\); shown for information \(no threshold set\)\.$/);
  });

  it("judges a guard once settings give it a threshold, and stops when they take it away", () => {
    const withFollowUp = settingsWith({ canary: { guardThresholds: { follow_up_rate: 0.05 } } });
    const r = judgeMetric({ metric: "follow_up_rate", canary: rate("followUps", 300, 1000), baseline: rate("followUps", 10_000, 100_000), settings: withFollowUp, minimumsReached: true });
    expect(r).toMatchObject({ judged: true, verdict: "fail" });
    const off = judgeMetric({ metric: "false_refusal_rate", canary: rate("falseRefusals", 98, 1000), baseline, settings: withFollowUp, minimumsReached: true });
    expect(off.verdict).toBe("info");
  });
});

describe("zero data", () => {
  const METRICS: MetricId[] = ["resolved_rate", "policy_violation_rate", "cost_per_resolved_request", "p95_latency_ms", "false_refusal_rate", "follow_up_rate"];

  it.each(METRICS)("%s: no canary requests → insufficient, the stage minimum still needed, no NaN", (metric) => {
    const r = judge(metric, emptyTotals(), emptyTotals(), { minimumsReached: false });
    expect(r).toMatchObject({ canary: null, baseline: null, delta: null, ci: null, pValue: null });
    expect(r.verdict).toBe(r.judged ? "insufficient" : "info");
    if (r.judged) expect(r.sampleStillNeeded).toBe(1000);
    expect(JSON.stringify(r)).not.toContain("NaN");
  });

  it("no baseline: cannot compare, more canary traffic will not help", () => {
    const canary = totalsOf({ requests: 2000, resolved: 1600, falseRefusals: 10 });
    const r = judge("resolved_rate", canary, emptyTotals());
    expect(r).toMatchObject({ verdict: "insufficient", cause: "no_baseline", baseline: null, sampleStillNeeded: null });
    expect(r.reason).toBe("resolved_rate: no baseline — the stable release has no requests in the 7 days before the stage, so there is nothing to compare with.");
    expect(judge("p95_latency_ms", totalsOf({ requests: 5, latencyHistogram: histogramOf({ 20: 5 }) }), emptyTotals()).cause).toBe("no_baseline");
  });
});

describe("baselineWindow and METHOD_DESCRIPTION", () => {
  it("is the 7 days before the window start, end exclusive", () => {
    const w = baselineWindow(new Date("2026-03-10T14:30:00Z"));
    expect(w.start.toISOString()).toBe("2026-03-03T14:30:00.000Z");
    expect(w.end.toISOString()).toBe("2026-03-10T14:30:00.000Z");
  });

  it("describes the method in one sentence, for the service's alpha", () => {
    expect(METHOD_DESCRIPTION).toBe(
      "Each interval is an always-valid 95% confidence sequence (normal-mixture sequential test: Robbins; Johari et al. 2017; Howard et al. 2021), so checking a canary as often as you like keeps the chance of a false alarm within 5%.",
    );
    expect(describeMethod(0.1)).toContain("always-valid 90% confidence sequence");
    expect(describeMethod(0.1)).toContain("within 10%.");
  });
});
