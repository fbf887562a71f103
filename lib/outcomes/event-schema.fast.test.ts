import { describe, expect, it } from "vitest";
import { OUTCOME_EVENT_LIMITS, parseOutcomeEvent, parseWithSchema, plainValidEvent } from "./event-schema";
import { makeEvents, mulberry32 } from "./test-fixtures";

/**
 * The fast check in parseOutcomeEvent must accept only what the schema accepts, with the same
 * result. Generated events: a valid one with one to three fields replaced by values at and past
 * every limit (lengths, ranges, types, times, text the schema treats specially), and some fields
 * removed. Each is judged both ways.
 */

const { maxEventIdLength: ID, maxLabelLength: LABEL, maxCostUsd, maxLatencyMs, maxTokens } = OUTCOME_EVENT_LIMITS;
const text = [
  "", "a", "acme", "x".repeat(LABEL), "x".repeat(LABEL + 1), "y".repeat(ID), "y".repeat(ID + 1),
  "tab\there", "nul\u0000", "del\u007f", "é-ünïcode", "emoji 😀", "😀".repeat(50), "😀".repeat(51),
  "lone \ud800", "lone \udc00 low", " spaces ", "\u0085next-line", "\u2028",
];
const numbers = [0, -0, 1, 0.5, -1, -0.001, 1.5, 999.999, maxCostUsd, maxCostUsd + 0.01, maxLatencyMs, maxLatencyMs + 1, maxTokens, maxTokens + 1, 1e300, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2];
const others = [null, undefined, true, false, "5", "", [], {}, [1], { a: 1 }];
const times = [
  "2026-11-22T09:41:27Z", "2026-11-22T09:41:27.123Z", "2026-11-22T09:41:27.123456789Z", "2026-11-22T09:41:27+01:00",
  "2026-11-22T09:41:27-05:30", "2026-11-22T09:41:27+0100", "2026-11-22T09:41:27+24:00", "2026-11-22T09:41:27z",
  "2026-11-22T09:41Z", "2026-11-22 09:41:27Z", "2026-11-22T09:41:27", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z",
  "2000-02-29T12:00:00Z", "1900-02-29T12:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z",
  "2026-11-22T23:59:60Z", "0000-01-01T00:00:00Z", "+002026-11-22T09:41:27Z", "2026-11-22T09:41:27.Z", "",
];
const versions = [
  {}, { prompt: "v1" }, { prompt: "v1", policy: "p2", routing: "r", retrieval: "k", tool_permission: "t" },
  { unknown: "v1" }, { prompt: "" }, { prompt: 5 }, { prompt: null }, { prompt: "x".repeat(LABEL + 1) }, { prompt: "tab\t" },
  { prompt: "😀" }, Object.assign(Object.create(null), { prompt: "v1" }), JSON.parse('{"__proto__": {"prompt": "v1"}}'),
  JSON.parse('{"constructor": "x"}'), new Map([["prompt", "v1"]]), new Date(0),
];
const arms = ["stable", "canary", "experiment", "Stable", "", "control"];

const pools: Record<string, readonly unknown[]> = {
  eventId: [...text, ...numbers.slice(0, 3), ...others],
  occurredAt: [...times, 1_764_000_000_000, new Date(0), ...others],
  releaseId: [...text, ...others],
  arm: [...arms, ...others],
  armName: [...text, ...others],
  tenant: [...text, ...others],
  componentVersions: [...versions, ...others],
  resolved: [...others, 0, 1, "true"],
  policyViolation: [...others, 0],
  falseRefusal: [...others, 1],
  followUp: others,
  fallback: others,
  escalated: others,
  manualCorrection: others,
  costUsd: [...numbers, ...others],
  latencyMs: [...numbers, ...others],
  tokensIn: [...numbers, ...others],
  tokensOut: [...numbers, ...others],
  extra: ["ignored", ...others],
};
const fields = Object.keys(pools);

function generated(count: number, seed: number): Record<string, unknown>[] {
  const random = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const valid = makeEvents({ releaseIds: ["rel_a", "rel_b"] }, { count, prefix: "fz", end: new Date("2026-11-22T10:00:00Z"), seed });
  return valid.map((event) => {
    const e: Record<string, unknown> = { ...event };
    if (random() < 0.3) e.armName = pick(["Variant B", null, undefined]);
    const changes = Math.floor(random() * 4); // 0–3: a quarter stay valid as generated
    for (let i = 0; i < changes; i++) {
      const field = pick(fields);
      if (random() < 0.15) delete e[field];
      else e[field] = pick(pools[field]!);
    }
    return e;
  });
}

describe("parseOutcomeEvent's fast check against the schema", () => {
  it("over 40,000 generated events: accepts only what the schema accepts, with the same record and the same verdict", () => {
    let vouched = 0;
    let schemaAccepted = 0;
    for (const raw of generated(40_000, 20261204)) {
      const bySchema = parseWithSchema(raw);
      const fast = plainValidEvent(raw);
      if (fast) {
        vouched++;
        expect(bySchema, JSON.stringify(raw)).toEqual({ ok: true, event: fast });
      }
      if (bySchema.ok) schemaAccepted++;
      expect(parseOutcomeEvent(raw)).toEqual(bySchema);
    }
    // The mix holds plenty of both, and the fast check vouches for the plain valid ones.
    expect(schemaAccepted).toBeGreaterThan(10_000);
    expect(schemaAccepted).toBeLessThan(35_000);
    expect(vouched).toBeGreaterThan(schemaAccepted * 0.8);
  });

  it("vouches for every event a client typically sends, and leaves text with emoji or surrogates to the schema", () => {
    const events = makeEvents({ releaseIds: ["rel_a", "rel_b"] }, { count: 1_000, prefix: "plain", end: new Date("2026-11-22T10:00:00Z") });
    expect(events.every((e) => plainValidEvent(e as unknown as Record<string, unknown>) !== null)).toBe(true);

    const emoji = { ...events[0]!, tenant: "café 😀" };
    expect(plainValidEvent(emoji)).toBeNull();
    expect(parseOutcomeEvent(emoji)).toMatchObject({ ok: true, event: { tenant: "café 😀" } });
    const lone = { ...events[0]!, tenant: "bad \ud800" };
    expect(parseOutcomeEvent(lone)).toEqual({ ok: false, reason: "tenant must be valid Unicode text (it holds a lone UTF-16 surrogate)." });
  });
});
