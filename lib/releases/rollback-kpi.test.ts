import { describe, expect, it } from "vitest";
import { durationStats, formatDuration, rollbackTimeKpi } from "./rollback-kpi";

describe("durationStats", () => {
  it.each<[string, number[], { count: number; medianMs: number; worstMs: number } | null]>([
    ["none", [], null],
    ["one", [437], { count: 1, medianMs: 437, worstMs: 437 }],
    ["odd count, unsorted", [900, 120, 437], { count: 3, medianMs: 437, worstMs: 900 }],
    ["even count: mean of the middle two", [400, 100, 300, 200], { count: 4, medianMs: 250, worstMs: 400 }],
    ["ties", [5, 5, 5, 1], { count: 4, medianMs: 5, worstMs: 5 }],
  ])("%s", (_name, values, expected) => {
    expect(durationStats(values)).toEqual(expected);
  });
});

describe("rollbackTimeKpi", () => {
  const at = (s: string) => new Date(`2026-03-03T03:${s}Z`);
  it("measures click→flip over all and alarm→flip over those with an alarm", () => {
    const kpi = rollbackTimeKpi([
      { clickedAt: at("10:00.000"), firstAlarmAt: at("04:00.000"), flippedAt: at("10:00.500") },
      { clickedAt: at("20:00.000"), firstAlarmAt: null, flippedAt: at("20:01.500") },
      { clickedAt: at("30:00.000"), firstAlarmAt: at("29:00.000"), flippedAt: at("30:00.250") },
    ]);
    expect(kpi).toEqual({
      count: 3,
      clickToFlip: { count: 3, medianMs: 500, worstMs: 1_500 },
      alarmToFlip: { count: 2, medianMs: (360_500 + 60_250) / 2, worstMs: 360_500 },
    });
  });

  it("has no alarm figures without alarms, and never negative durations", () => {
    const kpi = rollbackTimeKpi([{ clickedAt: at("10:01.000"), firstAlarmAt: null, flippedAt: at("10:00.000") }]);
    expect(kpi).toEqual({ count: 1, clickToFlip: { count: 1, medianMs: 0, worstMs: 0 }, alarmToFlip: null });
  });

  it("is empty for no rollbacks", () => {
    expect(rollbackTimeKpi([])).toEqual({ count: 0, clickToFlip: null, alarmToFlip: null });
  });
});

describe("formatDuration", () => {
  it.each<[number, string]>([
    [0, "0 ms"],
    [437, "437 ms"],
    [999.6, "1.0 s"],
    [6_740, "6.7 s"],
    [59_949, "59.9 s"],
    [59_960, "1 min 00 s"],
    [401_437, "6 min 41 s"],
    [3_599_600, "1 h 00 min"],
    [3_720_000, "1 h 02 min"],
  ])("%d ms → %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
