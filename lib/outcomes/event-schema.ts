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

/** Validates the shape of one event; the reason names the first problem ("latencyMs must not be negative"). */
export function parseOutcomeEvent(raw: unknown): OutcomeEventParse {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, reason: "An event must be a JSON object." };
  const parsed = outcomeEventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.map(String).join(".");
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem${parsed.error.issues.length === 2 ? "" : "s"})` : "";
    return { ok: false, reason: `${where ? `${where} ` : ""}${issue.message}${more}.` };
  }
  const e = parsed.data;
  return {
    ok: true,
    event: {
      ...e,
      occurredAt: new Date(e.occurredAt),
      armName: e.armName ?? null,
      // The column is whole milliseconds.
      latencyMs: Math.round(e.latencyMs),
    },
  };
}
