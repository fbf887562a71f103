"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { lockChangeRequest } from "@/lib/changes/commands";
import { rehearseChangeRequestRollbackGate } from "./rehearsal-gate";

/**
 * "Rehearse rollback" on a change request's rollback_plan gate: session, the rollback.rehearse
 * permission, zod and one transaction (defineAction); the command checks the role again, refuses
 * a superseded revision, and writes the evidence, the gate's new status and the audit entry.
 */
const rehearseChangeRequestSchema = z.object({
  changeRequestId: z.string().uuid(),
  /** The revision on screen: a rehearsal of a replaced revision is refused, not recorded on the new one. */
  revision: z.coerce.number().int().positive(),
});

export const rehearseChangeRequestRollbackAction = defineAction(
  { permission: "rollback.rehearse", input: rehearseChangeRequestSchema },
  async (input, ctx) => {
    const cr = await lockChangeRequest(ctx.tx, input.changeRequestId);
    const recorded = await rehearseChangeRequestRollbackGate(ctx.tx, { changeRequest: cr, by: { user: ctx.actor }, revision: input.revision, now: ctx.now });
    revalidatePath(`/change-requests/${cr.number}`);
    return recorded;
  },
);
