import { describe, expect, it } from "vitest";
import { judgeStage, type StageJudgementInput } from "./analysis";
import { METRIC_IDS } from "./metrics";
import { defaultAnalysisSettings, population, settingsWith, type PopulationShape } from "./test-fixtures";
import { emptyTotals } from "./totals";

const START = new Date("2026-03-10T14:00:00Z");
const minutes = (m: number) => new Date(START.getTime() + m * 60_000);
const BASELINE = population({ requests: 100_000 });

function stage(minutesIn: number, canary: PopulationShape, extra: Partial<StageJudgementInput> = {}) {
  return judgeStage({
    canary: population(canary),
    baseline: BASELINE,
    stageStartedAt: START,
    now: minutes(minutesIn),
    settings: defaultAnalysisSettings(),
    ...extra,
  });
}

describe("judgeStage", () => {
  it("passes a healthy canary once both minimums are reached", () => {
    const j = stage(45, { requests: 1500 });
    expect(j.verdict).toBe("pass");
    expect(j.minimumsReached).toBe(true);
    expect(j.failing).toEqual([]);
    expect(j.metrics.map((m) => m.metric)).toEqual([...METRIC_IDS]);
    expect(j.metrics.filter((m) => m.judged).every((m) => m.verdict === "pass")).toBe(true);
    expect(j.reasons).toEqual(["All 6 judged metrics are within their thresholds after 45 minutes and 1,500 canary requests."]);
    expect(j).toMatchObject({ sampleStillNeeded: 0, minutesStillNeeded: 0 });
  });

  it("is insufficient before the minimum duration, however much traffic", () => {
    const j = stage(10, { requests: 1500 });
    expect(j).toMatchObject({ verdict: "insufficient", minimumsReached: false, minutesStillNeeded: 20, sampleStillNeeded: 0 });
    expect(j.reasons).toEqual(["The stage minimum is not reached yet: 10 of 30 minutes."]);
    expect(j.metrics.filter((m) => m.judged).every((m) => m.cause === "stage_minimum")).toBe(true);
  });

  it("is insufficient before the minimum sample, however long", () => {
    const j = stage(45, { requests: 600 });
    expect(j).toMatchObject({ verdict: "insufficient", minimumsReached: false, minutesStillNeeded: 0, sampleStillNeeded: 400 });
    expect(j.reasons).toEqual(["The stage minimum is not reached yet: 600 of 1,000 canary requests."]);
    const both = stage(3, { requests: 100 });
    expect(both.reasons[0]).toBe("The stage minimum is not reached yet: 3 of 30 minutes and 100 of 1,000 canary requests.");
    expect(both).toMatchObject({ minutesStillNeeded: 27, sampleStillNeeded: 900 });
  });

  it("reaches the minimum duration exactly at 30 minutes, not a millisecond before", () => {
    const justBefore = judgeStage({ canary: population({ requests: 1000 }), baseline: BASELINE, stageStartedAt: START, now: new Date(minutes(30).getTime() - 1), settings: defaultAnalysisSettings() });
    expect(justBefore).toMatchObject({ verdict: "insufficient", minutesStillNeeded: 1 });
    expect(stage(30, { requests: 1000 }).verdict).toBe("pass");
  });

  it("treats a clock before the stage start as no time elapsed", () => {
    expect(stage(-5, { requests: 1500 })).toMatchObject({ verdict: "insufficient", minutesStillNeeded: 30 });
  });

  it("fails before the minimums when the evidence is strong (false refusals 2% → 10% after 600 requests, 5 minutes)", () => {
    const j = stage(5, { requests: 600, falseRefusalRate: 0.1 });
    expect(j.verdict).toBe("fail");
    expect(j.minimumsReached).toBe(false);
    expect(j.failing.map((m) => m.metric)).toEqual(["false_refusal_rate"]);
    expect(j.reasons).toHaveLength(1);
    expect(j.reasons[0]).toMatch(/^false_refusal_rate 10% vs baseline 2% \(\+8 pp, 95% CI .* exceeds the allowed \+2 pp\.$/);
    expect(j).toMatchObject({ sampleStillNeeded: 0, minutesStillNeeded: 25 });
  });

  it("does not fail on fewer than minFailEvidenceRequests, however strong", () => {
    const j = stage(5, { requests: 150, falseRefusalRate: 0.5 });
    expect(j.verdict).toBe("insufficient");
    const fr = j.metrics.find((m) => m.metric === "false_refusal_rate")!;
    expect(fr).toMatchObject({ cause: "fail_evidence_minimum", sampleStillNeeded: 50 });
    expect(j.reasons).toContain(fr.reason);
    // The stage as a whole still needs its minimum sample (unless the fail fires at 200).
    expect(j.sampleStillNeeded).toBe(850);
    const lower = stage(5, { requests: 150, falseRefusalRate: 0.5 }, { settings: settingsWith({ canary: { minFailEvidenceRequests: 100 } }) });
    expect(lower.verdict).toBe("fail");
  });

  it("lists every failing metric", () => {
    const j = stage(60, { requests: 2000, resolvedRate: 0.7, falseRefusalRate: 0.09, escalationRate: 0.08 });
    expect(j.verdict).toBe("fail");
    expect(j.failing.map((m) => m.metric)).toEqual(["resolved_rate", "false_refusal_rate", "escalation_rate"]);
    expect(j.reasons).toHaveLength(3);
  });

  it("stays insufficient after the minimums while a metric is beyond its threshold but not conclusive", () => {
    const j = stage(60, { requests: 1000, resolvedRate: 0.775 });
    expect(j.verdict).toBe("insufficient");
    expect(j.minimumsReached).toBe(true);
    const resolved = j.metrics.find((m) => m.metric === "resolved_rate")!;
    expect(resolved.cause).toBe("not_conclusive");
    expect(j.reasons).toEqual([resolved.reason]);
    expect(j.sampleStillNeeded).toBe(resolved.sampleStillNeeded);
    expect(j.sampleStillNeeded).toBeGreaterThan(0);
  });

  it("ignores unjudged guards: a follow-up spike is shown, but the stage passes", () => {
    const j = stage(60, { requests: 2000, followUpRate: 0.3 });
    expect(j.verdict).toBe("pass");
    const followUp = j.metrics.find((m) => m.metric === "follow_up_rate")!;
    expect(followUp).toMatchObject({ judged: false, verdict: "info" });
    expect(followUp.ci![0]).toBeGreaterThan(0.1);
  });

  it("cannot pass without a baseline, and says so", () => {
    const j = stage(60, { requests: 2000 }, { baseline: emptyTotals() });
    expect(j.verdict).toBe("insufficient");
    expect(j.sampleStillNeeded).toBeNull();
    expect(j.reasons.some((r) => r.startsWith("resolved_rate: no baseline"))).toBe(true);
  });

  it("waits for the first canary request", () => {
    const j = stage(60, { requests: 0 });
    expect(j).toMatchObject({ verdict: "insufficient", sampleStillNeeded: 1000 });
    expect(JSON.stringify(j)).not.toContain("NaN");
  });

  it("follows the stage minimums from settings", () => {
    const quick = settingsWith({ canary: { minStageMinutes: 5, minStageRequests: 500 } });
    expect(stage(6, { requests: 500 }, { settings: quick }).verdict).toBe("pass");
    expect(stage(4, { requests: 500 }, { settings: quick })).toMatchObject({ verdict: "insufficient", minutesStillNeeded: 1 });
  });
});
