import { z } from "zod";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use 24-hour HH:MM, e.g. 09:00");
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use YYYY-MM-DD");

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
  offlineEval: z
    .object({
      /** Minimum pass rate for offline_eval / offline_smoke. */
      minPassRate: z.number().min(0).max(1).default(0.9),
      maxRegressions: z.number().int().min(0).default(5),
    })
    .default({ minPassRate: 0.9, maxRegressions: 5 }),
  /** Advance canary stages automatically when the verdict passes, or wait for an operator. */
  canaryAdvance: z.enum(["automatic", "manual"]).default("automatic"),
});

export type ServiceSettings = z.infer<typeof serviceSettingsSchema>;

export function defaultServiceSettings(): ServiceSettings {
  return serviceSettingsSchema.parse({});
}
