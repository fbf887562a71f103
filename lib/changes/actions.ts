"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { kickWebhookDelivery } from "@/lib/notifications/webhooks";
import { cancelChangeRequest, decideChangeRequest, saveChangeRequest, submitChangeRequest } from "./commands";
import { decisionSchema, lifecycleSchema, saveChangeRequestSchema } from "./input";

/**
 * Server actions for change requests. Each goes through defineAction (session, role, zod, one
 * transaction with its audit entries); the rules themselves live in ./commands and the pure core.
 */

/** Change-request pages (list and detail) and the Overview show the new state on the next render. */
function refresh() {
  revalidatePath("/change-requests", "layout");
  revalidatePath("/");
}

/** Create, edit a draft, or add a revision; `intent: "submit"` sends it for review. */
export const saveChangeRequestAction = defineAction(
  { permission: "changeRequest.create", input: saveChangeRequestSchema },
  async (input, ctx) => {
    const saved = await saveChangeRequest(ctx, input);
    ctx.afterCommit(kickWebhookDelivery);
    refresh();
    return saved;
  },
);

export const submitChangeRequestAction = defineAction(
  { permission: "changeRequest.create", input: lifecycleSchema.pick({ changeRequestId: true, expectedLockVersion: true }) },
  async (input, ctx) => {
    const cr = await submitChangeRequest(ctx, input);
    ctx.afterCommit(kickWebhookDelivery);
    refresh();
    return { state: cr.state };
  },
);

export const decideChangeRequestAction = defineAction(
  { permission: "changeRequest.review", input: decisionSchema },
  async (input, ctx) => {
    const outcome = await decideChangeRequest(ctx, input);
    ctx.afterCommit(kickWebhookDelivery);
    refresh();
    return outcome;
  },
);

// Who may cancel depends on the state (author or admin; an operator for a paused rollout): the
// state machine decides inside the command, on top of this baseline.
export const cancelChangeRequestAction = defineAction(
  { permission: "dashboard.view", input: lifecycleSchema.extend({ reason: z.string().trim().max(2_000).default("") }) },
  async (input, ctx) => {
    const outcome = await cancelChangeRequest(ctx, input);
    refresh();
    return outcome;
  },
);
