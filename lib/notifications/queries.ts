import "server-only";
import { asc, count, desc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { services, users, webhookDeliveries, webhooks } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { may, refusal } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { secretFingerprint } from "./signing";
import { CANCELLED_BY_DEACTIVATION } from "./webhooks";

/** A webhook as the settings page shows it: never the secret, only its fingerprint. */
export interface WebhookSummary {
  id: string;
  url: string;
  serviceId: string | null;
  /** Null: all services. */
  serviceSlug: string | null;
  serviceName: string | null;
  events: string[];
  active: boolean;
  secretFingerprint: string;
  createdAt: Date;
  createdByName: string | null;
  /** Deliveries recorded for it (history keeps a webhook from being deleted). */
  deliveryCount: number;
}

export interface WebhookDeliverySummary {
  id: string;
  webhookId: string;
  webhookUrl: string;
  event: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Failed because the webhook was deactivated before it could be sent. */
  cancelled: boolean;
  nextAttemptAt: Date;
  createdAt: Date;
  deliveredAt: Date | null;
}

export interface ServiceOption {
  id: string;
  slug: string;
  name: string;
}

function assertMayManage(actor: Actor) {
  if (!may(actor.role, "webhooks.manage")) throw new AppError("forbidden", refusal(actor.role, "webhooks.manage"));
}

export async function listWebhooks(params: { actor: Actor }): Promise<WebhookSummary[]> {
  assertMayManage(params.actor);
  const db = await getDb();
  const [rows, counts] = await Promise.all([
    db
      .select({
        id: webhooks.id,
        url: webhooks.url,
        serviceId: webhooks.serviceId,
        serviceSlug: services.slug,
        serviceName: services.name,
        events: webhooks.events,
        active: webhooks.active,
        secret: webhooks.secret,
        createdAt: webhooks.createdAt,
        createdByName: users.name,
      })
      .from(webhooks)
      .leftJoin(services, eq(services.id, webhooks.serviceId))
      .leftJoin(users, eq(users.id, webhooks.createdById))
      .orderBy(desc(webhooks.active), asc(webhooks.createdAt)),
    db
      .select({ webhookId: webhookDeliveries.webhookId, n: count() })
      .from(webhookDeliveries)
      .groupBy(webhookDeliveries.webhookId),
  ]);
  const countById = new Map(counts.map((c) => [c.webhookId, c.n]));
  // The secret is read only to fingerprint it; it does not leave this function.
  return rows.map(({ secret, ...row }) => ({
    ...row,
    secretFingerprint: secretFingerprint(secret),
    deliveryCount: countById.get(row.id) ?? 0,
  }));
}

export async function listRecentDeliveries(params: {
  actor: Actor;
  webhookId?: string;
  limit?: number;
}): Promise<WebhookDeliverySummary[]> {
  assertMayManage(params.actor);
  const db = await getDb();
  const rows = await db
    .select({
      id: webhookDeliveries.id,
      webhookId: webhookDeliveries.webhookId,
      webhookUrl: webhooks.url,
      event: webhookDeliveries.event,
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      lastStatusCode: webhookDeliveries.lastStatusCode,
      lastError: webhookDeliveries.lastError,
      nextAttemptAt: webhookDeliveries.nextAttemptAt,
      createdAt: webhookDeliveries.createdAt,
      deliveredAt: webhookDeliveries.deliveredAt,
    })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(params.webhookId ? eq(webhookDeliveries.webhookId, params.webhookId) : undefined)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(Math.min(Math.max(params.limit ?? 50, 1), 200));
  return rows.map((row) => ({ ...row, cancelled: row.status === "failed" && row.lastError === CANCELLED_BY_DEACTIVATION }));
}

/** Services a webhook can be scoped to. */
export async function listServiceOptions(params: { actor: Actor }): Promise<ServiceOption[]> {
  assertMayManage(params.actor);
  const db = await getDb();
  return db.select({ id: services.id, slug: services.slug, name: services.name }).from(services).orderBy(asc(services.slug));
}
