import { describe, expect, it } from "vitest";
import { defaultServiceSettings } from "@/lib/services/settings";
import {
  EVIDENCE_LIMITS,
  evidenceSubmissionSchema,
  isOfflineGate,
  judgeOfflineEvidence,
  offlineEvalResultSchema,
  thresholdsFromSettings,
  type EvidenceCheckKey,
  type OfflineEvalResultInput,
  type OfflineEvalThresholds,
  type OfflineGate,
  type RegressionSeverity,
} from "./evidence";

// The service defaults: 90% pass rate, at most 5 regressions, latency +15%, cost +10%.
const T: OfflineEvalThresholds = { minPassRate: 0.9, maxRegressions: 5, maxLatencyIncreasePct: 15, maxCostIncreasePct: 10 };

const seg = (name: string, passed: number, total: number) => ({ name, passed, total });
const regs = (n: number, severity: RegressionSeverity = "minor", from = 1) =>
  Array.from({ length: n }, (_, i) => ({ caseId: `c-${from + i}`, summary: `case ${from + i} answers wrongly`, severity }));

/** A healthy run: 95% in two segments, no regressions, small deltas. */
function run(overrides: Partial<OfflineEvalResultInput> = {}): OfflineEvalResultInput {
  return {
    segments: [seg("billing", 190, 200), seg("shipping", 95, 100)],
    latencyDeltaPct: 2,
    tokenCostDeltaPct: 1,
    ...overrides,
  };
}

function judge(gate: OfflineGate, overrides: Partial<OfflineEvalResultInput> = {}, thresholds: Partial<OfflineEvalThresholds> = {}) {
  return judgeOfflineEvidence({ gate, result: offlineEvalResultSchema.parse(run(overrides)), thresholds: { ...T, ...thresholds } });
}

const failedKeys = (v: ReturnType<typeof judge>) => v.checks.filter((c) => !c.passed).map((c) => c.key);
const ALL_KEYS: EvidenceCheckKey[] = ["overall_pass_rate", "segment_pass_rates", "regression_count", "critical_regressions", "latency", "token_cost"];

describe("judgeOfflineEvidence: offline_eval judges every check", () => {
  it.each<[string, Partial<OfflineEvalResultInput>, Partial<OfflineEvalThresholds>, EvidenceCheckKey[]]>([
    ["a healthy run passes", {}, {}, []],
    // pass rate: overall and every segment, at least minPassRate
    ["overall exactly at 90% passes", { segments: [seg("all", 90, 100)] }, {}, []],
    ["27/30 is exactly 90% despite floating point", { segments: [seg("all", 27, 30)] }, {}, []],
    ["19/20 meets 95%", { segments: [seg("all", 19, 20)] }, { minPassRate: 0.95 }, []],
    ["2/3 meets a threshold of 2/3 (not rounded away)", { segments: [seg("all", 2, 3)] }, { minPassRate: 2 / 3 }, []],
    ["191/200 meets 95.5%", { segments: [seg("all", 191, 200)] }, { minPassRate: 0.955 }, []],
    ["89/100 fails overall and its only segment", { segments: [seg("all", 89, 100)] }, {}, ["overall_pass_rate", "segment_pass_rates"]],
    ["one weak segment fails although overall is fine", { segments: [seg("billing", 81, 100), seg("shipping", 1190, 1200)] }, {}, ["segment_pass_rates"]],
    ["a strong segment cannot hide a weak overall", { segments: [seg("a", 100, 100), seg("b", 800, 1000)] }, {}, ["overall_pass_rate", "segment_pass_rates"]],
    ["minPassRate 1 needs every case", { segments: [seg("all", 999, 1000)] }, { minPassRate: 1 }, ["overall_pass_rate", "segment_pass_rates"]],
    ["minPassRate 1 with every case passing", { segments: [seg("all", 1000, 1000)] }, { minPassRate: 1 }, []],
    ["minPassRate 0 accepts a run where nothing passed", { segments: [seg("all", 0, 10)] }, { minPassRate: 0 }, []],
    // regressions: at most maxRegressions, never a critical one
    ["exactly maxRegressions passes", { regressions: regs(5) }, {}, []],
    ["one more than maxRegressions fails", { regressions: regs(6) }, {}, ["regression_count"]],
    ["maxRegressions 0 with none passes", {}, { maxRegressions: 0 }, []],
    ["maxRegressions 0 with one minor fails", { regressions: regs(1) }, { maxRegressions: 0 }, ["regression_count"]],
    ["majors count like minors", { regressions: [...regs(3, "major"), ...regs(3, "minor", 10)] }, {}, ["regression_count"]],
    ["one critical fails even within the count", { regressions: regs(1, "critical") }, {}, ["critical_regressions"]],
    ["criticals over the count fail both", { regressions: regs(6, "critical") }, {}, ["regression_count", "critical_regressions"]],
    // latency and token cost: rise at most the allowed percent
    ["latency exactly +15% passes", { latencyDeltaPct: 15 }, {}, []],
    ["latency +15.01% fails", { latencyDeltaPct: 15.01 }, {}, ["latency"]],
    ["a big latency drop passes", { latencyDeltaPct: -60 }, {}, []],
    ["token cost exactly +10% passes", { tokenCostDeltaPct: 10 }, {}, []],
    ["token cost +10.5% fails", { tokenCostDeltaPct: 10.5 }, {}, ["token_cost"]],
    ["no increase allowed, none made", { latencyDeltaPct: 0, tokenCostDeltaPct: -3 }, { maxLatencyIncreasePct: 0, maxCostIncreasePct: 0 }, []],
    ["no increase allowed, a small one made", { latencyDeltaPct: 0.1 }, { maxLatencyIncreasePct: 0 }, ["latency"]],
    [
      "everything wrong at once: every check fails, in checklist order",
      { segments: [seg("all", 10, 100)], regressions: regs(9, "critical"), latencyDeltaPct: 50, tokenCostDeltaPct: 50 },
      {},
      ALL_KEYS,
    ],
  ])("%s", (_name, overrides, thresholds, failing) => {
    const verdict = judge("offline_eval", overrides, thresholds);
    expect(failedKeys(verdict)).toEqual(failing);
    expect(verdict.passed).toBe(failing.length === 0);
    expect(verdict.summary.startsWith(failing.length === 0 ? "Passed: " : "Failed: ")).toBe(true);
    expect(verdict.checks.map((c) => [c.key, c.judged])).toEqual(ALL_KEYS.map((k) => [k, true]));
  });
});

describe("judgeOfflineEvidence: offline_smoke judges the overall pass rate and critical regressions only", () => {
  it.each<[string, Partial<OfflineEvalResultInput>, EvidenceCheckKey[]]>([
    ["a healthy run passes", {}, []],
    ["a weak segment is shown, not judged", { segments: [seg("billing", 81, 100), seg("shipping", 1190, 1200)] }, []],
    ["many minor regressions are shown, not judged", { regressions: regs(40) }, []],
    ["latency and cost rises are shown, not judged", { latencyDeltaPct: 80, tokenCostDeltaPct: 300 }, []],
    ["overall below the pass rate fails", { segments: [seg("all", 80, 100)] }, ["overall_pass_rate"]],
    ["a critical regression fails", { regressions: regs(1, "critical") }, ["critical_regressions"]],
  ])("%s", (_name, overrides, failing) => {
    const verdict = judge("offline_smoke", overrides);
    expect(failedKeys(verdict)).toEqual(failing);
    expect(verdict.passed).toBe(failing.length === 0);
    expect(verdict.checks.map((c) => [c.key, c.judged])).toEqual([
      ["overall_pass_rate", true],
      ["segment_pass_rates", false],
      ["regression_count", false],
      ["critical_regressions", true],
      ["latency", false],
      ["token_cost", false],
    ]);
  });
});

describe("judgeOfflineEvidence: what people read", () => {
  it.each<[string, OfflineGate, Partial<OfflineEvalResultInput>, Partial<OfflineEvalThresholds>, string]>([
    [
      "a weak segment and too many regressions",
      "offline_eval",
      { segments: [seg("billing", 81, 100), seg("shipping", 1190, 1200)], regressions: regs(7) },
      {},
      'Failed: segment "billing" passed 81.0% (needs 90%); 7 regressions (at most 5)',
    ],
    [
      "a passing run says what it passed with",
      "offline_eval",
      { regressions: regs(2) },
      {},
      "Passed: 95.0% of 300 cases passed (needs 90%); 2 regressions, none critical; latency +2.0% (at most +15%), token cost +1.0% (at most +10%)",
    ],
    [
      "a passing smoke test shows the deltas as not judged",
      "offline_smoke",
      { segments: [seg("smoke", 36, 36)], latencyDeltaPct: 40, tokenCostDeltaPct: -2.5 },
      {},
      "Passed: 100.0% of 36 cases passed (needs 90%); no regressions; latency +40.0%, token cost -2.5% (not judged for a smoke test)",
    ],
    [
      "a rate just under the bar is never rounded up to it",
      "offline_eval",
      { segments: [seg("all", 8999, 10000)] },
      {},
      "Failed: overall pass rate 89.99% (needs 90%); segment \"all\" passed 89.99% (needs 90%)",
    ],
    [
      "a latency just over the limit is never rounded down to it",
      "offline_eval",
      { latencyDeltaPct: 15.001 },
      {},
      "Failed: latency +15.001% (at most +15%)",
    ],
    [
      "several weak segments, worst first, the list capped",
      "offline_eval",
      { segments: ["a", "b", "c", "d", "e", "f", "g"].map((n, i) => seg(n, 80 + i, 100)).concat(seg("big", 10000, 10000)) },
      {},
      'Failed: 7 segments below 90%: "a" 80.0%, "b" 81.0%, "c" 82.0%, "d" 83.0%, "e" 84.0% and 2 more',
    ],
    ["one critical regression names its case", "offline_smoke", { regressions: regs(1, "critical", 17) }, {}, 'Failed: critical regression in case "c-17"'],
    [
      "several critical regressions list their cases",
      "offline_smoke",
      { regressions: [...regs(1), ...regs(2, "critical", 4)] },
      {},
      'Failed: 2 critical regressions ("c-4", "c-5")',
    ],
    ["a threshold with a decimal reads as people write it", "offline_eval", { segments: [seg("all", 95, 100)] }, { minPassRate: 0.955 }, 'Failed: overall pass rate 95.0% (needs 95.5%); segment "all" passed 95.0% (needs 95.5%)'],
  ])("%s", (_name, gate, overrides, thresholds, summary) => {
    expect(judge(gate, overrides, thresholds).summary).toBe(summary);
  });

  it("explains each check in its detail", () => {
    const verdict = judge("offline_eval", {
      segments: [seg("billing", 81, 100), seg("shipping", 1190, 1200)],
      regressions: [...regs(1, "critical"), ...regs(2, "minor", 2)],
      latencyDeltaPct: -0.01,
      tokenCostDeltaPct: 12,
    });
    expect(Object.fromEntries(verdict.checks.map((c) => [c.key, c.detail]))).toEqual({
      overall_pass_rate: "1,271 of 1,300 cases passed: 97.8% (needs 90%)",
      segment_pass_rates: 'Segment "billing" passed 81.0% (needs 90%)',
      regression_count: "3 regressions: 1 critical, 2 minor (at most 5)",
      critical_regressions: '1 critical regression (none allowed): "c-1" (case 1 answers wrongly)',
      // A tiny drop shows as 0.0%, not "-0.0%".
      latency: "Latency 0.0% versus the current version (at most +15%)",
      token_cost: "Token cost +12.0% versus the current version (at most +10%)",
    });
  });

  it("names the lowest segment when every segment passes", () => {
    const details = (overrides: Partial<OfflineEvalResultInput>) =>
      judge("offline_eval", overrides).checks.find((c) => c.key === "segment_pass_rates")!.detail;
    expect(details({})).toBe('All 2 segments passed at least 90% (lowest: "billing" at 95.0%)');
    expect(details({ segments: [seg("all", 113, 120)] })).toBe('The one segment, "all", passed 94.2%');
    expect(judge("offline_smoke", { segments: [seg("a", 10, 10), seg("b", 1, 2)] }).checks[1]!.detail).toBe(
      'Lowest segment "b" at 50.0% (not judged for a smoke test)',
    );
  });
});

describe("thresholdsFromSettings", () => {
  it("reads the offline-eval settings and the promotion limits for latency and cost", () => {
    expect(thresholdsFromSettings(defaultServiceSettings())).toEqual(T);
    const custom = defaultServiceSettings();
    custom.offlineEval = { minPassRate: 0.97, maxRegressions: 0 };
    custom.promotion = { ...custom.promotion, p95LatencyMaxIncreasePct: 5, costPerResolvedMaxIncreasePct: 2 };
    expect(thresholdsFromSettings(custom)).toEqual({ minPassRate: 0.97, maxRegressions: 0, maxLatencyIncreasePct: 5, maxCostIncreasePct: 2 });
  });
});

describe("isOfflineGate", () => {
  it.each([
    ["offline_eval", true],
    ["offline_smoke", true],
    ["security_review", false],
    ["canary", false],
    ["rollback_plan", false],
  ])("%s → %s", (gate, expected) => expect(isOfflineGate(gate)).toBe(expected));
});

describe("offlineEvalResultSchema: accepts", () => {
  it("a minimal run, filling the defaults", () => {
    expect(offlineEvalResultSchema.parse({ segments: [seg("all", 9, 10)], latencyDeltaPct: 0, tokenCostDeltaPct: -1.5 })).toEqual({
      segments: [{ name: "all", passed: 9, total: 10 }],
      regressions: [],
      latencyDeltaPct: 0,
      tokenCostDeltaPct: -1.5,
      userVisibleChanges: [],
    });
  });

  it("a full run, trimming strings and dropping keys it does not know", () => {
    const parsed = offlineEvalResultSchema.parse({
      evalSet: " support-regressions ",
      runUrl: "https://ci.example.com/runs/4812",
      commit: "9f1c2e7",
      segments: [seg(" billing ", 0, 1)],
      regressions: [{ caseId: "c-1", segment: "billing", summary: "refund amount wrong", severity: "major" }],
      latencyDeltaPct: -100,
      tokenCostDeltaPct: 1_000_000,
      userVisibleChanges: ["Answers cite the refund policy section"],
      harnessVersion: "2.1",
    });
    expect(parsed).toMatchObject({ evalSet: "support-regressions", segments: [{ name: "billing" }] });
    expect(parsed).not.toHaveProperty("harnessVersion");
  });

  it("exactly the size limits", () => {
    const big = {
      segments: Array.from({ length: EVIDENCE_LIMITS.segments }, (_, i) => seg(`s${i}`, 1, 1)),
      regressions: regs(EVIDENCE_LIMITS.regressions),
      userVisibleChanges: Array.from({ length: EVIDENCE_LIMITS.userVisibleChanges }, () => "x".repeat(EVIDENCE_LIMITS.textChars)),
      latencyDeltaPct: 0,
      tokenCostDeltaPct: 0,
    };
    expect(offlineEvalResultSchema.safeParse(big).success).toBe(true);
  });
});

describe("offlineEvalResultSchema: refuses, saying where and why", () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => seg(`s${i}`, 1, 1));
  it.each<[string, unknown, string, string]>([
    ["not an object", null, "", "expected object"],
    ["no segments", { latencyDeltaPct: 0, tokenCostDeltaPct: 0 }, "segments", "segments must be a list"],
    ["an empty segment list", run({ segments: [] }), "segments", "Send at least one segment"],
    ["too many segments", run({ segments: many(EVIDENCE_LIMITS.segments + 1) }), "segments", "Send at most 200 segments"],
    ["a segment listed twice", run({ segments: [seg("billing", 1, 1), seg("billing", 2, 2)] }), "segments.1.name", 'Segment "billing" is listed twice'],
    ["passed above total", run({ segments: [seg("billing", 11, 10)] }), "segments.0.passed", "passed (11) cannot exceed total (10)"],
    ["a segment with no cases", run({ segments: [seg("billing", 0, 0)] }), "segments.0.total", "total must be at least 1"],
    ["a fractional count", run({ segments: [seg("billing", 1.5, 2)] }), "segments.0.passed", "passed must be a whole number of cases"],
    ["a negative count", run({ segments: [seg("billing", -1, 2)] }), "segments.0.passed", "passed cannot be negative"],
    ["a count sent as a string", run({ segments: [{ name: "a", passed: "1", total: 2 } as never] }), "segments.0.passed", "passed must be a number"],
    ["a blank segment name", run({ segments: [seg("   ", 1, 1)] }), "segments.0.name", "Segment name cannot be empty"],
    ["a very long segment name", run({ segments: [seg("x".repeat(121), 1, 1)] }), "segments.0.name", "Segment name is longer than 120 characters"],
    ["an unknown severity", run({ regressions: [{ caseId: "c", summary: "s", severity: "blocker" as never }] }), "regressions.0.severity", 'severity must be "minor", "major" or "critical"'],
    ["a regression without a summary", run({ regressions: [{ caseId: "c", severity: "minor" } as never] }), "regressions.0.summary", "summary is required"],
    ["too many regressions", run({ regressions: regs(EVIDENCE_LIMITS.regressions + 1) }), "regressions", "Send at most 1,000 regressions"],
    ["a javascript: run link", run({ runUrl: "javascript:alert(1)" }), "runUrl", "runUrl must be an http(s) link"],
    ["a run link that is not a URL", run({ runUrl: "ci run 4812" }), "runUrl", "runUrl must be an http(s) link"],
    ["no latency delta", { segments: [seg("a", 1, 1)], tokenCostDeltaPct: 0 }, "latencyDeltaPct", "latencyDeltaPct is required"],
    ["a latency delta as text", run({ latencyDeltaPct: "3%" as never }), "latencyDeltaPct", "latencyDeltaPct must be a number of percent"],
    ["a cost falling more than 100%", run({ tokenCostDeltaPct: -101 }), "tokenCostDeltaPct", "cannot be below -100"],
    ["too many user-visible changes", run({ userVisibleChanges: Array(101).fill("x") }), "userVisibleChanges", "List at most 100"],
    ["an empty user-visible change", run({ userVisibleChanges: [""] }), "userVisibleChanges.0", "cannot be empty"],
  ])("%s", (_name, input, path, message) => {
    const parsed = offlineEvalResultSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    const issues = parsed.error!.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });
});

describe("evidenceSubmissionSchema", () => {
  it("needs the revision the results are for", () => {
    expect(evidenceSubmissionSchema.safeParse({ revision: 2, result: run() }).success).toBe(true);
    const missing = evidenceSubmissionSchema.safeParse({ result: run() });
    expect(missing.error?.issues[0]).toMatchObject({ path: ["revision"], message: expect.stringContaining("revision is required") });
    expect(evidenceSubmissionSchema.safeParse({ revision: 0, result: run() }).success).toBe(false);
  });
});
