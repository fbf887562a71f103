import { describe, expect, it } from "vitest";
import { judgeRollbackPlan, MIN_ROLLBACK_PLAN_CHARS } from "./rollback-plan";

const validPolicy = {
  rules: [{ id: "r1", description: "Block card numbers", action: "block", categories: ["pii"] }],
  defaultAction: "allow",
  refusalMessage: "I can't help with that.",
};
const plan = "Roll back the policy to sec-v12 with one click if false refusals rise.";

describe("judgeRollbackPlan", () => {
  it.each([
    {
      name: "a written plan and a valid target",
      input: { plan, changes: [{ kind: "policy" as const, rollbackTarget: { label: "sec-v12", content: validPolicy } }] },
      passed: true,
      reason: /Policy → sec-v12/,
    },
    {
      name: "a plan that is too short",
      input: { plan: "revert", changes: [{ kind: "policy" as const, rollbackTarget: { label: "sec-v12", content: validPolicy } }] },
      passed: false,
      reason: new RegExp(`at least ${MIN_ROLLBACK_PLAN_CHARS} characters`),
    },
    {
      name: "a component with no previous version",
      input: { plan, changes: [{ kind: "policy" as const, rollbackTarget: null }] },
      passed: false,
      reason: /Policy has no previous version/,
    },
    {
      name: "a target that no longer parses under today's schema",
      input: { plan, changes: [{ kind: "policy" as const, rollbackTarget: { label: "sec-v9", content: { ...validPolicy, refusalMessage: undefined } } }] },
      passed: false,
      reason: /sec-v9 is not valid under today's schema \(refusalMessage/,
    },
  ])("$name → passed=$passed", ({ input, passed, reason }) => {
    const verdict = judgeRollbackPlan(input);
    expect(verdict.passed).toBe(passed);
    expect(verdict.reason).toMatch(reason);
  });
});
