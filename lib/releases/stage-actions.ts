"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/define-action";
import { advanceStage, pauseRollout, resumeRollout } from "./stage-commands";
import { advanceStageSchema, pauseRolloutSchema, resumeRolloutSchema } from "./stage-input";

/**
 * An operator's hand on a rollout (SPEC §3): pause, resume, advance. Each goes through
 * defineAction (session, role, zod, one transaction); the commands check role, state, stage and
 * the compare-and-swap again.
 */

function refresh() {
  revalidatePath("/");
  revalidatePath("/releases");
  revalidatePath("/services", "layout");
  revalidatePath("/change-requests", "layout");
}

export const pauseRolloutAction = defineAction({ permission: "release.operate", input: pauseRolloutSchema }, async (input, ctx) => {
  const moved = await pauseRollout(ctx, input);
  refresh();
  return moved;
});

export const resumeRolloutAction = defineAction({ permission: "release.operate", input: resumeRolloutSchema }, async (input, ctx) => {
  const moved = await resumeRollout(ctx, input);
  refresh();
  return moved;
});

export const advanceStageAction = defineAction({ permission: "release.operate", input: advanceStageSchema }, async (input, ctx) => {
  const moved = await advanceStage(ctx, input);
  refresh();
  return moved;
});
