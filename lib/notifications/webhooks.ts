import "server-only";
import { and, arrayContains, asc, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import { getDb, type Tx } from "@/db/client";
import { webhookDeliveries, webhooks } from "@/db/schema";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  retryDelayMs,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  unixSeconds,
} from "./signing";

/**
 * Outgoing webhooks. A change enqueues its deliveries inside its own transaction (a rolled-back
 * change sends nothing); a worker sends them afterwards, signed, with retries and backoff. A
 * failing receiver is recorded on the delivery and never reaches the workflow that caused it.
 */

export const WEBHOOK_EVENTS = ["approval_requested", "approved", "rejected", "canary_breach", "freeze", "rollback"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Sent only by "Send test"; no webhook subscribes to it. */
export const TEST_EVENT = "test";

/** What each event means, for the settings page. */
export const WEBHOOK_EVENT_INFO: Record<WebhookEvent, { label: string; description: string }> = {
  approval_requested: { label: "Approval requested", description: "A change request was submitted for review." },
  approved: { label: "Approved", description: "A change request got all the approvals it needs." },
  rejected: { label: "Rejected", description: "A reviewer rejected a change request." },
  canary_breach: { label: "Canary breach", description: "A canary metric failed its promotion rule." },
  freeze: { label: "Freeze", description: "A rollout was frozen (automatically or by hand)." },
  rollback: { label: "Rollback", description: "A component or a whole bundle was rolled back." },
};

/** lastError of a delivery cancelled because its webhook was deactivated before it was sent. */
export const CANCELLED_BY_DEACTIVATION = "Cancelled: the webhook was deactivated before this was sent.";

/** Give up on one attempt after this long; the delivery is retried later. */
export const DELIVERY_TIMEOUT_MS = 5_000;
/**
 * A claimed delivery is hidden from other workers for this long. If this process dies while
 * sending, another instance retries it after the lease (so delivery is at least once).
 */
const CLAIM_LEASE_MS = 60_000;
const DEFAULT_BATCH = 20;
const MAX_ERROR_LENGTH = 500;

/** The stored part of a delivery's body; the delivery id is added when it is sent. */
interface DeliveryEnvelope {
  event: string;
  serviceId: string | null;
  occurredAt: string;
  data: Record<string, unknown>;
}

/**
 * Queues one delivery per active webhook subscribed to `event` for this service (or for all
 * services). Call it with the transaction that makes the change; then call
 * kickWebhookDelivery() once that transaction has committed. Returns the delivery ids.
 */
export async function enqueueWebhookEvent(
  tx: Tx,
  params: { event: WebhookEvent; serviceId: string | null; payload: Record<string, unknown>; now: Date },
): Promise<string[]> {
  const targets = await tx
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(
      and(
        eq(webhooks.active, true),
        arrayContains(webhooks.events, [params.event]),
        params.serviceId ? or(isNull(webhooks.serviceId), eq(webhooks.serviceId, params.serviceId)) : isNull(webhooks.serviceId),
      ),
    );
  if (targets.length === 0) return [];
  const envelope: DeliveryEnvelope = {
    event: params.event,
    serviceId: params.serviceId,
    occurredAt: params.now.toISOString(),
    data: params.payload,
  };
  const rows = await tx
    .insert(webhookDeliveries)
    .values(
      targets.map((t) => ({
        webhookId: t.id,
        event: params.event,
        payload: { ...envelope },
        nextAttemptAt: params.now,
        createdAt: params.now,
      })),
    )
    .returning({ id: webhookDeliveries.id });
  return rows.map((r) => r.id);
}

/** Queues a "test" delivery to one webhook, whatever events it subscribes to. */
export async function enqueueTestDelivery(
  tx: Tx,
  params: { webhookId: string; serviceId: string | null; requestedBy: string; now: Date },
): Promise<string> {
  const envelope: DeliveryEnvelope = {
    event: TEST_EVENT,
    serviceId: params.serviceId,
    occurredAt: params.now.toISOString(),
    data: { message: "This is a test delivery from Changegate.", requestedBy: params.requestedBy },
  };
  const [row] = await tx
    .insert(webhookDeliveries)
    .values({ webhookId: params.webhookId, event: TEST_EVENT, payload: { ...envelope }, nextAttemptAt: params.now, createdAt: params.now })
    .returning({ id: webhookDeliveries.id });
  return row!.id;
}

/** The exact JSON a receiver gets. Built the same way on every retry. */
export function deliveryBody(delivery: { id: string; event: string; payload: Record<string, unknown> }): string {
  const p = delivery.payload as Partial<DeliveryEnvelope>;
  return JSON.stringify({
    id: delivery.id,
    event: delivery.event,
    occurredAt: p.occurredAt ?? null,
    serviceId: p.serviceId ?? null,
    data: p.data ?? {},
  });
}

export interface DeliveryRunSummary {
  claimed: number;
  delivered: number;
  retrying: number;
  failed: number;
}

interface AttemptOutcome {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return `Timed out after ${timeoutMs / 1000} s without a response.`;
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    if (cause?.code) return `Could not connect: ${cause.code}${cause.message ? ` (${cause.message})` : ""}.`;
    return `Request failed: ${err.message}`;
  }
  return `Request failed: ${String(err)}`;
}

async function attemptDelivery(
  fetchImpl: typeof fetch,
  target: { url: string; secret: string },
  delivery: { id: string; event: string; payload: Record<string, unknown> },
  now: Date,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const body = deliveryBody(delivery);
  const timestamp = unixSeconds(now);
  try {
    const response = await fetchImpl(target.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Changegate-Webhooks/1",
        [EVENT_HEADER]: delivery.event,
        [DELIVERY_HEADER]: delivery.id,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(target.secret, timestamp, body),
      },
      body,
      // A redirect is not a delivery: the receiver must answer at the configured URL.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, statusCode: response.status, error: null };
    }
    // Keep a little of the receiver's answer: it usually says what is wrong.
    const text = await response.text().catch(() => "");
    const snippet = text.replace(/\s+/g, " ").trim().slice(0, 200);
    return {
      ok: false,
      statusCode: response.status,
      error: `Receiver answered HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`,
    };
  } catch (err) {
    return { ok: false, statusCode: null, error: describeFailure(err, timeoutMs) };
  }
}

/**
 * Sends the deliveries that are due, at most `limit` of them, concurrently. Safe to run in
 * several app instances at once: each delivery is claimed with FOR UPDATE SKIP LOCKED and a
 * lease before it is sent, outside any transaction. Never throws: problems are recorded on the
 * deliveries and logged, and the summary says what happened.
 */
export async function deliverDueWebhooks(
  options: { now?: Date; fetchImpl?: typeof fetch; limit?: number; timeoutMs?: number; deliveryIds?: string[] } = {},
): Promise<DeliveryRunSummary> {
  const summary: DeliveryRunSummary = { claimed: 0, delivered: 0, retrying: 0, failed: 0 };
  try {
    const now = options.now ?? new Date();
    const fetchImpl = options.fetchImpl ?? fetch;
    const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
    const db = await getDb();

    const due = db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.status, "pending"),
          lte(webhookDeliveries.nextAttemptAt, now),
          inArray(webhookDeliveries.webhookId, db.select({ id: webhooks.id }).from(webhooks).where(eq(webhooks.active, true))),
          options.deliveryIds ? inArray(webhookDeliveries.id, options.deliveryIds) : undefined,
        ),
      )
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(options.limit ?? DEFAULT_BATCH)
      .for("update", { skipLocked: true });
    // One statement: lock the due rows other workers have not locked, count the attempt and
    // push next_attempt_at past the lease so nobody else picks them up while we send.
    const claimed = await db
      .update(webhookDeliveries)
      .set({ attempts: sql`${webhookDeliveries.attempts} + 1`, nextAttemptAt: new Date(now.getTime() + CLAIM_LEASE_MS) })
      .where(inArray(webhookDeliveries.id, due))
      .returning({
        id: webhookDeliveries.id,
        webhookId: webhookDeliveries.webhookId,
        event: webhookDeliveries.event,
        payload: webhookDeliveries.payload,
        attempts: webhookDeliveries.attempts,
      });
    summary.claimed = claimed.length;
    if (claimed.length === 0) return summary;

    const targets = await db
      .select({ id: webhooks.id, url: webhooks.url, secret: webhooks.secret })
      .from(webhooks)
      .where(inArray(webhooks.id, [...new Set(claimed.map((d) => d.webhookId))]));
    const targetById = new Map(targets.map((t) => [t.id, t]));

    await Promise.all(
      claimed.map(async (delivery) => {
        try {
          const target = targetById.get(delivery.webhookId);
          const outcome: AttemptOutcome = target
            ? await attemptDelivery(fetchImpl, target, delivery, now, timeoutMs)
            : { ok: false, statusCode: null, error: "The webhook no longer exists." };
          const delay = outcome.ok ? null : retryDelayMs(delivery.attempts);
          const status = outcome.ok ? "delivered" : delay === null ? "failed" : "pending";
          // Compare-and-swap on the attempt we claimed: if the lease ran out and another worker
          // took the delivery meanwhile, its result wins and ours is dropped.
          await db
            .update(webhookDeliveries)
            .set({
              status,
              lastStatusCode: outcome.statusCode,
              lastError: outcome.error?.slice(0, MAX_ERROR_LENGTH) ?? null,
              deliveredAt: outcome.ok ? now : null,
              nextAttemptAt: delay === null ? now : new Date(now.getTime() + delay),
            })
            .where(
              and(
                eq(webhookDeliveries.id, delivery.id),
                eq(webhookDeliveries.attempts, delivery.attempts),
                eq(webhookDeliveries.status, "pending"),
              ),
            );
          summary[status === "pending" ? "retrying" : status] += 1;
        } catch (err) {
          console.error(`[webhooks] could not record delivery ${delivery.id}`, err);
        }
      }),
    );
  } catch (err) {
    console.error("[webhooks] delivery run failed", err);
  }
  return summary;
}

/** Fire and forget, after a commit: sends what is due now instead of waiting for the worker. */
export function kickWebhookDelivery(): void {
  deliverDueWebhooks().catch((err) => console.error("[webhooks] delivery kick failed", err));
}

const globalForWorker = globalThis as unknown as { __changegateWebhookWorker?: ReturnType<typeof setInterval> };

/**
 * Starts the once-per-process retry worker: every `intervalMs` it sends what is due. A second
 * call (module reloads in dev, a second boot) does nothing. Returns a stop function.
 */
export function startWebhookWorker(options: { intervalMs?: number } = {}): () => void {
  if (!globalForWorker.__changegateWebhookWorker) {
    let running = false;
    const timer = setInterval(() => {
      // A slow receiver must not stack up overlapping runs.
      if (running) return;
      running = true;
      deliverDueWebhooks()
        .catch((err) => console.error("[webhooks] worker run failed", err))
        .finally(() => {
          running = false;
        });
    }, options.intervalMs ?? 5_000);
    // The worker alone must not keep the process alive (tests, CLI scripts).
    timer.unref();
    globalForWorker.__changegateWebhookWorker = timer;
  }
  return () => {
    if (globalForWorker.__changegateWebhookWorker) clearInterval(globalForWorker.__changegateWebhookWorker);
    globalForWorker.__changegateWebhookWorker = undefined;
  };
}
