import type { ResolvedConfig } from "../runtime/resolve";
import { backoffDelay, retryAfterMs, unrefTimeout } from "./backoff";
import { ChangegateRequestError, networkErrorOf, requestErrorOf } from "./errors";

/**
 * Outcome events (SPEC §3): the service reports one per request, the SDK batches them. Events
 * are queued in memory and sent every `flushIntervalMs` or as soon as `maxBatchSize` are waiting.
 * While Changegate cannot take them (unreachable, 5xx, 429, or not deployed yet: 404) the batch
 * is kept and retried with exponential backoff; the queue is bounded and drops its OLDEST events
 * when full, counting them. Every event carries an `eventId`, so a retried batch the server had
 * in fact stored is not counted twice.
 */

/** One request's outcome. Field names follow the ingestion API (SPEC §3); flags you omit are left to the server. */
export interface OutcomeEventInput {
  /** Idempotency key; generated when absent. */
  eventId?: string;
  /** When the request happened (ISO 8601 or Date); now when absent. */
  occurredAt?: string | Date;
  releaseId: string;
  arm: string;
  /** The experiment arm's name, for experiment traffic. */
  armName?: string;
  tenant: string;
  /** kind → version label the request used. */
  componentVersions: Record<string, string>;
  resolved?: boolean;
  policyViolation?: boolean;
  falseRefusal?: boolean;
  followUp?: boolean;
  fallback?: boolean;
  escalated?: boolean;
  manualCorrection?: boolean;
  costUsd?: number;
  latencyMs?: number;
  tokensIn?: number;
  tokensOut?: number;
}

export type OutcomeEvent = Omit<OutcomeEventInput, "eventId" | "occurredAt"> & { eventId: string; occurredAt: string };

/** The release fields of an outcome event, from what resolve() returned for that request. */
export function outcomeFieldsOf(config: Pick<ResolvedConfig, "releaseId" | "arm" | "components">, tenant: string) {
  const componentVersions: Record<string, string> = {};
  for (const [kind, component] of Object.entries(config.components)) componentVersions[kind] = component.version;
  return { releaseId: config.releaseId, arm: config.arm, tenant, componentVersions };
}

export interface EventBatcherOptions {
  /** Where batches go; `{service}` is replaced by the service slug. Default "/api/v1/events". */
  path?: string;
  flushIntervalMs?: number;
  maxBatchSize?: number;
  /** Events kept while Changegate is unreachable; beyond it the oldest are dropped. */
  maxQueueSize?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
}

export interface EventBatcherStats {
  queued: number;
  /** Events the server acknowledged. */
  sent: number;
  /** Events dropped because the queue was full (oldest first). */
  dropped: number;
  /** Events in batches the server refused as malformed (400, 413, 422): retrying would not help. */
  refused: number;
  /** Failed delivery attempts so far (each is retried). */
  failedAttempts: number;
  lastError: string | null;
}

export interface OutcomeEventBatcher {
  /** Queues one event (never throws for a network problem, never blocks). After close() it is dropped and counted. */
  record(event: OutcomeEventInput): void;
  /** Sends what is queued now; resolves when the queue is empty or a send failed. */
  flush(): Promise<void>;
  stats(): EventBatcherStats;
  /** Stops the timer and tries to send what is left, for at most `timeoutMs`. */
  close(timeoutMs?: number): Promise<EventBatcherStats>;
}

export interface EventBatcherContext {
  baseUrl: string;
  service: string;
  token: string;
  fetch: typeof fetch;
  onError: (error: Error) => void;
  now?: () => number;
  random?: () => number;
}

/** Refused batches are dropped: the same bytes would be refused again and block the queue. */
const REFUSED_STATUSES = new Set([400, 413, 422]);

export function createOutcomeEventBatcher(context: EventBatcherContext, options: EventBatcherOptions = {}): OutcomeEventBatcher {
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 100);
  const maxQueueSize = Math.max(maxBatchSize, options.maxQueueSize ?? 10_000);
  const backoff = { initialMs: options.initialBackoffMs ?? 500, maxMs: options.maxBackoffMs ?? 30_000, random: context.random };
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const url = new URL((options.path ?? "/api/v1/events").replaceAll("{service}", encodeURIComponent(context.service)), context.baseUrl).toString();
  const now = context.now ?? Date.now;

  const queue: OutcomeEvent[] = [];
  let sending: Promise<void> | null = null;
  let failures = 0;
  /** No send before this time (backoff after a failure). */
  let retryAt = 0;
  let closed = false;
  const stats = { sent: 0, dropped: 0, refused: 0, failedAttempts: 0, lastError: null as string | null };

  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = (ms: number) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = unrefTimeout(() => {
      timer = null;
      void tick();
    }, ms);
  };
  const tick = async () => {
    if (queue.length > 0 && now() >= retryAt) await sendAll();
    schedule(Math.max(flushIntervalMs, retryAt - now()));
  };

  /**
   * The batch on the wire. Overflow while it is sent marks its oldest events as evicted instead of
   * counting them dropped at once: they are dropped only if this send fails (if it succeeds they
   * were delivered, not lost).
   */
  let inFlight: OutcomeEvent[] = [];
  let evictedInFlight = 0;
  const held = () => queue.length + inFlight.length - evictedInFlight;
  const trim = () => {
    let excess = held() - maxQueueSize;
    if (excess <= 0) return;
    const fromInFlight = Math.min(excess, inFlight.length - evictedInFlight);
    evictedInFlight += fromInFlight;
    excess -= fromInFlight;
    queue.splice(0, excess);
    stats.dropped += excess;
  };

  /** Sends batches until the queue is empty or a send fails; one sender at a time. */
  const sendAll = (): Promise<void> => {
    sending ??= (async () => {
      try {
        while (queue.length > 0) if (!(await sendBatch())) break;
      } finally {
        sending = null;
      }
    })();
    return sending;
  };

  /** Sends the oldest batch; true when it left the queue (delivered or refused). */
  const sendBatch = async (): Promise<boolean> => {
    const batch = queue.splice(0, maxBatchSize);
    inFlight = batch;
    evictedInFlight = 0;
    let failure: ChangegateRequestError;
    let wait: number | null = null;
    try {
      const response = await context.fetch(url, {
        method: "POST",
        headers: { authorization: `Bearer ${context.token}`, "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ events: batch }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      if (response.ok) {
        await response.body?.cancel().catch(() => undefined);
        inFlight = [];
        stats.sent += batch.length;
        failures = 0;
        retryAt = 0;
        return true;
      }
      failure = await requestErrorOf(response, `Changegate did not take ${batch.length} outcome event(s)`);
      if (REFUSED_STATUSES.has(response.status)) {
        inFlight = [];
        stats.refused += batch.length;
        stats.lastError = failure.message;
        context.onError(failure);
        return true;
      }
      wait = retryAfterMs(response.headers.get("retry-after"), now());
    } catch (err) {
      failure = networkErrorOf(err, `Could not send ${batch.length} outcome event(s)`, url);
    }
    // Back to the head of the queue, oldest first, less what overflow evicted meanwhile.
    stats.dropped += evictedInFlight;
    queue.unshift(...batch.slice(evictedInFlight));
    inFlight = [];
    evictedInFlight = 0;
    failures += 1;
    stats.failedAttempts += 1;
    stats.lastError = failure.message;
    retryAt = now() + Math.max(wait ?? 0, backoffDelay(failures - 1, backoff));
    context.onError(failure);
    return false;
  };

  schedule(flushIntervalMs);

  return {
    record(input) {
      if (closed) {
        stats.dropped += 1;
        return;
      }
      const { occurredAt, eventId, ...rest } = input;
      const at = occurredAt instanceof Date ? occurredAt.toISOString() : (occurredAt ?? new Date(now()).toISOString());
      queue.push({ ...rest, eventId: eventId ?? globalThis.crypto.randomUUID(), occurredAt: at });
      trim();
      if (queue.length >= maxBatchSize && !sending && now() >= retryAt) void sendAll();
    },
    flush() {
      return sendAll();
    },
    stats: () => ({ queued: held(), ...stats }),
    async close(timeoutMs = 2_000) {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const deadline = now() + timeoutMs;
      // Keep trying until the queue is empty or the time is up; a backoff wait is cut short.
      while (held() > 0 && now() < deadline) {
        if (sending) await sending;
        else await sendAll();
        if (held() > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(100, Math.max(0, deadline - now()))));
      }
      return { queued: held(), ...stats };
    },
  };
}
