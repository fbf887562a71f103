import { componentContentSchemas } from "@/lib/components/schemas";
import { kindInfo, type ComponentKind } from "@/lib/components/kinds";

export const MIN_ROLLBACK_PLAN_CHARS = 20;

export interface RollbackPlanInput {
  plan: string;
  /** Each component the change moves, with the version it would roll back to (the live one now). */
  changes: { kind: ComponentKind; rollbackTarget: { label: string; content: unknown } | null }[];
}

/**
 * The rollback_plan gate until rollback rehearsal exists: the plan is written, and every
 * component has a rollback target that is still valid under today's schema for its kind.
 */
export function judgeRollbackPlan(input: RollbackPlanInput): { passed: boolean; reason: string } {
  const problems: string[] = [];
  if (input.plan.trim().length < MIN_ROLLBACK_PLAN_CHARS) {
    problems.push(`write the rollback plan (at least ${MIN_ROLLBACK_PLAN_CHARS} characters)`);
  }
  for (const change of input.changes) {
    const label = kindInfo(change.kind).label;
    if (!change.rollbackTarget) {
      problems.push(`${label} has no previous version to roll back to`);
      continue;
    }
    const parsed = componentContentSchemas[change.kind].safeParse(change.rollbackTarget.content);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      problems.push(
        `${label} rollback target ${change.rollbackTarget.label} is not valid under today's schema (${first?.path.join(".") || "content"}: ${first?.message})`,
      );
    }
  }
  if (problems.length) return { passed: false, reason: `Not yet: ${problems.join("; ")}.` };
  const targets = input.changes.map((c) => `${kindInfo(c.kind).label} → ${c.rollbackTarget!.label}`).join(", ");
  return { passed: true, reason: `Plan written; rollback targets valid (${targets}).` };
}
