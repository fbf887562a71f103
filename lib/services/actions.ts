"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/define-action";
import { canaryRulesSchema } from "./canary-rules";
import { updateCanaryRules } from "./settings-commands";

/** Settings → service → Canary rules: admins (services.manage), zod, one transaction, CAS, audit. */
export const updateCanaryRulesAction = defineAction({ permission: "services.manage", input: canaryRulesSchema }, async (input, ctx) => {
  const saved = await updateCanaryRules(ctx, input);
  revalidatePath("/settings", "layout");
  return { revision: saved.revision };
});
