import { describe, expect, it } from "vitest";
import { OUTCOME_ARMS, OUTCOME_BATCH_LIMITS, OUTCOME_EVENT_LIMITS, parseOutcomeEvent } from "./event-schema";

/** A minimal valid event as a client sends it: only the fields without a default. */
const base = {
  eventId: "evt-1",
  occurredAt: "2026-11-22T09:41:27Z",
  releaseId: "rel_support_7",
  arm: "stable",
  tenant: "acme",
  componentVersions: { prompt: "assist-v1", policy: "sec-v1" },
  latencyMs: 420,
};

const without = (field: keyof typeof base) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));

function reasonOf(raw: unknown): string {
  const parsed = parseOutcomeEvent(raw);
  if (parsed.ok) throw new Error(`expected a rejection, got ${JSON.stringify(parsed.event)}`);
  return parsed.reason;
}

describe("parseOutcomeEvent: the limits", () => {
  it("are 5,000 events and 5 MB a batch, 128-character ids, 100-character labels, 15 minutes of clock skew", () => {
    expect(OUTCOME_BATCH_LIMITS).toEqual({ maxEvents: 5_000, maxBytes: 5 * 1024 * 1024 });
    expect(OUTCOME_EVENT_LIMITS.maxEventIdLength).toBe(128);
    expect(OUTCOME_EVENT_LIMITS.maxLabelLength).toBe(100);
    expect(OUTCOME_EVENT_LIMITS.maxFutureSkewMs).toBe(15 * 60_000);
    expect(OUTCOME_ARMS).toEqual(["stable", "canary", "experiment"]);
  });
});

describe("parseOutcomeEvent: valid events", () => {
  it("normalises a minimal event: flags false, cost and tokens 0, armName null, time a Date", () => {
    expect(parseOutcomeEvent(base)).toEqual({
      ok: true,
      event: {
        eventId: "evt-1",
        occurredAt: new Date("2026-11-22T09:41:27.000Z"),
        releaseId: "rel_support_7",
        arm: "stable",
        armName: null,
        tenant: "acme",
        componentVersions: { prompt: "assist-v1", policy: "sec-v1" },
        resolved: false,
        policyViolation: false,
        falseRefusal: false,
        followUp: false,
        fallback: false,
        escalated: false,
        manualCorrection: false,
        costUsd: 0,
        latencyMs: 420,
        tokensIn: 0,
        tokensOut: 0,
      },
    });
  });

  it("keeps every reported field", () => {
    const full = {
      ...base,
      arm: "experiment",
      armName: "shorter-answers",
      resolved: true,
      policyViolation: true,
      falseRefusal: true,
      followUp: true,
      fallback: true,
      escalated: true,
      manualCorrection: true,
      costUsd: 0.0042,
      tokensIn: 1_200,
      tokensOut: 300,
    };
    const parsed = parseOutcomeEvent(full);
    expect(parsed).toEqual({ ok: true, event: { ...full, occurredAt: new Date(base.occurredAt) } });
  });

  it.each([
    { name: "a time with an offset, converted to UTC", patch: { occurredAt: "2026-11-22T10:41:27+01:00" }, field: "occurredAt", value: new Date("2026-11-22T09:41:27Z") },
    { name: "a time with milliseconds", patch: { occurredAt: "2026-11-22T09:41:27.123Z" }, field: "occurredAt", value: new Date("2026-11-22T09:41:27.123Z") },
    { name: "a fractional latency, rounded to whole ms", patch: { latencyMs: 12.6 }, field: "latencyMs", value: 13 },
    { name: "zero latency", patch: { latencyMs: 0 }, field: "latencyMs", value: 0 },
    { name: "the largest latency (a day)", patch: { latencyMs: 86_400_000 }, field: "latencyMs", value: 86_400_000 },
    { name: "the largest cost", patch: { costUsd: 1_000 }, field: "costUsd", value: 1_000 },
    { name: "an eventId of exactly 128 characters", patch: { eventId: "x".repeat(128) }, field: "eventId", value: "x".repeat(128) },
    { name: "a tenant of exactly 100 characters", patch: { tenant: "t".repeat(100) }, field: "tenant", value: "t".repeat(100) },
    { name: "armName null", patch: { armName: null }, field: "armName", value: null },
    { name: "an empty componentVersions", patch: { componentVersions: {} }, field: "componentVersions", value: {} },
    { name: "non-ASCII text (well-formed surrogate pairs)", patch: { tenant: "café-😀" }, field: "tenant", value: "café-😀" },
  ])("accepts $name", ({ patch, field, value }) => {
    const parsed = parseOutcomeEvent({ ...base, ...patch });
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.event[field as keyof typeof parsed.event]).toEqual(value);
  });

  it("ignores fields it does not know", () => {
    const parsed = parseOutcomeEvent({ ...base, surprise: 1 });
    expect(parsed.ok && "surprise" in parsed.event).toBe(false);
  });
});

describe("parseOutcomeEvent: each rule, with its reason", () => {
  it.each([
    // not an object
    { name: "a string", raw: "evt", reason: "An event must be a JSON object." },
    { name: "null", raw: null, reason: "An event must be a JSON object." },
    { name: "an array", raw: [base], reason: "An event must be a JSON object." },
    // missing fields
    { name: "no eventId", raw: without("eventId"), reason: "eventId is required." },
    { name: "no occurredAt", raw: without("occurredAt"), reason: "occurredAt is required." },
    { name: "no releaseId", raw: without("releaseId"), reason: "releaseId is required." },
    { name: "no arm", raw: without("arm"), reason: "arm is required." },
    { name: "no tenant", raw: without("tenant"), reason: "tenant is required." },
    { name: "no componentVersions", raw: without("componentVersions"), reason: "componentVersions is required." },
    { name: "no latencyMs", raw: without("latencyMs"), reason: "latencyMs is required." },
    // eventId
    { name: "an eventId of 129 characters", raw: { ...base, eventId: "x".repeat(129) }, reason: "eventId must be at most 128 characters." },
    { name: "an empty eventId", raw: { ...base, eventId: "" }, reason: "eventId must not be empty." },
    { name: "a numeric eventId", raw: { ...base, eventId: 17 }, reason: "eventId must be a string." },
    { name: "a NUL in the eventId", raw: { ...base, eventId: "a\u0000b" }, reason: "eventId must not contain control characters." },
    { name: "a lone surrogate in the eventId", raw: { ...base, eventId: "a\ud800" }, reason: "eventId must be valid Unicode text (it holds a lone UTF-16 surrogate)." },
    { name: "a lone low surrogate in the tenant", raw: { ...base, tenant: "\udc00t" }, reason: "tenant must be valid Unicode text (it holds a lone UTF-16 surrogate)." },
    // time
    { name: "a time without a zone", raw: { ...base, occurredAt: "2026-11-22T09:41:27" }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    { name: "a date only", raw: { ...base, occurredAt: "2026-11-22" }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    { name: "February 30th", raw: { ...base, occurredAt: "2026-02-30T00:00:00Z" }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    { name: "hour 24", raw: { ...base, occurredAt: "2026-11-22T24:00:00Z" }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    { name: "epoch milliseconds", raw: { ...base, occurredAt: 1_795_000_000_000 }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    { name: "words", raw: { ...base, occurredAt: "yesterday" }, reason: "occurredAt must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z." },
    // arm and labels
    { name: "an unknown arm", raw: { ...base, arm: "blue" }, reason: "arm must be one of stable, canary, experiment." },
    { name: "an arm in capitals", raw: { ...base, arm: "Stable" }, reason: "arm must be one of stable, canary, experiment." },
    { name: "an empty armName", raw: { ...base, armName: "" }, reason: "armName must not be empty." },
    { name: "a tenant of 101 characters", raw: { ...base, tenant: "t".repeat(101) }, reason: "tenant must be at most 100 characters." },
    { name: "an empty releaseId", raw: { ...base, releaseId: "" }, reason: "releaseId must not be empty." },
    { name: "a newline in the tenant", raw: { ...base, tenant: "a\nb" }, reason: "tenant must not contain control characters." },
    // componentVersions
    { name: "componentVersions an array", raw: { ...base, componentVersions: ["assist-v1"] }, reason: "componentVersions must be an object of component kind → version label." },
    { name: "componentVersions null", raw: { ...base, componentVersions: null }, reason: "componentVersions must be an object of component kind → version label." },
    { name: "an unknown component kind", raw: { ...base, componentVersions: { colour: "red" } }, reason: "componentVersions.colour is not a component kind (use prompt, retrieval, policy, tool_permission, routing)." },
    { name: "an empty version label", raw: { ...base, componentVersions: { prompt: "" } }, reason: "componentVersions.prompt must not be empty." },
    { name: "a numeric version label", raw: { ...base, componentVersions: { prompt: 3 } }, reason: "componentVersions.prompt must be a string." },
    // flags
    { name: "a flag as a string", raw: { ...base, resolved: "yes" }, reason: "resolved must be true or false." },
    { name: "a flag as 1", raw: { ...base, escalated: 1 }, reason: "escalated must be true or false." },
    // amounts
    { name: "negative latency", raw: { ...base, latencyMs: -1 }, reason: "latencyMs must not be negative." },
    { name: "latency as a string", raw: { ...base, latencyMs: "420" }, reason: "latencyMs must be a number of milliseconds." },
    { name: "latency over a day", raw: { ...base, latencyMs: 86_400_001 }, reason: "latencyMs must be at most 86,400,000." },
    { name: "negative cost", raw: { ...base, costUsd: -0.01 }, reason: "costUsd must not be negative." },
    { name: "cost as a string", raw: { ...base, costUsd: "0.01" }, reason: "costUsd must be a number of US dollars." },
    { name: "cost over $1,000", raw: { ...base, costUsd: 1_000.01 }, reason: "costUsd must be at most 1,000." },
    { name: "fractional tokens", raw: { ...base, tokensIn: 1.5 }, reason: "tokensIn must be a whole number." },
    { name: "negative tokens", raw: { ...base, tokensOut: -1 }, reason: "tokensOut must not be negative." },
    { name: "too many tokens", raw: { ...base, tokensOut: 10_000_001 }, reason: "tokensOut must be at most 10,000,000." },
  ])("refuses $name", ({ raw, reason }) => {
    expect(reasonOf(raw)).toBe(reason);
  });

  it("names the first problem and counts the others", () => {
    expect(reasonOf({ ...base, costUsd: -1, latencyMs: -1 })).toBe("costUsd must not be negative (and 1 more problem).");
    expect(reasonOf({ ...base, arm: "blue", costUsd: -1, latencyMs: -1 })).toBe("arm must be one of stable, canary, experiment (and 2 more problems).");
  });
});
