import { getDb } from "@/db/client";
import { apiJson, apiRoute, readJsonBody } from "@/lib/api/http";
import { authenticateApiToken } from "@/lib/api/tokens";
import { AppError } from "@/lib/errors";
import { batchAnswer, eventsOfBody, OUTCOME_BATCH_LIMITS_SENTENCE } from "@/lib/outcomes/batch";
import { OUTCOME_BATCH_LIMITS } from "@/lib/outcomes/event-schema";
import { ingestOutcomeEvents } from "@/lib/outcomes/ingest";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/events — an LLM service reports per-request outcomes with its service's token
 * (write scope). Body `{ events: [...] }` (lib/outcomes/event-schema.ts); answer
 * `{ accepted, duplicates, rejected: [{ index, eventId?, reason }] }`. Good events of a mixed
 * batch are kept; a retried batch is not counted twice (lib/outcomes/ingest.ts).
 */
export const POST = apiRoute(async (request: Request) => {
  const auth = await authenticateApiToken(request, { scope: "write" });
  let body: unknown;
  try {
    // Counts the bytes as they stream in and stops at the limit: an oversized body is never held whole.
    body = await readJsonBody(request, { maxBytes: OUTCOME_BATCH_LIMITS.maxBytes });
  } catch (err) {
    if (err instanceof AppError && err.code === "payload_too_large") throw new AppError("payload_too_large", `The request body is too large. ${OUTCOME_BATCH_LIMITS_SENTENCE}`);
    throw err;
  }
  const events = eventsOfBody(body);
  const { foreignReleaseRejections, ...answer } = await ingestOutcomeEvents(await getDb(), { serviceId: auth.serviceId, events, now: new Date() });
  const { status, body: responseBody } = batchAnswer(answer, foreignReleaseRejections);
  return apiJson(responseBody, { status });
});
