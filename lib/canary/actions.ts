"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { addFailingCasesToEvalSet } from "./failing-cases";

/**
 * "Add failing cases to an eval set" from a failed canary stage: session, the evalSet.manage
 * permission, zod, one transaction (defineAction); the command checks the role again, that the
 * set is the service's, that the stage failed, and skips requests already in the set.
 */
const addFailingCasesSchema = z.object({
  changeRequestId: z.string().uuid(),
  evalSetId: z.string().uuid("Choose an eval set"),
});

export const addFailingCasesAction = defineAction({ permission: "evalSet.manage", input: addFailingCasesSchema }, async (input, ctx) => {
  const result = await addFailingCasesToEvalSet(ctx, input);
  revalidatePath(`/eval-sets/${result.evalSetId}`);
  return result;
});
