import { describe, expect, it } from "vitest";
import type { RiskTier } from "@/lib/components/kinds";
import { gateTypeEnum } from "@/db/schema/enums";
import { GATE_TYPES, canaryLadder, preCanaryGates, requiredGates } from "./gates";

describe("requiredGates: SPEC §1 ladders, in order", () => {
  it.each<[RiskTier, string[]]>([
    ["high", ["security_review", "offline_eval", "canary:1", "canary:5", "canary:10", "rollback_plan"]],
    ["medium", ["offline_eval", "canary:10", "canary:25", "canary:50"]],
    ["low", ["offline_smoke", "canary:10"]],
  ])("%s → %j", (tier, keys) => {
    expect(requiredGates(tier).map((g) => g.key)).toEqual(keys);
  });

  it.each<[RiskTier, string[]]>([
    ["high", ["Security review", "Offline evaluation", "Canary 1%", "Canary 5%", "Canary 10%", "Rollback plan"]],
    ["medium", ["Offline evaluation", "Canary 10%", "Canary 25%", "Canary 50%"]],
    ["low", ["Offline smoke test", "Canary 10%"]],
  ])("%s gates read as %j", (tier, labels) => {
    expect(requiredGates(tier).map((g) => g.label)).toEqual(labels);
  });

  it.each<RiskTier>(["low", "medium", "high"])("%s: only canary stages carry a percent, and every gate says what passes it", (tier) => {
    for (const g of requiredGates(tier)) {
      expect(g.canaryPercent !== undefined).toBe(g.type === "canary");
      expect(g.passesWhen).toMatch(/\.$/);
    }
  });

  it("uses exactly the gate types the database knows", () => {
    expect([...GATE_TYPES]).toEqual(gateTypeEnum.enumValues);
  });

  it("hands out copies: a caller cannot change the ladder for everyone", () => {
    const gates = requiredGates("low");
    gates[1]!.canaryPercent = 100;
    gates.pop();
    expect(requiredGates("low").map((g) => g.canaryPercent)).toEqual([undefined, 10]);
  });
});

describe("canaryLadder", () => {
  it.each<[RiskTier, number[]]>([
    ["high", [1, 5, 10]],
    ["medium", [10, 25, 50]],
    ["low", [10]],
  ])("%s → %j", (tier, percents) => expect(canaryLadder(tier)).toEqual(percents));
});

describe("preCanaryGates: what must pass before the rollout starts", () => {
  it.each<[RiskTier, string[]]>([
    // The rollback plan is listed last but is needed before the first canary.
    ["high", ["security_review", "offline_eval", "rollback_plan"]],
    ["medium", ["offline_eval"]],
    ["low", ["offline_smoke"]],
  ])("%s → %j", (tier, keys) => expect(preCanaryGates(tier).map((g) => g.key)).toEqual(keys));
});
