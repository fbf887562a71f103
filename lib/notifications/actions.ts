"use server";

import { randomBytes } from "node:crypto";
import { and, count, eq } from "drizzle-orm";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { Tx } from "@/db/client";
import { getDb } from "@/db/client";
import { services, webhookDeliveries, webhooks, type Webhook } from "@/db/schema";
import { defineAction } from "@/lib/actions/define-action";
import { AppError, type Result } from "@/lib/errors";
import { secretFingerprint } from "./signing";
import { CANCELLED_BY_DEACTIVATION, deliverDueWebhooks, enqueueTestDelivery, WEBHOOK_EVENTS, type WebhookEvent } from "./webhooks";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https anywhere; plain http only to this machine (for local receivers and tests). */
const webhookUrl = z
  .string("Enter the receiver's URL.")
  .trim()
  .min(1, "Enter the receiver's URL.")
  .max(2048, "Keep the URL under 2,048 characters.")
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a full URL, e.g. https://hooks.example.com/changegate." });
      return;
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "Leave user name and password out of the URL; verify the signature instead." });
    } else if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
      ctx.addIssue({ code: "custom", message: "Use https. Plain http is allowed only for localhost and 127.0.0.1." });
    } else if (url.protocol !== "https:" && url.protocol !== "http:") {
      ctx.addIssue({ code: "custom", message: "Use an https:// URL." });
    }
  });

/** A form sends one checkbox value as a string and several as an array. */
const eventList = z.preprocess(
  (v) => (v === undefined || v === null || v === "" ? [] : Array.isArray(v) ? v : [v]),
  z
    .array(z.enum(WEBHOOK_EVENTS, "Unknown event."))
    .min(1, "Pick at least one event.")
    .transform((events) => WEBHOOK_EVENTS.filter((e) => events.includes(e))),
);

/** "" (the "All services" option) means every service. */
const serviceScope = z.preprocess(
  (v) => (v === undefined || v === "" || v === "all" ? null : v),
  z.uuid("Pick a service from the list.").nullable(),
);

const webhookId = z.uuid("Unknown webhook.");
const formBoolean = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

const createWebhookInput = z.object({ url: webhookUrl, serviceId: serviceScope, events: eventList });
const setWebhookActiveInput = z.object({ id: webhookId, active: formBoolean });
const webhookRef = z.object({ id: webhookId });

export type CreateWebhookInput = z.input<typeof createWebhookInput>;
export type SetWebhookActiveInput = z.input<typeof setWebhookActiveInput>;
export type WebhookRef = z.input<typeof webhookRef>;

export interface CreatedWebhook {
  id: string;
  url: string;
  serviceId: string | null;
  events: WebhookEvent[];
  /** Shown once to the admin; only a fingerprint is kept anywhere else. */
  secret: string;
  secretFingerprint: string;
}
export interface WebhookStatusChange {
  id: string;
  active: boolean;
  /** Pending deliveries cancelled by a deactivation. */
  cancelledDeliveries: number;
}
export interface DeletedWebhook {
  id: string;
}
export interface TestDelivery {
  deliveryId: string;
  status: "pending" | "delivered" | "failed";
  statusCode: number | null;
  error: string | null;
}

function describeForAudit(hook: Pick<Webhook, "url" | "serviceId" | "events" | "active" | "secret">) {
  return {
    url: hook.url,
    serviceId: hook.serviceId,
    events: hook.events,
    active: hook.active,
    secretFingerprint: secretFingerprint(hook.secret),
  };
}

async function findWebhook(tx: Tx, id: string): Promise<Webhook> {
  const [hook] = await tx.select().from(webhooks).where(eq(webhooks.id, id)).limit(1);
  if (!hook) throw new AppError("not_found", "That webhook no longer exists; reload the page.");
  return hook;
}

const createWebhookAction = defineAction(
  { permission: "webhooks.manage", input: createWebhookInput },
  async (input, { actor, tx, now, audit }): Promise<CreatedWebhook> => {
    if (input.serviceId) {
      const [service] = await tx.select({ id: services.id }).from(services).where(eq(services.id, input.serviceId)).limit(1);
      if (!service) {
        throw new AppError("invalid_input", "That service no longer exists.", { serviceId: ["Pick a service from the list."] });
      }
    }
    const secret = `whsec_${randomBytes(32).toString("base64url")}`;
    const [hook] = await tx
      .insert(webhooks)
      .values({ url: input.url, serviceId: input.serviceId, events: input.events, secret, active: true, createdById: actor.id, createdAt: now })
      .returning();
    await audit({
      action: "webhook.created",
      targetType: "webhook",
      targetId: hook!.id,
      serviceId: hook!.serviceId,
      after: describeForAudit(hook!),
    });
    return {
      id: hook!.id,
      url: hook!.url,
      serviceId: hook!.serviceId,
      events: input.events,
      secret,
      secretFingerprint: secretFingerprint(secret),
    };
  },
);

const setWebhookActiveAction = defineAction(
  { permission: "webhooks.manage", input: setWebhookActiveInput },
  async (input, { tx, audit }): Promise<WebhookStatusChange> => {
    const hook = await findWebhook(tx, input.id);
    // Compare-and-swap on the state the admin saw.
    const updated = await tx
      .update(webhooks)
      .set({ active: input.active })
      .where(and(eq(webhooks.id, input.id), eq(webhooks.active, !input.active)))
      .returning({ id: webhooks.id });
    if (updated.length === 0) {
      throw new AppError("conflict", `This webhook is already ${input.active ? "active" : "inactive"}; reload to see its current state.`);
    }
    let cancelled = 0;
    if (!input.active) {
      // A deactivated receiver gets nothing more, not even retries of what was queued.
      const rows = await tx
        .update(webhookDeliveries)
        .set({ status: "failed", lastError: CANCELLED_BY_DEACTIVATION })
        .where(and(eq(webhookDeliveries.webhookId, input.id), eq(webhookDeliveries.status, "pending")))
        .returning({ id: webhookDeliveries.id });
      cancelled = rows.length;
    }
    await audit({
      action: input.active ? "webhook.activated" : "webhook.deactivated",
      targetType: "webhook",
      targetId: hook.id,
      serviceId: hook.serviceId,
      before: { active: hook.active },
      after: input.active ? { active: true } : { active: false, cancelledDeliveries: cancelled },
    });
    return { id: hook.id, active: input.active, cancelledDeliveries: cancelled };
  },
);

const deleteWebhookAction = defineAction(
  { permission: "webhooks.manage", input: webhookRef },
  async (input, { tx, audit }): Promise<DeletedWebhook> => {
    const hook = await findWebhook(tx, input.id);
    // Deliveries are history: a webhook that has sent anything is deactivated, not deleted.
    const [row] = await tx.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, hook.id));
    const deliveries = row?.n ?? 0;
    if (deliveries > 0) {
      throw new AppError(
        "rule_refused",
        `This webhook has ${deliveries} recorded ${deliveries === 1 ? "delivery" : "deliveries"}, kept as history; deactivate it instead.`,
      );
    }
    await tx.delete(webhooks).where(eq(webhooks.id, hook.id));
    await audit({
      action: "webhook.deleted",
      targetType: "webhook",
      targetId: hook.id,
      serviceId: hook.serviceId,
      before: describeForAudit(hook),
    });
    return { id: hook.id };
  },
);

const sendTestWebhookAction = defineAction(
  { permission: "webhooks.manage", input: webhookRef },
  async (input, { actor, tx, now, audit }): Promise<string> => {
    const hook = await findWebhook(tx, input.id);
    if (!hook.active) throw new AppError("rule_refused", "This webhook is inactive; activate it before sending a test.");
    const deliveryId = await enqueueTestDelivery(tx, { webhookId: hook.id, serviceId: hook.serviceId, requestedBy: actor.email, now });
    await audit({
      action: "webhook.test_sent",
      targetType: "webhook",
      targetId: hook.id,
      serviceId: hook.serviceId,
      after: { deliveryId },
    });
    return deliveryId;
  },
);

function revalidateWebhookPages() {
  revalidatePath("/settings/webhooks");
  revalidatePath("/settings");
}

/** Creates a webhook and its signing secret, returned once (admins only; audited by fingerprint). */
export async function createWebhook(
  previous: Result<CreatedWebhook> | null,
  raw: FormData | CreateWebhookInput,
): Promise<Result<CreatedWebhook>> {
  const result = await createWebhookAction(previous, raw);
  if (result.ok) revalidateWebhookPages();
  return result;
}

/** Activates or deactivates a webhook; deactivating cancels its pending deliveries (audited). */
export async function setWebhookActive(
  previous: Result<WebhookStatusChange> | null,
  raw: FormData | SetWebhookActiveInput,
): Promise<Result<WebhookStatusChange>> {
  const result = await setWebhookActiveAction(previous, raw);
  if (result.ok) revalidateWebhookPages();
  return result;
}

/** Deletes a webhook that never sent anything; one with deliveries must be deactivated instead. */
export async function deleteWebhook(
  previous: Result<DeletedWebhook> | null,
  raw: FormData | WebhookRef,
): Promise<Result<DeletedWebhook>> {
  const result = await deleteWebhookAction(previous, raw);
  if (result.ok) revalidateWebhookPages();
  return result;
}

/**
 * Queues a "test" delivery to one webhook and sends it right away (bounded by the 5 s delivery
 * timeout), so the admin sees the receiver's answer. A failure is retried like any delivery.
 */
export async function sendTestWebhook(
  _previous: Result<TestDelivery> | null,
  raw: FormData | WebhookRef,
): Promise<Result<TestDelivery>> {
  const queued = await sendTestWebhookAction(null, raw);
  if (!queued.ok) return queued;
  const deliveryId = queued.data;
  await deliverDueWebhooks({ deliveryIds: [deliveryId] });
  const db = await getDb();
  const [delivery] = await db
    .select({ status: webhookDeliveries.status, statusCode: webhookDeliveries.lastStatusCode, error: webhookDeliveries.lastError })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, deliveryId))
    .limit(1);
  revalidateWebhookPages();
  return {
    ok: true,
    data: { deliveryId, status: delivery?.status ?? "pending", statusCode: delivery?.statusCode ?? null, error: delivery?.error ?? null },
  };
}
