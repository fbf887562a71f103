import { describe, expect, it } from "vitest";
import { applyCanaryRules, canaryRulesSchema, toPp } from "./canary-rules";
import { defaultServiceSettings } from "./settings";

const form = {
  serviceId: "6f1c1a52-5b55-4c55-9d1a-1b7a2f3c4d5e",
  expectedRevision: "a".repeat(64),
  canaryAdvance: "manual",
  minStageMinutes: "45",
  minStageRequests: "2000",
  resolvedRateMaxDropPp: "1.5",
  policyViolationMaxIncreasePp: "0.1",
  costPerResolvedMaxIncreasePct: "12",
  p95LatencyMaxIncreasePct: "20",
  guardFalseRefusalPp: "2",
  guardFollowUpPp: "",
  guardFallbackPp: "3.5",
  guardEscalationPp: "",
  guardManualCorrectionPp: "",
};

describe("canary rules form", () => {
  it("converts percentage points to stored fractions exactly and keeps other settings", () => {
    const settings = defaultServiceSettings();
    const next = applyCanaryRules(settings, canaryRulesSchema.parse(form));
    expect(next.promotion).toEqual({ resolvedRateMaxDropPp: 1.5, policyViolationMaxIncrease: 0.001, costPerResolvedMaxIncreasePct: 12, p95LatencyMaxIncreasePct: 20 });
    expect(next.canary.guardThresholds).toEqual({ false_refusal_rate: 0.02, fallback_rate: 0.035 });
    expect(next.canary).toMatchObject({ minStageMinutes: 45, minStageRequests: 2000, alpha: settings.canary.alpha });
    expect(next.canaryAdvance).toBe("manual");
    expect(next.deployWindow).toEqual(settings.deployWindow);
    expect(toPp(0.035)).toBe(3.5);
    expect(toPp(0.001)).toBe(0.1);
  });

  it.each([
    ["minStageMinutes", "0", "Minimum stage duration must be at least 1"],
    ["minStageMinutes", "2.5", "Minimum stage duration must be a whole number"],
    ["minStageRequests", "10", "Minimum canary requests must be at least 50"],
    ["resolvedRateMaxDropPp", "", "Resolved rate drop must be a number"],
    ["costPerResolvedMaxIncreasePct", "-1", "Cost per resolved request increase must be at least 0"],
    ["guardFalseRefusalPp", "abc", "False refusal threshold must be a number"],
    ["guardFalseRefusalPp", "101", "False refusal threshold must be at most 100"],
    ["canaryAdvance", "sometimes", "Choose automatic or manual"],
  ])("refuses %s = %j with a message at the field", (field, value, message) => {
    const parsed = canaryRulesSchema.safeParse({ ...form, [field]: value });
    expect(parsed.success).toBe(false);
    const issue = parsed.error!.issues.find((i) => i.path[0] === field);
    expect(issue?.message).toBe(message);
  });
});
