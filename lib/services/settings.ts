import { z } from "zod";
import { GUARD_METRIC_IDS, type GuardMetricId } from "@/lib/canary/metrics";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use 24-hour HH:MM, e.g. 09:00");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD");

/** Canary analysis defaults (documented on `canary` below). */
export const CANARY_DEFAULTS: Readonly<{
  minStageMinutes: number;
  minStageRequests: number;
  alpha: number;
  tuningSamples: number;
  minFailEvidenceRequests: number;
  guardThresholds: Readonly<Partial<Record<GuardMetricId, number>>>;
}> = Object.freeze({
  minStageMinutes: 30,
  minStageRequests: 1000,
  alpha: 0.05,
  tuningSamples: 1000,
  minFailEvidenceRequests: 200,
  guardThresholds: Object.freeze({ false_refusal_rate: 0.02, escalation_rate: 0.02 }),
});

/** Per-service settings (SPEC §1 and §3 defaults). Stored as JSON on the service row. */
export const serviceSettingsSchema = z.object({
  sensitiveDomains: z.array(z.string().min(1)).default(["payment", "medical", "legal", "security"]),
  deployWindow: z
    .object({
      /** ISO weekdays, 1 = Monday … 7 = Sunday. */
      days: z.array(z.number().int().min(1).max(7)).min(1),
      start: hhmm,
      end: hhmm,
    })
    .default({ days: [1, 2, 3, 4], start: "09:00", end: "16:00" }),
  holidays: z.array(z.object({ date: isoDate, name: z.string().min(1) })).default([]),
  promotion: z
    .object({
      /** resolved_rate may drop at most this many percentage points. */
      resolvedRateMaxDropPp: z.number().min(0).default(1),
      /** policy_violation_rate may rise by at most this much (0 = no increase). */
      policyViolationMaxIncrease: z.number().min(0).default(0),
      costPerResolvedMaxIncreasePct: z.number().min(0).default(10),
      p95LatencyMaxIncreasePct: z.number().min(0).default(15),
    })
    .default({
      resolvedRateMaxDropPp: 1,
      policyViolationMaxIncrease: 0,
      costPerResolvedMaxIncreasePct: 10,
      p95LatencyMaxIncreasePct: 15,
    }),
  /**
   * Canary analysis (SPEC §3; the judge is lib/canary/analysis.ts). A stage is judged only after
   * both minimums; a fail may fire earlier, once `minFailEvidenceRequests` canary requests show
   * a regression beyond its threshold with (1 − alpha) always-valid confidence.
   */
  canary: z
    .object({
      minStageMinutes: z.number().min(0).default(CANARY_DEFAULTS.minStageMinutes),
      /** Canary requests a stage needs before it can pass. */
      minStageRequests: z.number().int().min(1).default(CANARY_DEFAULTS.minStageRequests),
      /** Error rate of the always-valid confidence sequences (0.05 → 95% intervals). */
      alpha: z.number().gt(0).max(0.5).default(CANARY_DEFAULTS.alpha),
      /** n0 of the normal mixture: the canary sample size at which the test is most sensitive. */
      tuningSamples: z.number().gt(0).default(CANARY_DEFAULTS.tuningSamples),
      /** Canary requests needed before a fail can fire (before the stage minimum). */
      minFailEvidenceRequests: z.number().int().min(1).default(CANARY_DEFAULTS.minFailEvidenceRequests),
      /**
       * Guard metrics that judge: the largest allowed absolute increase of the rate (0.02 = 2
       * percentage points). Guards not listed are shown for information only. Defaults: false
       * refusals and escalations, the two guards users and support staff feel directly.
       */
      guardThresholds: z
        .partialRecord(z.enum(GUARD_METRIC_IDS), z.number().min(0).max(1))
        .default(() => ({ ...CANARY_DEFAULTS.guardThresholds })),
    })
    .default(() => ({ ...CANARY_DEFAULTS, guardThresholds: { ...CANARY_DEFAULTS.guardThresholds } })),
  offlineEval: z
    .object({
      /** Minimum pass rate for offline_eval / offline_smoke. */
      minPassRate: z.number().min(0).max(1).default(0.9),
      maxRegressions: z.number().int().min(0).default(5),
    })
    .default({ minPassRate: 0.9, maxRegressions: 5 }),
  /**
   * Days raw outcome events are kept (their daily partitions are then dropped; rollups are kept).
   * Events older than this are refused at ingestion.
   */
  outcomeRetentionDays: z.number().int().min(1).max(365).default(30),
  /** Advance canary stages automatically when the verdict passes, or wait for an operator. */
  canaryAdvance: z.enum(["automatic", "manual"]).default("automatic"),
});

export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;
export type CanarySettings = ServiceSettings["canary"];

export function defaultServiceSettings(): ServiceSettings {
  return serviceSettingsSchema.parse({});
}
