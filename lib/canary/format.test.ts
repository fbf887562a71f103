import { describe, expect, it } from "vitest";
import { formatCount, formatDeltaInterval, formatMetricDelta, formatMetricValue, formatRelative, formatSetting } from "./format";

describe("numbers in canary reasons", () => {
  it.each([
    ["rate", 0.098, "9.8%"],
    ["rate", 0.81, "81%"],
    ["rate", 0.0004, "0.04%"],
    ["rate", 0.000267, "0.027%"],
    ["rate", 0, "0%"],
    ["usd", 0.011872, "$0.0119"],
    ["usd", 12.345, "$12.3"],
    ["ms", 3881.67, "3,882 ms"],
  ] as const)("value %s %s → %s", (unit, value, text) => {
    expect(formatMetricValue(unit, value)).toBe(text);
  });

  it.each([
    ["rate", 0.077, "+7.7 pp"],
    ["rate", -0.11, "−11 pp"],
    ["rate", -0.0004, "−0.04 pp"],
    ["rate", 0, "0 pp"],
    ["usd", 0.0024894, "+$0.00249"],
    ["usd", -0.0012, "−$0.0012"],
    ["ms", 238.25, "+238 ms"],
    ["ms", -0.2, "0 ms"],
  ] as const)("delta %s %s → %s", (unit, delta, text) => {
    expect(formatMetricDelta(unit, delta)).toBe(text);
  });

  it("writes intervals with the unit once and never rounds a non-zero bound to 0", () => {
    expect(formatDeltaInterval("rate", [0.0426, 0.1114])).toBe("+4.3 to +11.1 pp");
    expect(formatDeltaInterval("rate", [-0.0996, -0.00041])).toBe("−10 to −0.041 pp");
    expect(formatDeltaInterval("usd", [-0.0000216, 0.00281])).toBe("−$0.0000216 to +$0.00281");
    expect(formatDeltaInterval("ms", [-50.4, 530])).toBe("−50 to +530 ms");
  });

  it("relative changes, counts and settings", () => {
    expect(formatRelative(0.2653)).toBe("+26.5%");
    expect(formatRelative(-0.05)).toBe("−5%");
    expect(formatCount(12345.4)).toBe("12,345");
    expect(formatSetting(2)).toBe("2");
    expect(formatSetting(0.5)).toBe("0.5");
  });
});
