import { AppError } from "@/lib/errors";
import { OUTCOME_BATCH_LIMITS, OUTCOME_EVENT_LIMITS, parseOutcomeEvent, type OutcomeEventRecord } from "./event-schema";

/**
 * A batch of outcome events, decided without the database: the request envelope, each event's
 * shape, its time against the retention window, its release against the service's releases,
 * repeats inside the batch, and the HTTP answer. The shell (./ingest.ts) looks up the releases
 * and writes what this keeps.
 */

const DAY_MS = 86_400_000;

/** One event the batch did not keep, by its position in `events` (0-based). */
export interface RejectedEvent {
  index: number;
  eventId?: string;
  reason: string;
}

/** What POST /api/v1/events answers. */
export interface OutcomeBatchAnswer {
  /** Events stored now. */
  accepted: number;
  /** Valid events already stored (a retry), or repeated inside this batch: not counted again. */
  duplicates: number;
  rejected: RejectedEvent[];
}

/** The service a release id belongs to, for the releases a batch names. */
export interface KnownRelease {
  serviceId: string;
  serviceSlug: string;
}

export interface ValidatedBatch {
  /** Valid, first occurrence of each eventId, in batch order. */
  valid: OutcomeEventRecord[];
  rejected: RejectedEvent[];
  /** Valid events whose eventId came earlier in the same batch. */
  repeatedInBatch: number;
  /** How many rejections name another service's release (a wrong token, most likely). */
  foreignReleaseRejections: number;
}

/** What every 413 of POST /api/v1/events ends with: both limits, and what to do. */
export const OUTCOME_BATCH_LIMITS_SENTENCE = `A batch may hold at most ${OUTCOME_BATCH_LIMITS.maxEvents.toLocaleString("en-US")} events and ${OUTCOME_BATCH_LIMITS.maxBytes / (1024 * 1024)} MB; split it into smaller batches.`;

/**
 * The `events` array of a request body, or a request-level refusal: 422 when the body is not
 * `{ "events": [...] }` or the array is empty, 413 when it holds more than the limit.
 */
export function eventsOfBody(body: unknown): unknown[] {
  const events = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as { events?: unknown }).events : undefined;
  if (!Array.isArray(events)) {
    throw new AppError("invalid_input", 'The request body must be a JSON object {"events": [...]} holding the outcome events.');
  }
  if (events.length === 0) throw new AppError("invalid_input", "The batch is empty: send at least one event.");
  if (events.length > OUTCOME_BATCH_LIMITS.maxEvents) {
    throw new AppError(
      "payload_too_large",
      `The batch holds ${events.length.toLocaleString("en-US")} events. ${OUTCOME_BATCH_LIMITS_SENTENCE}`,
    );
  }
  return events;
}

/** The release ids the batch names (to look up before validating), without validating anything else. */
export function releaseIdsOf(events: readonly unknown[]): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    const id = typeof e === "object" && e !== null ? (e as { releaseId?: unknown }).releaseId : undefined;
    if (typeof id === "string" && id.length > 0 && id.length <= OUTCOME_EVENT_LIMITS.maxLabelLength) ids.add(id);
  }
  return [...ids];
}

function eventIdOf(raw: unknown): string | undefined {
  const id = typeof raw === "object" && raw !== null ? (raw as { eventId?: unknown }).eventId : undefined;
  return typeof id === "string" && id.length <= OUTCOME_EVENT_LIMITS.maxEventIdLength ? id : undefined;
}

const formatDays = (days: number) => `${days} day${days === 1 ? "" : "s"}`;

/** Validates every event of a batch for `service` at `now`; keeps the good ones, gives each bad one a reason. */
export function validateOutcomeBatch(input: {
  events: readonly unknown[];
  service: { id: string; slug: string; retentionDays: number };
  releases: ReadonlyMap<string, KnownRelease>;
  now: Date;
}): ValidatedBatch {
  const { events, service, releases, now } = input;
  const oldest = now.getTime() - service.retentionDays * DAY_MS;
  const newest = now.getTime() + OUTCOME_EVENT_LIMITS.maxFutureSkewMs;
  const valid: OutcomeEventRecord[] = [];
  const rejected: RejectedEvent[] = [];
  const seen = new Set<string>();
  let repeatedInBatch = 0;
  let foreignReleaseRejections = 0;

  events.forEach((raw, index) => {
    const reject = (reason: string) => {
      const eventId = eventIdOf(raw);
      rejected.push(eventId === undefined ? { index, reason } : { index, eventId, reason });
    };
    const parsed = parseOutcomeEvent(raw);
    if (!parsed.ok) return reject(parsed.reason);
    const event = parsed.event;
    const at = event.occurredAt.getTime();
    if (Number.isNaN(at)) return reject("occurredAt is not a valid time.");
    if (at > newest) {
      return reject(`occurredAt ${event.occurredAt.toISOString()} is in the future (more than ${OUTCOME_EVENT_LIMITS.maxFutureSkewMs / 60_000} minutes ahead of the server's clock); check the service's clock.`);
    }
    if (at < oldest) {
      return reject(`occurredAt ${event.occurredAt.toISOString()} is older than ${service.slug}'s event retention of ${formatDays(service.retentionDays)}.`);
    }
    const release = releases.get(event.releaseId);
    if (!release) return reject(`releaseId "${event.releaseId}" is not a release of ${service.slug}.`);
    if (release.serviceId !== service.id) {
      foreignReleaseRejections++;
      return reject(
        `releaseId "${event.releaseId}" is a release of ${release.serviceSlug}, not ${service.slug}: send ${release.serviceSlug}'s events with its own token.`,
      );
    }
    if (seen.has(event.eventId)) {
      repeatedInBatch++;
      return;
    }
    seen.add(event.eventId);
    valid.push(event);
  });
  return { valid, rejected, repeatedInBatch, foreignReleaseRejections };
}

/**
 * The HTTP status and body for a processed batch: 200 when anything was stored or already
 * there; when every event was rejected, 403 if they all name another service's releases (the
 * caller holds the wrong service's token) and 422 otherwise, with the same counts and reasons
 * beside the usual `error`. A refused batch wrote nothing.
 */
export function batchAnswer(answer: OutcomeBatchAnswer, foreignReleaseRejections: number): { status: number; body: OutcomeBatchAnswer & { error?: { code: string; message: string } } } {
  if (answer.accepted + answer.duplicates > 0 || answer.rejected.length === 0) return { status: 200, body: answer };
  const n = answer.rejected.length;
  if (foreignReleaseRejections === n) {
    return {
      status: 403,
      body: {
        error: { code: "forbidden", message: `None of the ${n} event${n === 1 ? "" : "s"} is for this token's service. ${answer.rejected[0]!.reason}` },
        ...answer,
      },
    };
  }
  return {
    status: 422,
    body: {
      error: { code: "invalid_input", message: `None of the ${n} event${n === 1 ? " was" : "s were"} accepted; the first (index ${answer.rejected[0]!.index}): ${answer.rejected[0]!.reason}` },
      ...answer,
    },
  };
}
