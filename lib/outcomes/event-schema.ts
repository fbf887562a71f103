import { z } from "zod";
import { COMPONENT_KINDS } from "@/lib/components/kinds";

/**
 * One outcome event as an LLM service reports it (SPEC §3), validated field by field so a
 * rejected event gets a reason naming the field. Pure: no database, no clock. Field names are
 * those of the SDK (lib/sdk/events.ts `OutcomeEventInput`).
 */

/** The limits of one POST /api/v1/events request (documented in the README). */
export const OUTCOME_BATCH_LIMITS = {
  maxEvents: 5_000,
  maxBytes: 5 * 1024 * 1024,
} as const;

export const OUTCOME_EVENT_LIMITS = {
  maxEventIdLength: 128,
  maxLabelLength: 100,
  /** Clocks drift: an event may be stamped this far ahead of the server's clock. */
  maxFutureSkewMs: 15 * 60_000,
  /** A day; also keeps the value inside the integer column. */
  maxLatencyMs: 86_400_000,
  maxCostUsd: 1_000,
  maxTokens: 10_000_000,
} as const;

export const OUTCOME_ARMS = ["stable", "canary", "experiment"] as const;
export type OutcomeArm = (typeof OUTCOME_ARMS)[number];

/** One validated event, normalised: times are Dates, omitted flags false, counts integers. */
export interface OutcomeEventRecord {
  eventId: string;
  occurredAt: Date;
  releaseId: string;
  arm: OutcomeArm;
  armName: string | null;
  tenant: string;
  componentVersions: Record<string, string>;
  resolved: boolean;
  policyViolation: boolean;
  falseRefusal: boolean;
  followUp: boolean;
  fallback: boolean;
  escalated: boolean;
  manualCorrection: boolean;
  costUsd: number;
  latencyMs: number;
  tokensIn: number;
  tokensOut: number;
}

// PostgreSQL text cannot hold NUL, and control characters in keys and labels are always a bug.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
// A lone UTF-16 surrogate ("\ud800" is valid JSON) has no UTF-8 form: the drivers store it as
// U+FFFD, so two different ids or tenants would become one in the database (an event lost as a
// "duplicate", a rollup upsert touching the same row twice). Refuse it instead.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const required = (what: string) => (issue: { input: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`);

function label(max: number) {
  return z
    .string({ error: required("a string") })
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL_CHARACTERS.test(s), "must not contain control characters")
    .refine((s) => !LONE_SURROGATE.test(s), "must be valid Unicode text (it holds a lone UTF-16 surrogate)");
}

const flag = z.boolean({ error: "must be true or false" }).default(false);

function amount(what: string, max: number, options: { integer?: boolean; required?: boolean } = {}) {
  let schema = z.number({ error: required(what) });
  if (options.integer) schema = schema.int(`must be a whole number`);
  schema = schema.min(0, "must not be negative").max(max, `must be at most ${max.toLocaleString("en-US")}`);
  return options.required ? schema : schema.default(0);
}

const componentVersionsSchema = z
  .record(z.string(), label(OUTCOME_EVENT_LIMITS.maxLabelLength), {
    error: (issue) => (issue.input === undefined ? "is required" : "must be an object of component kind → version label"),
  })
  .superRefine((versions, ctx) => {
    for (const kind of Object.keys(versions)) {
      if (!(COMPONENT_KINDS as readonly string[]).includes(kind)) {
        ctx.addIssue({ code: "custom", path: [kind], message: `is not a component kind (use ${COMPONENT_KINDS.join(", ")})` });
      }
    }
  });

/**
 * The shape of one event. Omitted flags count as false and omitted cost and token counts as
 * 0 (the SDK leaves them to the server); latencyMs is required, the histogram needs it.
 */
export const outcomeEventSchema = z.object({
  eventId: label(OUTCOME_EVENT_LIMITS.maxEventIdLength),
  occurredAt: z.iso.datetime({ offset: true, error: (issue) => (issue.input === undefined ? "is required" : "must be an ISO 8601 time with a time zone, e.g. 2026-11-22T09:41:27Z") }),
  releaseId: label(OUTCOME_EVENT_LIMITS.maxLabelLength),
  arm: z.enum(OUTCOME_ARMS, { error: (issue) => (issue.input === undefined ? "is required" : `must be one of ${OUTCOME_ARMS.join(", ")}`) }),
  armName: label(OUTCOME_EVENT_LIMITS.maxLabelLength).nullish(),
  tenant: label(OUTCOME_EVENT_LIMITS.maxLabelLength),
  componentVersions: componentVersionsSchema,
  resolved: flag,
  policyViolation: flag,
  falseRefusal: flag,
  followUp: flag,
  fallback: flag,
  escalated: flag,
  manualCorrection: flag,
  costUsd: amount("a number of US dollars", OUTCOME_EVENT_LIMITS.maxCostUsd),
  latencyMs: amount("a number of milliseconds", OUTCOME_EVENT_LIMITS.maxLatencyMs, { required: true }),
  tokensIn: amount("a whole number", OUTCOME_EVENT_LIMITS.maxTokens, { integer: true }),
  tokensOut: amount("a whole number", OUTCOME_EVENT_LIMITS.maxTokens, { integer: true }),
});

export type OutcomeEventParse = { ok: true; event: OutcomeEventRecord } | { ok: false; reason: string };

/**
 * Validates the shape of one event; the reason names the first problem ("latencyMs must not be
 * negative"). The common event — plain, valid, ASCII-safe text — is recognised by a hand-written
 * check about ten times faster than the schema (ingestion runs this on every event); anything
 * that check does not vouch for goes through `outcomeEventSchema`, which decides and words the
 * reason. The fast check accepts only what the schema accepts, with the same result
 * (event-schema.fast.test.ts compares the two over generated valid and broken events).
 */
export function parseOutcomeEvent(raw: unknown): OutcomeEventParse {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "An event must be a JSON object." };
  const event = plainValidEvent(raw as Record<string, unknown>);
  return event ? { ok: true, event } : parseWithSchema(raw);
}

/** The schema's verdict alone (what parseOutcomeEvent falls back to). Exported for the tests. */
export function parseWithSchema(raw: unknown): OutcomeEventParse {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "An event must be a JSON object." };
  const parsed = outcomeEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join(".");
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length === 2 ? "" : "s"})` : "";
    return { ok: false, reason: `${where ? `${where} ` : ""}${issue.message}${more}.` };
  }
  return { ok: true, event: recordOf(parsed.data) };
}

function recordOf(e: z.output<typeof outcomeEventSchema>): OutcomeEventRecord {
  return {
    ...e,
    occurredAt: new Date(e.occurredAt),
    armName: e.armName ?? null,
    // The column is whole milliseconds.
    latencyMs: Math.round(e.latencyMs),
  };
}

// --- the fast check --------------------------------------------------------------------------

/** The very pattern z.iso.datetime({ offset: true }) tests with. */
const ISO_TIME_WITH_OFFSET = z.regexes.datetime({ offset: true });
/** Control characters, or any surrogate: text holding one is left to the schema (emoji are fine there). */
const NOT_PLAIN_TEXT = /[\u0000-\u001f\u007f\ud800-\udfff]/;
const KINDS: ReadonlySet<string> = new Set(COMPONENT_KINDS);
const ARMS: ReadonlySet<string> = new Set(OUTCOME_ARMS);

const plainLabel = (v: unknown, max: number): v is string => typeof v === "string" && v.length > 0 && v.length <= max && !NOT_PLAIN_TEXT.test(v);
/** A flag's value, or undefined when it is not a valid flag. */
const flagOf = (v: unknown): boolean | undefined => (v === undefined ? false : typeof v === "boolean" ? v : undefined);
/** An amount's value (0 when omitted and optional), or undefined when it is not valid. */
function amountOf(v: unknown, max: number, integer: boolean, required: boolean): number | undefined {
  if (v === undefined) return required ? undefined : 0;
  return typeof v === "number" && v >= 0 && v <= max && (!integer || Number.isInteger(v)) ? v : undefined;
}

function plainComponentVersions(v: unknown): Record<string, string> | null {
  if (typeof v !== "object" || v === null || Object.getPrototypeOf(v) !== Object.prototype) return null;
  const out: Record<string, string> = {};
  for (const kind of Object.keys(v)) {
    const version = (v as Record<string, unknown>)[kind];
    if (!KINDS.has(kind) || !plainLabel(version, OUTCOME_EVENT_LIMITS.maxLabelLength)) return null;
    out[kind] = version;
  }
  return out;
}

/** The event, when it is plainly valid; null when the schema has to decide. Exported for the tests. */
export function plainValidEvent(e: Record<string, unknown>): OutcomeEventRecord | null {
  const { maxEventIdLength, maxLabelLength, maxCostUsd, maxLatencyMs, maxTokens } = OUTCOME_EVENT_LIMITS;
  const { eventId, occurredAt, releaseId, arm, armName, tenant } = e;
  if (!plainLabel(eventId, maxEventIdLength) || !plainLabel(releaseId, maxLabelLength) || !plainLabel(tenant, maxLabelLength)) return null;
  if (typeof arm !== "string" || !ARMS.has(arm)) return null;
  if (armName != null && !plainLabel(armName, maxLabelLength)) return null;
  if (typeof occurredAt !== "string" || !ISO_TIME_WITH_OFFSET.test(occurredAt)) return null;
  const componentVersions = plainComponentVersions(e.componentVersions);
  if (!componentVersions) return null;
  const resolved = flagOf(e.resolved);
  const policyViolation = flagOf(e.policyViolation);
  const falseRefusal = flagOf(e.falseRefusal);
  const followUp = flagOf(e.followUp);
  const fallback = flagOf(e.fallback);
  const escalated = flagOf(e.escalated);
  const manualCorrection = flagOf(e.manualCorrection);
  const costUsd = amountOf(e.costUsd, maxCostUsd, false, false);
  const latencyMs = amountOf(e.latencyMs, maxLatencyMs, false, true);
  const tokensIn = amountOf(e.tokensIn, maxTokens, true, false);
  const tokensOut = amountOf(e.tokensOut, maxTokens, true, false);
  if (
    resolved === undefined || policyViolation === undefined || falseRefusal === undefined || followUp === undefined ||
    fallback === undefined || escalated === undefined || manualCorrection === undefined ||
    costUsd === undefined || latencyMs === undefined || tokensIn === undefined || tokensOut === undefined
  ) {
    return null;
  }
  return {
    eventId,
    occurredAt: new Date(occurredAt),
    releaseId,
    arm: arm as OutcomeArm,
    armName: armName ?? null,
    tenant,
    componentVersions,
    resolved,
    policyViolation,
    falseRefusal,
    followUp,
    fallback,
    escalated,
    manualCorrection,
    costUsd,
    latencyMs: Math.round(latencyMs),
    tokensIn,
    tokensOut,
  };
}
