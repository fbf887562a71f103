import { describe, expect, it } from "vitest";
import type { ChangeRequest, RolloutHold } from "@/db/schema";
import { histogramOf, totalsOf } from "./test-fixtures";
import type { MetricTotals } from "./totals";
import {
  MAX_CHART_BUCKETS,
  MIN_CHART_REQUESTS,
  axisTicks,
  chartBucketMinutes,
  currentStageIndex,
  dailyWindows,
  ladderSteps,
  metricCharts,
  rollupGranularityFor,
  rolloutHeadline,
  stageBuckets,
  timeTicks,
  versionTable,
  type CanaryGate,
} from "./view-model";

type State = ChangeRequest["state"];
const LADDER = [1, 5, 10];
const gate = (canaryPercent: number, status: CanaryGate["status"], statusReason = ""): CanaryGate => ({ canaryPercent, status, statusReason });
const pending = LADDER.map((p) => gate(p, "pending"));
const frozen: RolloutHold = { kind: "frozen", reason: "Canary 5% failed", at: "2026-11-19T10:00:00Z", by: "Changegate canary judge", failing: ["false_refusal_rate …"], stagePercent: 5 };
const paused: RolloutHold = { kind: "paused", reason: "Looking into tickets", at: "2026-11-19T10:00:00Z", by: "Jonas Weber", stagePercent: 5 };

describe("currentStageIndex", () => {
  it.each<[string, Parameters<typeof currentStageIndex>[0], number | null]>([
    ["no canary ever ran", { ladder: LADDER, canaryStage: null, state: "approved", started: false, gates: pending }, null],
    ["the recorded stage", { ladder: LADDER, canaryStage: 1, state: "rolling_out", started: true, gates: pending }, 1],
    ["a stage beyond the ladder is its last", { ladder: LADDER, canaryStage: 7, state: "rolling_out", started: true, gates: pending }, 2],
    ["promoted without a recorded stage: the last", { ladder: LADDER, canaryStage: null, state: "promoted", started: true, gates: pending }, 2],
    [
      "rolled back without a recorded stage: the last decided gate",
      { ladder: LADDER, canaryStage: null, state: "rolled_back", started: true, gates: [gate(1, "passed"), gate(5, "failed"), gate(10, "pending")] },
      1,
    ],
    ["started, nothing decided: the first", { ladder: LADDER, canaryStage: null, state: "rolled_back", started: true, gates: pending }, 0],
  ])("%s", (_, input, expected) => expect(currentStageIndex(input)).toBe(expected));
});

describe("ladderSteps", () => {
  const summary = (state: State, stage: number | null, gates: CanaryGate[], hold: RolloutHold | null = null) =>
    ladderSteps({ ladder: LADDER, stage, state, gates, hold }).map((s) => `${s.percent}:${s.position}:${s.status}`);

  it.each<[string, State, number | null, CanaryGate[], RolloutHold | null, string[]]>([
    ["approved, not started", "approved", null, pending, null, ["1:upcoming:pending", "5:upcoming:pending", "10:upcoming:pending", "100:upcoming:pending"]],
    [
      "rolling out at the second stage",
      "rolling_out",
      1,
      [gate(1, "passed"), gate(5, "pending"), gate(10, "pending")],
      null,
      ["1:done:passed", "5:current:running", "10:upcoming:pending", "100:upcoming:pending"],
    ],
    [
      "manual mode: the stage passed and waits for an operator",
      "rolling_out",
      1,
      [gate(1, "passed"), gate(5, "passed"), gate(10, "pending")],
      null,
      ["1:done:passed", "5:current:passed_waiting", "10:upcoming:pending", "100:upcoming:pending"],
    ],
    [
      "frozen by a failing verdict",
      "paused",
      1,
      [gate(1, "passed"), gate(5, "failed"), gate(10, "pending")],
      frozen,
      ["1:done:passed", "5:current:frozen", "10:upcoming:pending", "100:upcoming:pending"],
    ],
    ["paused by an operator", "paused", 1, [gate(1, "passed"), gate(5, "pending"), gate(10, "pending")], paused, ["1:done:passed", "5:current:paused", "10:upcoming:pending", "100:upcoming:pending"]],
    [
      "rolled back after a failed stage",
      "rolled_back",
      1,
      [gate(1, "passed"), gate(5, "failed"), gate(10, "pending")],
      frozen,
      ["1:done:passed", "5:current:failed", "10:upcoming:not_reached", "100:upcoming:not_reached"],
    ],
    [
      "rolled back by hand during a stage",
      "rolled_back",
      0,
      pending,
      null,
      ["1:current:rolled_back", "5:upcoming:not_reached", "10:upcoming:not_reached", "100:upcoming:not_reached"],
    ],
    [
      "promoted, one stage waived",
      "promoted",
      2,
      [gate(1, "passed"), gate(5, "waived"), gate(10, "passed")],
      null,
      ["1:done:passed", "5:done:waived", "10:done:passed", "100:done:promoted"],
    ],
  ])("%s", (_, state, stage, gates, hold, expected) => expect(summary(state, stage, gates, hold)).toEqual(expected));

  it("carries each gate's reason, and says where the others stand", () => {
    const steps = ladderSteps({ ladder: LADDER, stage: 1, state: "rolling_out", gates: [gate(1, "passed", "Canary 1% passed: all 6 judged metrics …"), gate(5, "pending")], hold: null });
    expect(steps.map((s) => [s.label, s.reason])).toEqual([
      ["Stage 1", "Canary 1% passed: all 6 judged metrics …"],
      ["Stage 2", ""],
      ["Stage 3", ""],
      ["Promotion", "After the last stage passes."],
    ]);
  });

  it("a paused stage without a gate reason shows the hold's reason", () => {
    const [, current] = ladderSteps({ ladder: LADDER, stage: 1, state: "paused", gates: pending, hold: paused });
    expect(current).toMatchObject({ status: "paused", reason: "Looking into tickets" });
  });
});

describe("rolloutHeadline", () => {
  it.each<[string, Parameters<typeof rolloutHeadline>[0], string]>([
    ["not started", { ladder: LADDER, stage: null, state: "approved", hold: null, livePercent: null }, "No canary yet"],
    ["rolling out", { ladder: LADDER, stage: 1, state: "rolling_out", hold: null, livePercent: 5 }, "Canary 5% — stage 2 of 3"],
    ["frozen", { ladder: LADDER, stage: 1, state: "paused", hold: frozen, livePercent: 0 }, "Frozen at 5% — stage 2 of 3; canary share back to 0%"],
    ["paused", { ladder: LADDER, stage: 1, state: "paused", hold: paused, livePercent: 5 }, "Paused at 5% — stage 2 of 3"],
    ["promoted", { ladder: LADDER, stage: 2, state: "promoted", hold: null, livePercent: null }, "Promoted to 100% after 3 canary stages"],
    ["promoted, one stage", { ladder: [10], stage: 0, state: "promoted", hold: null, livePercent: null }, "Promoted to 100% after 1 canary stage"],
    ["rolled back", { ladder: LADDER, stage: 0, state: "rolled_back", hold: null, livePercent: null }, "Rolled back at 1% — stage 1 of 3"],
  ])("%s", (_, input, expected) => expect(rolloutHeadline(input)).toBe(expected));
});

describe("chart buckets", () => {
  const MIN = 60_000;
  it.each<[number, number]>([
    [0, 1],
    [60 * MIN, 1],
    [120 * MIN, 1],
    [121 * MIN, 5],
    [600 * MIN, 5],
    [601 * MIN, 15],
    [30 * 60 * MIN, 15],
    [30 * 60 * MIN + 1, 30],
    [7 * 24 * 60 * MIN, 180],
    [365 * 24 * 60 * MIN, 1440],
  ])("a span of %i ms gets %i-minute buckets", (span, minutes) => {
    expect(chartBucketMinutes(span)).toBe(minutes);
    if (span < 100 * 24 * 60 * MIN) expect(Math.ceil(span / (minutes * MIN))).toBeLessThanOrEqual(MAX_CHART_BUCKETS);
  });

  it("reads minute rollups below an hour, hour rollups from an hour", () => {
    expect([1, 5, 15, 30, 60, 180].map(rollupGranularityFor)).toEqual(["minute", "minute", "minute", "minute", "hour", "hour"]);
  });
});

describe("stageBuckets", () => {
  const t = (hhmm: string) => new Date(`2026-11-19T${hhmm}Z`);
  const row = (hhmm: string, requests: number, resolved: number) => ({ at: t(hhmm), totals: totalsOf({ requests, resolved }) });

  it("cuts each stage into buckets from its own start; running totals restart at each stage", () => {
    const { buckets, marks } = stageBuckets({
      series: [row("09:59:00", 99, 0), row("10:00:00", 10, 9), row("10:04:00", 10, 8), row("10:06:00", 10, 7), row("10:07:00", 20, 10), row("10:11:00", 20, 20), row("10:12:00", 99, 0)],
      marks: [
        { at: t("10:07:00"), label: "5%" },
        { at: t("10:00:30"), label: "1%" },
      ],
      to: t("10:12:00"),
      bucketMinutes: 5,
    });
    expect(marks).toEqual([
      { at: t("10:00:00"), label: "1%" },
      { at: t("10:07:00"), label: "5%" },
    ]);
    expect(buckets.map((b) => [b.start.toISOString().slice(11, 16), b.segment, b.totals.requests, b.totals.resolved, b.cumulative.requests, b.cumulative.resolved])).toEqual([
      ["10:00", 0, 20, 17, 20, 17],
      ["10:05", 0, 10, 7, 30, 24],
      ["10:07", 1, 40, 30, 40, 30],
    ]);
  });

  it("keeps the later of two marks in the same minute, drops marks at or after the end, and leaves empty buckets empty", () => {
    const { buckets, marks } = stageBuckets({
      series: [row("10:02:00", 5, 5)],
      marks: [
        { at: t("10:00:05"), label: "1%" },
        { at: t("10:00:40"), label: "judged from" },
        { at: t("10:03:00"), label: "5%" },
      ],
      to: t("10:03:00"),
      bucketMinutes: 1,
    });
    expect(marks.map((m) => m.label)).toEqual(["judged from"]);
    expect(buckets.map((b) => b.totals.requests)).toEqual([0, 0, 5]);
    expect(buckets.map((b) => b.cumulative.requests)).toEqual([0, 0, 5]);
  });

  it("floors marks to the hour for hour buckets", () => {
    const { buckets, marks } = stageBuckets({
      series: [{ at: t("10:00:00"), totals: totalsOf({ requests: 3 }) }, { at: t("12:00:00"), totals: totalsOf({ requests: 4 }) }],
      marks: [{ at: t("10:35:00"), label: "1%" }],
      to: t("13:10:00"),
      bucketMinutes: 60,
    });
    expect(marks[0]!.at).toEqual(t("10:00:00"));
    expect(buckets.map((b) => b.totals.requests)).toEqual([3, 0, 4, 0]);
  });
});

describe("dailyWindows", () => {
  it("sums hourly rows into seven 24-hour windows counted from the start", () => {
    const from = new Date("2026-11-12T09:00:00Z");
    const h = (hours: number, requests: number) => ({ at: new Date(from.getTime() + hours * 3_600_000), totals: totalsOf({ requests }) });
    const days = dailyWindows([h(-1, 100), h(0, 1), h(23, 2), h(24, 4), h(6 * 24 + 23, 8), h(7 * 24, 100)], from);
    expect(days.map((d) => d.requests)).toEqual([3, 4, 0, 0, 0, 0, 8]);
  });
});

describe("metricCharts", () => {
  const baselineDay = (requests: number, resolved: number): MetricTotals =>
    totalsOf({ requests, resolved, falseRefusals: requests / 50, costUsd: resolved * 0.01, latencyHistogram: histogramOf({ 20: requests }) });

  it("gives each metric its canary points, the pooled baseline, the daily band and round ticks; rules first", () => {
    const days = [baselineDay(1000, 800), baselineDay(1000, 820), baselineDay(1000, 780)];
    const bucket = (requests: number, resolved: number) => ({ start: new Date(0), segment: 0, totals: totalsOf({ requests, resolved }), cumulative: totalsOf({ requests, resolved }) });
    const charts = metricCharts({ buckets: [bucket(100, 70), bucket(0, 0)], baselineDays: days, baseline: days.reduce((a, b) => totalsOf({ requests: a.requests + b.requests, resolved: a.resolved + b.resolved })) });
    expect(charts.map((c) => c.kind)).toEqual(["rule", "rule", "rule", "rule", "guard", "guard", "guard", "guard", "guard"]);
    const resolved = charts.find((c) => c.metric === "resolved_rate")!;
    expect(resolved.baseline).toBeCloseTo(0.8, 12);
    expect(resolved.band!.lo).toBeCloseTo(0.8 - 2 * 0.02, 12);
    expect(resolved.band!.hi).toBeCloseTo(0.8 + 2 * 0.02, 12);
    expect(resolved.points.map((p) => p.canary)).toEqual([0.7, null]);
    expect(resolved.points[0]!.band).toEqual([resolved.band!.lo, resolved.band!.hi]);
    expect(resolved.ticks).toEqual([0.7, 0.75, 0.8, 0.85]);
  });

  it("draws a bucket's own value from MIN_CHART_REQUESTS requests, and the running value only where there was traffic", () => {
    const b = (requests: number, resolved: number, cumRequests: number, cumResolved: number) => ({
      start: new Date(0),
      segment: 0,
      totals: totalsOf({ requests, resolved }),
      cumulative: totalsOf({ requests: cumRequests, resolved: cumResolved }),
    });
    const few = MIN_CHART_REQUESTS - 1;
    const charts = metricCharts({ buckets: [b(100, 70, 100, 70), b(0, 0, 100, 70), b(few, few, 100 + few, 70 + few), b(100, 90, 200 + few, 160 + few)], baselineDays: [], baseline: null });
    const resolved = charts.find((c) => c.metric === "resolved_rate")!;
    expect(resolved.points.map((p) => p.canary)).toEqual([0.7, null, null, 0.9]);
    expect(resolved.points.map((p) => p.cumulative)).toEqual([0.7, null, (70 + few) / (100 + few), (160 + few) / (200 + few)]);
    expect(resolved.points.map((p) => p.cumulativeRequests)).toEqual([100, 100, 100 + few, 200 + few]);
  });

  it("without a baseline: no band, no baseline line, ticks from the canary alone", () => {
    const charts = metricCharts({ buckets: [{ start: new Date(0), segment: 0, totals: totalsOf({ requests: 10, resolved: 5 }), cumulative: totalsOf({ requests: 10, resolved: 5 }) }], baselineDays: [], baseline: null });
    const resolved = charts.find((c) => c.metric === "resolved_rate")!;
    expect(resolved).toMatchObject({ baseline: null, band: null });
    expect(resolved.ticks.length).toBeGreaterThan(1);
    expect(charts.find((c) => c.metric === "p95_latency_ms")!.ticks).toEqual([]);
  });
});

describe("timeTicks", () => {
  const t = (iso: string) => Date.parse(`2026-11-19T${iso}Z`);
  const hhmm = (ticks: number[]) => ticks.map((x) => new Date(x).toISOString().slice(11, 16));
  it.each<[string, string, string, number, string[]]>([
    ["a few minutes: every minute", "06:04:20", "06:06:40", 6, ["06:05", "06:06"]],
    ["an hour: every 15 minutes", "06:04:00", "07:04:00", 6, ["06:15", "06:30", "06:45", "07:00"]],
    ["an hour, compact: every 30 minutes", "06:04:00", "07:04:00", 3, ["06:30", "07:00"]],
    ["a day: every 6 hours", "00:30:00", "23:30:00", 6, ["06:00", "12:00", "18:00"]],
  ])("%s", (_, from, to, max, expected) => expect(hhmm(timeTicks(t(from), t(to), max))).toEqual(expected));

  it("never gives more than asked, and nothing for an empty span between round times", () => {
    expect(timeTicks(t("06:04:10"), t("06:04:50"), 5)).toEqual([]);
    for (const hours of [1, 5, 30, 24 * 7]) expect(timeTicks(t("00:00:00"), t("00:00:00") + hours * 3_600_000, 5).length).toBeLessThanOrEqual(5);
  });
});

describe("axisTicks", () => {
  it.each<[string, (number | null)[], "rate" | "usd" | "ms", number[]]>([
    ["rates around 80%", [0.78, 0.81, null], "rate", [0.78, 0.79, 0.8, 0.81]],
    ["rates near 100% stop at 100%", [0.98, 1], "rate", [0.98, 0.985, 0.99, 0.995, 1]],
    ["all zero: a small range from 0", [0, 0], "rate", [0, 0.005, 0.01]],
    ["latency", [812, 1200], "ms", [800, 900, 1000, 1100, 1200]],
    ["never below zero", [0.001, 0.02], "usd", [0, 0.005, 0.01, 0.015, 0.02]],
    ["nothing to draw", [null, Number.NaN], "rate", []],
  ])("%s", (_, values, unit, expected) => expect(axisTicks(values, unit)).toEqual(expected));
});

describe("versionTable", () => {
  const count = (versions: Record<string, string>, requests: number, resolved: number, falseRefusals = 0) => ({ versions, requests, resolved, falseRefusals, policyViolations: 0 });

  it("merges the same versions from several canary releases and shows the changed and differing kinds", () => {
    const table = versionTable(
      [
        count({ prompt: "p1", policy: "sec-v13", routing: "r2" }, 300, 240, 30),
        count({ routing: "r2", prompt: "p1", policy: "sec-v13" }, 100, 80, 10),
        count({ prompt: "p1", policy: "sec-v12", routing: "r2" }, 100, 90, 2),
      ],
      { highlightKinds: ["policy", "tool_permission"] },
    );
    expect(table.kinds).toEqual(["policy"]);
    expect(table.total).toBe(500);
    expect(table.rows.map((r) => [r.versions.policy, r.requests, r.share, r.resolvedRate, r.falseRefusalRate])).toEqual([
      ["sec-v13", 400, 0.8, 0.8, 0.1],
      ["sec-v12", 100, 0.2, 0.9, 0.02],
    ]);
  });

  it("shows every kind when none is changed or differs", () => {
    const table = versionTable([count({ routing: "r2", prompt: "p1" }, 10, 5)], { highlightKinds: [] });
    expect(table.kinds).toEqual(["prompt", "routing"]);
  });

  it("an empty breakdown is empty", () => {
    expect(versionTable([], { highlightKinds: ["policy"] })).toEqual({ kinds: [], rows: [], total: 0 });
  });
});
