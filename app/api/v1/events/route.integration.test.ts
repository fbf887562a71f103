import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "@/db/testing";
import { OUTCOME_BATCH_LIMITS } from "@/lib/outcomes/event-schema";
import { rowsOf } from "@/lib/outcomes/partition-store";
import { createOutcomeService, makeEvents, outcomeTableCounts, rawTotals, rollupTotals, type OutcomeTestService } from "@/lib/outcomes/test-fixtures";
import { POST } from "./route";

/**
 * POST /api/v1/events, called as Next.js calls it (a Request in, a Response out), on the test
 * database: authentication and scope, the body limits, per-event reasons in a mixed batch, and
 * that a refused request writes nothing at all — never a 5xx.
 */

const NOW = new Date();
const HOUR = 3_600_000;
const LIMITS = "A batch may hold at most 5,000 events and 5 MB; split it into smaller batches.";

let svc: OutcomeTestService;
let other: OutcomeTestService;

beforeAll(async () => {
  svc = await createOutcomeService(testDb(), "events-route");
  other = await createOutcomeService(testDb(), "events-other");
});

interface PostOptions {
  token?: string;
  authorization?: string;
  contentType?: string | null;
  raw?: BodyInit;
  headers?: Record<string, string>;
}

function post(body: unknown, options: PostOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.authorization) headers.set("authorization", options.authorization);
  if (options.contentType !== null) headers.set("content-type", options.contentType ?? "application/json");
  const init = { method: "POST", headers, body: options.raw ?? JSON.stringify(body), duplex: "half" } as RequestInit;
  return POST(new Request("http://localhost/api/v1/events", init), undefined);
}

interface BatchBody {
  accepted: number;
  duplicates: number;
  rejected: { index: number; eventId?: string; reason: string }[];
  error?: { code: string; message: string };
}

async function answer(response: Response): Promise<BatchBody> {
  expect(response.status).toBeLessThan(500);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as BatchBody;
}

/** A body of exactly `bytes` bytes holding one valid event (padded with an ignored field). */
function bodyOfSize(bytes: number, eventId: string): string {
  const [event] = makeEvents(svc, { count: 1, prefix: eventId, end: NOW, seed: 99 });
  const head = JSON.stringify({ events: [event], pad: "" }).slice(0, -2);
  const body = `${head}${"x".repeat(bytes - head.length - 2)}"}`;
  expect(Buffer.byteLength(body)).toBe(bytes);
  return body;
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

describe("POST /api/v1/events: requests refused as a whole write nothing", () => {
  // Valid events, so only the request itself can be the reason for a refusal.
  const goodBatch = () => ({ events: makeEvents(svc, { count: 3, prefix: "refused", end: NOW, seed: 1 }) });
  const foreignBatch = () => ({ events: makeEvents(other, { count: 3, prefix: "foreign", end: NOW, seed: 2 }) });

  it.each([
    { name: "no token", options: () => ({}), status: 401, code: "unauthenticated", message: /^Send the service's API token as Authorization: Bearer <token>\.$/ },
    { name: "a Basic Authorization header", options: () => ({ authorization: "Basic dXNlcjpwYXNz" }), status: 401, code: "unauthenticated", message: /is not a bearer token/ },
    { name: "a token of the wrong shape", options: () => ({ token: "secret" }), status: 401, code: "unauthenticated", message: /not a Changegate API token/ },
    { name: "an unknown token", options: () => ({ token: `cg_${svc.slug}_${"0".repeat(40)}` }), status: 401, code: "unauthenticated", message: /not known to Changegate/ },
    { name: "a read-only token", options: () => ({ token: svc.tokens.read }), status: 403, code: "forbidden", message: /^This token lacks the write scope \(it has read\)/ },
    { name: "an operator token (scopes are explicit)", options: () => ({ token: svc.tokens.operator }), status: 403, code: "forbidden", message: /lacks the write scope \(it has operator\)/ },
    { name: "a text/plain body", options: () => ({ token: svc.tokens.write, contentType: "text/plain" }), status: 415, code: "unsupported_media_type", message: /must be JSON \(Content-Type: application\/json\), not text\/plain/ },
    { name: "a form body", options: () => ({ token: svc.tokens.write, contentType: "application/x-www-form-urlencoded" }), status: 415, code: "unsupported_media_type", message: /not application\/x-www-form-urlencoded/ },
    { name: "a body without a content type", options: () => ({ token: svc.tokens.write, contentType: null, raw: new TextEncoder().encode("{}") }), status: 415, code: "unsupported_media_type", message: /Content-Type: application\/json/ },
    { name: "a Latin-1 JSON body", options: () => ({ token: svc.tokens.write, contentType: "application/json; charset=iso-8859-1" }), status: 415, code: "unsupported_media_type", message: /UTF-8 JSON, not iso-8859-1/ },
    { name: "malformed JSON", options: () => ({ token: svc.tokens.write, raw: '{"events": [' }), status: 400, code: "bad_request", message: /^The request body is not valid JSON/ },
    { name: "an empty body", options: () => ({ token: svc.tokens.write, raw: "" }), status: 400, code: "bad_request", message: /body is empty/ },
    { name: "invalid UTF-8", options: () => ({ token: svc.tokens.write, raw: new Uint8Array([0x7b, 0xff, 0x7d]) }), status: 400, code: "bad_request", message: /not valid UTF-8/ },
    { name: "a JSON array instead of {events}", options: () => ({ token: svc.tokens.write, raw: JSON.stringify(goodBatch().events) }), status: 422, code: "invalid_input", message: /must be a JSON object \{"events": \[\.\.\.\]\}/ },
    { name: "an empty batch", options: () => ({ token: svc.tokens.write, raw: '{"events": []}' }), status: 422, code: "invalid_input", message: /^The batch is empty/ },
    { name: "another service's events (all naming its releases)", options: () => ({ token: svc.tokens.write, raw: JSON.stringify(foreignBatch()) }), status: 403, code: "forbidden", message: /^None of the 3 events is for this token's service\. releaseId "rel_events-other-\w+_(stable|canary)" is a release of events-other-\w+, not events-route-/ },
  ])("$name → $status $code", async ({ options, status, code, message }) => {
    const before = await outcomeTableCounts(testDb());
    const response = await post(goodBatch(), options() as PostOptions);
    expect(response.status).toBe(status);
    const body = await answer(response);
    expect(body.error!.code).toBe(code);
    expect(body.error!.message).toMatch(message);
    if (status === 401) expect(response.headers.get("www-authenticate")).toBe('Bearer realm="changegate"');
    expect(await outcomeTableCounts(testDb())).toEqual(before);
  });

  it("answers 403 with every foreign event's index and reason, so the caller sees which token it should use", async () => {
    const before = await outcomeTableCounts(testDb());
    const body = await answer(await post(foreignBatch(), { token: svc.tokens.write }));
    expect(body).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(body.rejected.map((r) => [r.index, r.eventId])).toEqual([
      [0, "foreign-0"],
      [1, "foreign-1"],
      [2, "foreign-2"],
    ]);
    for (const r of body.rejected) expect(r.reason).toMatch(new RegExp(`is a release of ${other.slug}, not ${svc.slug}: send ${other.slug}'s events with its own token\\.$`));
    expect(await outcomeTableCounts(testDb())).toEqual(before);
  });

  it("answers 422 with each reason when no event of the batch is valid, and writes nothing (not even a partition)", async () => {
    const [template] = makeEvents(svc, { count: 1, prefix: "all-bad", end: NOW, seed: 3 });
    const events = [
      { ...template, latencyMs: -1 },
      { ...template, eventId: "all-bad-old", occurredAt: new Date(NOW.getTime() - 300 * 24 * HOUR).toISOString() },
      { ...template, eventId: "all-bad-release", releaseId: other.releaseIds[0] },
    ];
    const before = await outcomeTableCounts(testDb());
    const response = await post({ events }, { token: svc.tokens.write });
    expect(response.status).toBe(422);
    const body = await answer(response);
    expect(body.error).toEqual({ code: "invalid_input", message: "None of the 3 events were accepted; the first (index 0): latencyMs must not be negative." });
    expect(body.rejected.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(body.rejected[1]!.reason).toMatch(/is older than events-route-\w+'s event retention of 30 days\.$/);
    expect(await outcomeTableCounts(testDb())).toEqual(before);
  });
});

describe("POST /api/v1/events: the size limits", () => {
  it("takes a body of exactly 5 MB", async () => {
    const response = await post(undefined, { token: svc.tokens.write, raw: bodyOfSize(OUTCOME_BATCH_LIMITS.maxBytes, "exactly-5mb") });
    expect(response.status).toBe(200);
    expect(await answer(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
  });

  it.each<{ name: string; raw: () => BodyInit; headers: Record<string, string> }>([
    { name: "5 MB + 1 byte, Content-Length declared", raw: () => bodyOfSize(OUTCOME_BATCH_LIMITS.maxBytes + 1, "over"), headers: { "content-length": String(OUTCOME_BATCH_LIMITS.maxBytes + 1) } },
    { name: "5 MB + 1 byte, no Content-Length", raw: () => bodyOfSize(OUTCOME_BATCH_LIMITS.maxBytes + 1, "over"), headers: {} },
    { name: "6 MB streamed in chunks, no Content-Length", raw: () => streamOf(bodyOfSize(6 * 1024 * 1024, "over")), headers: {} },
    { name: "a Content-Length of 50 MB (refused before reading)", raw: () => "{}", headers: { "content-length": String(50 * 1024 * 1024) } },
  ])("refuses $name with 413 and the limits sentence, writing nothing", async ({ raw, headers }) => {
    const before = await outcomeTableCounts(testDb());
    const response = await post(undefined, { token: svc.tokens.write, raw: raw(), headers });
    expect(response.status).toBe(413);
    expect((await answer(response)).error).toEqual({ code: "payload_too_large", message: `The request body is too large. ${LIMITS}` });
    expect(await outcomeTableCounts(testDb())).toEqual(before);
  });

  it("takes 5,000 events and refuses 5,001 with 413 and the limits sentence, writing nothing", async () => {
    const events = makeEvents(svc, { count: 5_001, prefix: "limit", end: NOW, seed: 4 });
    const before = await outcomeTableCounts(testDb());
    const refused = await post({ events }, { token: svc.tokens.write });
    expect(refused.status).toBe(413);
    expect((await answer(refused)).error).toEqual({ code: "payload_too_large", message: `The batch holds 5,001 events. ${LIMITS}` });
    expect(await outcomeTableCounts(testDb())).toEqual(before);

    const taken = await post({ events: events.slice(0, 5_000) }, { token: svc.tokens.write });
    expect(taken.status).toBe(200);
    expect(await answer(taken)).toEqual({ accepted: 5_000, duplicates: 0, rejected: [] });
  });
});

describe("POST /api/v1/events: a mixed batch", () => {
  it("keeps exactly the good events, answers index and reason for each bad one, and a retry adds nothing", async () => {
    const good = makeEvents(svc, { count: 5, prefix: "mixed-good", end: NOW, seed: 5 });
    const [t] = makeEvents(svc, { count: 1, prefix: "mixed-bad", end: NOW, seed: 6 });
    const batch: unknown[] = [
      good[0],
      { ...t, eventId: "neg-latency", latencyMs: -3 },
      { ...t, eventId: "neg-cost", costUsd: -0.5 },
      good[1],
      { ...t, eventId: "unknown-arm", arm: "shadow" },
      { ...t, eventId: "bad-time", occurredAt: "22/11/2026 09:41" },
      { ...t, eventId: "too-old", occurredAt: new Date(NOW.getTime() - 31 * 24 * HOUR).toISOString() },
      { ...t, eventId: "future", occurredAt: new Date(NOW.getTime() + 3 * HOUR).toISOString() },
      { ...t, eventId: "no-tenant", tenant: undefined },
      { ...t, eventId: "x".repeat(129) },
      { ...t, eventId: "unknown-release", releaseId: "rel_nobody" },
      { ...t, eventId: "foreign-release", releaseId: other.releaseIds[1] },
      good[2],
      { ...t, eventId: "lone-surrogate-tenant", tenant: "acme\ud800" },
      { ...t, eventId: "lone-surrogate-id-\udfff" },
      good[3],
      { ...good[3], latencyMs: 1 }, // the same eventId again in one batch: a duplicate, not an error
      good[4],
    ];
    const before = await outcomeTableCounts(testDb());
    const totalsBefore = await rawTotals(testDb(), svc.id);
    const response = await post({ events: batch }, { token: svc.tokens.write });
    expect(response.status).toBe(200);
    const body = await answer(response);
    expect(body.error).toBeUndefined();
    expect(body.accepted).toBe(5);
    expect(body.duplicates).toBe(1);
    expect(body.rejected).toEqual([
      { index: 1, eventId: "neg-latency", reason: "latencyMs must not be negative." },
      { index: 2, eventId: "neg-cost", reason: "costUsd must not be negative." },
      { index: 4, eventId: "unknown-arm", reason: "arm must be one of stable, canary, experiment." },
      { index: 5, eventId: "bad-time", reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
      { index: 6, eventId: "too-old", reason: expect.stringMatching(new RegExp(`^occurredAt \\S+ is older than ${svc.slug}'s event retention of 30 days\\.$`)) },
      { index: 7, eventId: "future", reason: expect.stringMatching(/^occurredAt \S+ is in the future \(more than 15 minutes ahead of the server's clock\); check the service's clock\.$/) },
      { index: 8, eventId: "no-tenant", reason: "tenant is required." },
      { index: 9, reason: "eventId must be at most 128 characters." },
      { index: 10, eventId: "unknown-release", reason: `releaseId "rel_nobody" is not a release of ${svc.slug}.` },
      { index: 11, eventId: "foreign-release", reason: `releaseId "${other.releaseIds[1]}" is a release of ${other.slug}, not ${svc.slug}: send ${other.slug}'s events with its own token.` },
      { index: 13, eventId: "lone-surrogate-tenant", reason: "tenant must be valid Unicode text (it holds a lone UTF-16 surrogate)." },
      { index: 14, eventId: "lone-surrogate-id-\udfff", reason: "eventId must be valid Unicode text (it holds a lone UTF-16 surrogate)." },
    ]);

    const stored = rowsOf<{ event_id: string; latency_ms: number }>(
      await testDb().execute(sql`select event_id, latency_ms from outcome_events where service_id = ${svc.id} and event_id like 'mixed-%' order by event_id`),
    );
    expect(stored.map((r) => r.event_id)).toEqual(good.map((e) => e.eventId).sort());
    // The first of the repeated eventId is the one kept.
    expect(stored.find((r) => r.event_id === good[3]!.eventId)!.latency_ms).toBe(good[3]!.latencyMs);
    const after = await outcomeTableCounts(testDb());
    expect(after.events - before.events).toBe(5);
    expect(after.keys - before.keys).toBe(5);
    expect((await rawTotals(testDb(), svc.id)).requests - totalsBefore.requests).toBe(5);

    // The client retries the whole batch (it did not see the answer): nothing is counted again.
    const retry = await post({ events: batch }, { token: svc.tokens.write });
    expect(retry.status).toBe(200);
    const retried = await answer(retry);
    expect(retried).toMatchObject({ accepted: 0, duplicates: 6 });
    expect(retried.rejected).toEqual(body.rejected);
    expect(await outcomeTableCounts(testDb())).toEqual(after);
    const raw = await rawTotals(testDb(), svc.id);
    for (const granularity of ["minute", "hour"] as const) expect((await rollupTotals(testDb(), svc.id, granularity)).requests).toBe(raw.requests);
  });

  it("stores an event with an id and tenant in any script, exactly as sent", async () => {
    const [event] = makeEvents(svc, { count: 1, prefix: "unicode", end: NOW, seed: 7 });
    const eventId = "ünïcødé-事件-😀";
    const tenant = "Zürich-株式会社";
    const response = await post({ events: [{ ...event, eventId, tenant }] }, { token: svc.tokens.write });
    expect(await answer(response)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const rows = rowsOf<{ event_id: string; tenant: string }>(await testDb().execute(sql`select event_id, tenant from outcome_events where service_id = ${svc.id} and tenant = ${tenant}`));
    expect(rows).toEqual([{ event_id: eventId, tenant }]);
    expect(await answer(await post({ events: [{ ...event, eventId, tenant }] }, { token: svc.tokens.write }))).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  it("counts events sent with the other service's own token to that service only", async () => {
    const events = makeEvents(other, { count: 4, prefix: "own", end: NOW, seed: 8 });
    const mine = await rawTotals(testDb(), svc.id);
    expect(await answer(await post({ events }, { token: other.tokens.write }))).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect((await rawTotals(testDb(), other.id)).requests).toBe(4);
    expect(await rawTotals(testDb(), svc.id)).toEqual(mine);
    // The same eventIds are separate events per service: idempotency keys are per service.
    const sameIds = makeEvents(svc, { count: 4, prefix: "own", end: NOW, seed: 8 });
    expect(await answer(await post({ events: sameIds }, { token: svc.tokens.write }))).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
  });
});
