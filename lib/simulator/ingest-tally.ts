/**
 * What the ingestion API said about the simulator's events. The SDK's batcher counts events
 * delivered, not what the server made of them, so the simulator hands the SDK a fetch that
 * reads each `POST /api/v1/events` answer (`{ accepted, duplicates, rejected: [...] }`) on the
 * side and passes the response on untouched.
 */

export interface IngestTally {
  /** Events the server stored. */
  accepted: number;
  /** Events it already had (a retried batch) or that repeated inside a batch. */
  duplicates: number;
  /** Events it refused, each with a reason. */
  rejected: number;
  /** Event batches answered with an error status (each is retried or refused by the SDK). */
  failedBatches: number;
  /** The first few distinct rejection reasons, to print. */
  reasons: string[];
}

const MAX_REASONS = 5;

export function emptyTally(): IngestTally {
  return { accepted: 0, duplicates: 0, rejected: 0, failedBatches: 0, reasons: [] };
}

function isEventsRequest(input: RequestInfo | URL, init: RequestInit | undefined): boolean {
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  if (method !== "POST") return false;
  const href = input instanceof Request ? input.url : String(input);
  return new URL(href, "http://localhost").pathname.endsWith("/api/v1/events");
}

function addReason(tally: IngestTally, reason: unknown) {
  if (typeof reason !== "string" || tally.reasons.length >= MAX_REASONS || tally.reasons.includes(reason)) return;
  tally.reasons.push(reason);
}

/** Adds one answer of the ingestion API to the tally. */
export function countIngestAnswer(tally: IngestTally, status: number, body: unknown): void {
  if (status < 200 || status >= 300) tally.failedBatches += 1;
  if (typeof body !== "object" || body === null) return;
  const answer = body as { accepted?: unknown; duplicates?: unknown; rejected?: unknown; error?: { message?: unknown } };
  if (typeof answer.accepted === "number") tally.accepted += answer.accepted;
  if (typeof answer.duplicates === "number") tally.duplicates += answer.duplicates;
  if (Array.isArray(answer.rejected)) {
    tally.rejected += answer.rejected.length;
    for (const r of answer.rejected) addReason(tally, (r as { reason?: unknown } | null)?.reason);
  } else if (status >= 400 && status < 500 && status !== 429) {
    addReason(tally, answer.error?.message);
  }
}

/** A fetch that tallies the ingestion API's answers into `tally` and otherwise is `inner`. */
export function tallyingFetch(inner: typeof fetch, tally: IngestTally): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    if (!isEventsRequest(input, init)) return response;
    try {
      const body: unknown = await response.clone().json().catch(() => null);
      countIngestAnswer(tally, response.status, body);
    } catch {
      // An unreadable answer is the SDK's to report; the tally just misses it.
    }
    return response;
  };
}
