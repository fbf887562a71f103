import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { batchAnswer, eventsOfBody, OUTCOME_BATCH_LIMITS_SENTENCE, releaseIdsOf, validateOutcomeBatch, type KnownRelease } from "./batch";

const NOW = new Date("2026-11-22T12:00:00Z");
const DAY = 86_400_000;
const MINUTE = 60_000;

const SERVICE = { id: "svc-support", slug: "support-assistant", retentionDays: 30 };
const RELEASES = new Map<string, KnownRelease>([
  ["rel_support_1", { serviceId: "svc-support", serviceSlug: "support-assistant" }],
  ["rel_support_2", { serviceId: "svc-support", serviceSlug: "support-assistant" }],
  ["rel_incident_1", { serviceId: "svc-incident", serviceSlug: "incident-assistant" }],
]);

function event(eventId: string, patch: Record<string, unknown> = {}) {
  return {
    eventId,
    occurredAt: new Date(NOW.getTime() - 5 * MINUTE).toISOString(),
    releaseId: "rel_support_1",
    arm: "stable",
    tenant: "acme",
    componentVersions: { prompt: "assist-v1" },
    latencyMs: 300,
    ...patch,
  };
}

const validate = (events: unknown[], service: Partial<typeof SERVICE> = {}) =>
  validateOutcomeBatch({ events, service: { ...SERVICE, ...service }, releases: RELEASES, now: NOW });

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe("eventsOfBody: the request envelope", () => {
  it("returns the events array", () => {
    const events = [event("a"), event("b")];
    expect(eventsOfBody({ events })).toBe(events);
  });

  it.each([
    { name: "an array body", body: [event("a")] },
    { name: "null", body: null },
    { name: "a string", body: "events" },
    { name: "no events key", body: { event: [event("a")] } },
    { name: "events not an array", body: { events: { 0: event("a") } } },
  ])("refuses $name with 422 naming the expected shape", ({ body }) => {
    const err = thrown(() => eventsOfBody(body));
    expect(err.code).toBe("invalid_input");
    expect(err.status).toBe(422);
    expect(err.message).toBe('The request body must be a JSON object {"events": [...]} holding the outcome events.');
  });

  it("refuses an empty batch with 422", () => {
    const err = thrown(() => eventsOfBody({ events: [] }));
    expect(err.status).toBe(422);
    expect(err.message).toBe("The batch is empty: send at least one event.");
  });

  it("takes exactly 5,000 events and refuses 5,001 with 413 and the limits sentence", () => {
    expect(eventsOfBody({ events: new Array(5_000).fill(0) })).toHaveLength(5_000);
    const err = thrown(() => eventsOfBody({ events: new Array(5_001).fill(0) }));
    expect(err.code).toBe("payload_too_large");
    expect(err.status).toBe(413);
    expect(err.message).toBe("The batch holds 5,001 events. A batch may hold at most 5,000 events and 5 MB; split it into smaller batches.");
    expect(OUTCOME_BATCH_LIMITS_SENTENCE).toBe("A batch may hold at most 5,000 events and 5 MB; split it into smaller batches.");
  });
});

describe("releaseIdsOf", () => {
  it("collects each well-formed release id once, skipping what validation will refuse anyway", () => {
    expect(
      releaseIdsOf([
        event("a"),
        event("b"),
        event("c", { releaseId: "rel_support_2" }),
        event("d", { releaseId: "" }),
        event("e", { releaseId: 7 }),
        event("f", { releaseId: "r".repeat(101) }),
        "not an event",
        null,
      ]),
    ).toEqual(["rel_support_1", "rel_support_2"]);
  });
});

describe("validateOutcomeBatch: the time window", () => {
  const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

  it.each([
    { name: "now", offset: 0 },
    { name: "exactly 15 minutes ahead (clock skew)", offset: 15 * MINUTE },
    { name: "exactly at the retention edge (30 days ago)", offset: -30 * DAY },
    { name: "29 days ago", offset: -29 * DAY },
  ])("keeps an event from $name", ({ offset }) => {
    const result = validate([event("a", { occurredAt: at(offset) })]);
    expect(result.rejected).toEqual([]);
    expect(result.valid).toHaveLength(1);
  });

  it("refuses an event more than 15 minutes in the future, naming the server's clock", () => {
    const occurredAt = at(15 * MINUTE + 1);
    expect(validate([event("a", { occurredAt })]).rejected).toEqual([
      {
        index: 0,
        eventId: "a",
        reason: `occurredAt ${occurredAt} is in the future (more than 15 minutes ahead of the server's clock); check the service's clock.`,
      },
    ]);
  });

  it("refuses an event older than the service's retention, naming the service and its retention", () => {
    const occurredAt = at(-30 * DAY - 1);
    expect(validate([event("a", { occurredAt })]).rejected).toEqual([
      { index: 0, eventId: "a", reason: `occurredAt ${occurredAt} is older than support-assistant's event retention of 30 days.` },
    ]);
  });

  it("uses the service's own retention (and says '1 day', not '1 days')", () => {
    const twoDaysAgo = at(-2 * DAY);
    expect(validate([event("a", { occurredAt: twoDaysAgo })], { retentionDays: 7 }).rejected).toEqual([]);
    expect(validate([event("a", { occurredAt: twoDaysAgo })], { retentionDays: 1 }).rejected[0]!.reason).toBe(
      `occurredAt ${twoDaysAgo} is older than support-assistant's event retention of 1 day.`,
    );
  });
});

describe("validateOutcomeBatch: releases", () => {
  it("refuses a release the database does not know", () => {
    const result = validate([event("a", { releaseId: "rel_nowhere" })]);
    expect(result.rejected).toEqual([{ index: 0, eventId: "a", reason: 'releaseId "rel_nowhere" is not a release of support-assistant.' }]);
    expect(result.foreignReleaseRejections).toBe(0);
  });

  it("refuses another service's release, says whose it is, and counts it as foreign", () => {
    const result = validate([event("a", { releaseId: "rel_incident_1" })]);
    expect(result.rejected).toEqual([
      {
        index: 0,
        eventId: "a",
        reason: 'releaseId "rel_incident_1" is a release of incident-assistant, not support-assistant: send incident-assistant\'s events with its own token.',
      },
    ]);
    expect(result.foreignReleaseRejections).toBe(1);
  });
});

describe("validateOutcomeBatch: a mixed batch", () => {
  it("keeps exactly the good events in order and answers each bad one by its index", () => {
    const batch = [
      event("good-0"),
      event("neg-latency", { latencyMs: -5 }),
      event("good-1", { releaseId: "rel_support_2", arm: "canary" }),
      event("x".repeat(129)),
      "not an event",
      event("neg-cost", { costUsd: -1 }),
      event("good-2", { tenant: "globex" }),
    ];
    const result = validate(batch);
    expect(result.valid.map((e) => e.eventId)).toEqual(["good-0", "good-1", "good-2"]);
    expect(result.rejected).toEqual([
      { index: 1, eventId: "neg-latency", reason: "latencyMs must not be negative." },
      // An id too long to be an id is not echoed back.
      { index: 3, reason: "eventId must be at most 128 characters." },
      { index: 4, reason: "An event must be a JSON object." },
      { index: 5, eventId: "neg-cost", reason: "costUsd must not be negative." },
    ]);
    expect(result.repeatedInBatch).toBe(0);
  });

  it("keeps the first of repeated eventIds, counts the repeats, and gives them no reason (a retry is not an error)", () => {
    const result = validate([event("a", { latencyMs: 1 }), event("b"), event("a", { latencyMs: 2 }), event("a", { latencyMs: 3 })]);
    expect(result.valid.map((e) => [e.eventId, e.latencyMs])).toEqual([
      ["a", 1],
      ["b", 300],
    ]);
    expect(result.repeatedInBatch).toBe(2);
    expect(result.rejected).toEqual([]);
  });

  it("does not let a refused event claim its eventId: a later valid event with that id is kept", () => {
    const result = validate([event("a", { arm: "blue" }), event("a")]);
    expect(result.rejected).toEqual([{ index: 0, eventId: "a", reason: "arm must be one of stable, canary, experiment." }]);
    expect(result.valid.map((e) => e.eventId)).toEqual(["a"]);
    expect(result.repeatedInBatch).toBe(0);
  });

  it("checks shape before time, and time before release", () => {
    const old = new Date(NOW.getTime() - 40 * DAY).toISOString();
    const [shape, time] = validate([event("a", { occurredAt: old, latencyMs: -1, releaseId: "rel_incident_1" }), event("b", { occurredAt: old, releaseId: "rel_incident_1" })]).rejected;
    expect(shape!.reason).toBe("latencyMs must not be negative.");
    expect(time!.reason).toMatch(/is older than/);
  });
});

describe("batchAnswer", () => {
  const rejection = (index: number, reason = "latencyMs must not be negative.") => ({ index, eventId: `e${index}`, reason });

  it.each([
    { name: "all accepted", answer: { accepted: 3, duplicates: 0, rejected: [] }, foreign: 0, status: 200 },
    { name: "all duplicates (a retry)", answer: { accepted: 0, duplicates: 3, rejected: [] }, foreign: 0, status: 200 },
    { name: "some accepted, some refused", answer: { accepted: 1, duplicates: 0, rejected: [rejection(1)] }, foreign: 0, status: 200 },
    { name: "duplicates and refusals", answer: { accepted: 0, duplicates: 1, rejected: [rejection(1)] }, foreign: 1, status: 200 },
  ])("answers 200 without an error when $name", ({ answer, foreign, status }) => {
    const out = batchAnswer(answer, foreign);
    expect(out.status).toBe(status);
    expect(out.body).toEqual(answer);
  });

  it("answers 422 when every event was refused, quoting the first reason and keeping the list", () => {
    const answer = { accepted: 0, duplicates: 0, rejected: [rejection(2), rejection(5, "costUsd must not be negative.")] };
    expect(batchAnswer(answer, 1)).toEqual({
      status: 422,
      body: {
        error: { code: "invalid_input", message: "None of the 2 events were accepted; the first (index 2): latencyMs must not be negative." },
        ...answer,
      },
    });
    expect(batchAnswer({ accepted: 0, duplicates: 0, rejected: [rejection(0)] }, 0).body.error!.message).toBe(
      "None of the 1 event was accepted; the first (index 0): latencyMs must not be negative.",
    );
  });

  it("answers 403 when every refused event names another service's release (the wrong token)", () => {
    const reason = 'releaseId "r" is a release of incident-assistant, not support-assistant: send incident-assistant\'s events with its own token.';
    const answer = { accepted: 0, duplicates: 0, rejected: [rejection(0, reason), rejection(1, reason)] };
    const out = batchAnswer(answer, 2);
    expect(out.status).toBe(403);
    expect(out.body.error).toEqual({ code: "forbidden", message: `None of the 2 events is for this token's service. ${reason}` });
    expect(out.body.rejected).toHaveLength(2);
    expect(batchAnswer({ accepted: 0, duplicates: 0, rejected: [rejection(0, reason)] }, 1).body.error!.message).toMatch(/^None of the 1 event is for/);
  });
});
