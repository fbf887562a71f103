"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/define-action";
import { kickWebhookDelivery } from "@/lib/notifications/webhooks";
import { promoteRollout, rehearseRollbackFor, rollbackBundle, rollbackComponent, startRollout, tagRollbackCause } from "./commands";
import {
  promoteRolloutSchema,
  rehearseRollbackSchema,
  rollbackBundleSchema,
  rollbackComponentSchema,
  startRolloutSchema,
  tagRollbackCauseSchema,
} from "./input";
import { clampClickedAt } from "./manifest";

/**
 * Server actions for releases. Each goes through defineAction (session, role, zod, one
 * transaction); the commands check the rules — and the role — again.
 */

/** Releases, change requests and the Overview show the new pointer on the next render. */
function refresh() {
  revalidatePath("/");
  revalidatePath("/releases");
  revalidatePath("/services", "layout");
  revalidatePath("/change-requests", "layout");
}

/** Starts the rollout of an approved change request; `emergencyReason` asks for the deploy-window override (operators only). */
export const startRolloutAction = defineAction({ permission: "release.operate", input: startRolloutSchema }, async (input, ctx) => {
  const { emergencyReason, ...rest } = input;
  const started = await startRollout(ctx, { ...rest, emergency: emergencyReason ? { reason: emergencyReason } : undefined });
  refresh();
  return started;
});

export const promoteRolloutAction = defineAction({ permission: "release.operate", input: promoteRolloutSchema }, async (input, ctx) => {
  const promoted = await promoteRollout(ctx, input);
  refresh();
  return promoted;
});

// The click time comes from the browser: clamped to the last ten minutes, so a forged value can
// neither flatter nor spoil the rollback-time KPI.
export const rollbackComponentAction = defineAction({ permission: "release.rollback", input: rollbackComponentSchema }, async (input, ctx) => {
  const outcome = await rollbackComponent(ctx, { ...input, clickedAt: clampClickedAt(input.clickedAt, ctx.now) });
  ctx.afterCommit(kickWebhookDelivery);
  refresh();
  return outcome;
});

export const rollbackBundleAction = defineAction({ permission: "release.rollback", input: rollbackBundleSchema }, async (input, ctx) => {
  const outcome = await rollbackBundle(ctx, { ...input, clickedAt: clampClickedAt(input.clickedAt, ctx.now) });
  ctx.afterCommit(kickWebhookDelivery);
  refresh();
  return outcome;
});

export const tagRollbackCauseAction = defineAction({ permission: "rollback.tag", input: tagRollbackCauseSchema }, async (input, ctx) => {
  const tagged = await tagRollbackCause(ctx, input);
  refresh();
  return tagged;
});

/** Read-only, but only for signed-in users: checks the rollback target without flipping anything. */
export const rehearseRollbackAction = defineAction({ permission: "dashboard.view", input: rehearseRollbackSchema }, async (input, ctx) =>
  rehearseRollbackFor(ctx.tx, input),
);
