export const MIN_ROLLBACK_PLAN_CHARS = 20;

/** What the rollback rehearsal of a change request found (lib/releases/rehearsal.ts). */
export interface RehearsalOutcome {
  ok: boolean;
  /** Plain-words problems; empty when ok. */
  problems: string[];
  /** The versions a rollback restores, e.g. "Policy → sec-v12". */
  targets: string[];
}

export interface RollbackPlanVerdict {
  status: "pending" | "passed" | "failed";
  reason: string;
}

/** Whether the plan is long enough to count as written. */
export const isRollbackPlanWritten = (plan: string) => plan.trim().length >= MIN_ROLLBACK_PLAN_CHARS;
const WRITE_PLAN = `write the rollback plan (at least ${MIN_ROLLBACK_PLAN_CHARS} characters) in a new revision`;
const stripStop = (s: string) => s.replace(/\.$/, "");

/**
 * The rollback_plan gate (issue 3 item 4): it passes only when the plan is written AND a rollback
 * rehearsal of this revision's rollback targets passed. Before any rehearsal it waits (saying what
 * is still missing); after one it passes or fails with the rehearsal's problems, in plain words.
 */
export function judgeRollbackPlan(input: { plan: string; rehearsal: RehearsalOutcome | null }): RollbackPlanVerdict {
  const written = isRollbackPlanWritten(input.plan);
  const { rehearsal } = input;
  if (!rehearsal) {
    return {
      status: "pending",
      reason: written
        ? "Plan written; waiting for a rollback rehearsal of the rollback targets."
        : `Not yet: ${WRITE_PLAN}, and run the rollback rehearsal.`,
    };
  }
  if (rehearsal.ok && written) {
    const targets = rehearsal.targets.length ? ` (${rehearsal.targets.join(", ")})` : "";
    return { status: "passed", reason: `Plan written; rollback rehearsal passed${targets}.` };
  }
  const problems: string[] = [];
  if (!written) problems.push(WRITE_PLAN);
  if (!rehearsal.ok) {
    problems.push(`the rollback rehearsal failed: ${rehearsal.problems.map(stripStop).join("; ") || "no reason given"}`);
  } else {
    problems.push("the rollback rehearsal itself passed");
  }
  return { status: "failed", reason: `Not passed: ${problems.join("; ")}.` };
}
