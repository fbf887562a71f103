import { describe, expect, it } from "vitest";
import { judgeRollbackPlan, MIN_ROLLBACK_PLAN_CHARS, type RehearsalOutcome } from "./rollback-plan";

const plan = "Roll back the policy to sec-v12 with one click if false refusals rise.";
const short = "revert";
const passed: RehearsalOutcome = { ok: true, problems: [], targets: ["Policy → sec-v12"] };
const failed: RehearsalOutcome = {
  ok: false,
  problems: ["In rel_20260301_1000_ab12, policy sec-v12 is not valid under today's schema: missing required field refusalMessage."],
  targets: [],
};

describe("judgeRollbackPlan", () => {
  it.each<[string, { plan: string; rehearsal: RehearsalOutcome | null }, "pending" | "passed" | "failed", string]>([
    ["a written plan, not rehearsed yet", { plan, rehearsal: null }, "pending", "Plan written; waiting for a rollback rehearsal of the rollback targets."],
    [
      "no plan, not rehearsed yet",
      { plan: "", rehearsal: null },
      "pending",
      `Not yet: write the rollback plan (at least ${MIN_ROLLBACK_PLAN_CHARS} characters) in a new revision, and run the rollback rehearsal.`,
    ],
    ["a written plan and a passing rehearsal", { plan, rehearsal: passed }, "passed", "Plan written; rollback rehearsal passed (Policy → sec-v12)."],
    [
      "a passing rehearsal of two components",
      { plan, rehearsal: { ...passed, targets: ["Prompt → assist-v8.1.0", "Routing → route-v2"] } },
      "passed",
      "Plan written; rollback rehearsal passed (Prompt → assist-v8.1.0, Routing → route-v2).",
    ],
    [
      "a written plan and a failing rehearsal",
      { plan, rehearsal: failed },
      "failed",
      "Not passed: the rollback rehearsal failed: In rel_20260301_1000_ab12, policy sec-v12 is not valid under today's schema: missing required field refusalMessage.",
    ],
    [
      "a failing rehearsal with two problems",
      { plan, rehearsal: { ok: false, problems: ["A is wrong.", "B is gone."], targets: [] } },
      "failed",
      "Not passed: the rollback rehearsal failed: A is wrong; B is gone.",
    ],
    [
      "a passing rehearsal but a plan that is too short",
      { plan: short, rehearsal: passed },
      "failed",
      `Not passed: write the rollback plan (at least ${MIN_ROLLBACK_PLAN_CHARS} characters) in a new revision; the rollback rehearsal itself passed.`,
    ],
    [
      "a plan of only whitespace and a failing rehearsal",
      { plan: " ".repeat(40), rehearsal: { ok: false, problems: ["Policy has no previous version."], targets: [] } },
      "failed",
      `Not passed: write the rollback plan (at least ${MIN_ROLLBACK_PLAN_CHARS} characters) in a new revision; the rollback rehearsal failed: Policy has no previous version.`,
    ],
  ])("%s → %s", (_name, input, status, reason) => {
    expect(judgeRollbackPlan(input)).toEqual({ status, reason });
  });

  it("counts the plan's length without surrounding whitespace, at the boundary", () => {
    const exactly = "x".repeat(MIN_ROLLBACK_PLAN_CHARS);
    expect(judgeRollbackPlan({ plan: `  ${exactly}  `, rehearsal: passed }).status).toBe("passed");
    expect(judgeRollbackPlan({ plan: `  ${exactly.slice(1)}  `, rehearsal: passed }).status).toBe("failed");
  });
});
