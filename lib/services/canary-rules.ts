import { z } from "zod";
import { GUARD_METRIC_IDS, type GuardMetricId } from "@/lib/canary/metrics";
import type { ServiceSettings } from "./settings";

/**
 * The canary rules of a service as an admin edits them (Settings → service → Canary rules): the
 * promotion rule's four thresholds, the guard metrics' thresholds, the stage minimums and whether
 * passing stages advance by themselves. In the form's units — percentage points and percent —
 * converted to the stored fractions by `applyCanaryRules`. Pure.
 */

/** A form number: "" is absent, anything else must be a number in range. */
const formNumber = (label: string, min: number, max: number, integer = false) =>
  z.preprocess(
    (v) => (typeof v === "string" ? (v.trim() === "" ? undefined : Number(v.trim())) : v),
    (integer ? z.number({ message: `${label} must be a whole number` }).int(`${label} must be a whole number`) : z.number({ message: `${label} must be a number` }))
      .min(min, `${label} must be at least ${min}`)
      .max(max, `${label} must be at most ${max}`),
  );
const optionalFormNumber = (label: string, min: number, max: number) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), formNumber(label, min, max).optional());

export const GUARD_FIELD: Record<GuardMetricId, string> = {
  false_refusal_rate: "guardFalseRefusalPp",
  follow_up_rate: "guardFollowUpPp",
  fallback_rate: "guardFallbackPp",
  escalation_rate: "guardEscalationPp",
  manual_correction_rate: "guardManualCorrectionPp",
};

export const canaryRulesSchema = z.object({
  serviceId: z.string().uuid(),
  /** The settings revision the form was loaded with (compare-and-swap). */
  expectedRevision: z.string().regex(/^[0-9a-f]{64}$/, "Reload the page"),
  canaryAdvance: z.enum(["automatic", "manual"], { message: "Choose automatic or manual" }),
  minStageMinutes: formNumber("Minimum stage duration", 1, 1440, true),
  minStageRequests: formNumber("Minimum canary requests", 50, 10_000_000, true),
  resolvedRateMaxDropPp: formNumber("Resolved rate drop", 0, 50),
  policyViolationMaxIncreasePp: formNumber("Policy violation increase", 0, 50),
  costPerResolvedMaxIncreasePct: formNumber("Cost per resolved request increase", 0, 500),
  p95LatencyMaxIncreasePct: formNumber("p95 latency increase", 0, 500),
  guardFalseRefusalPp: optionalFormNumber("False refusal threshold", 0, 100),
  guardFollowUpPp: optionalFormNumber("Follow-up threshold", 0, 100),
  guardFallbackPp: optionalFormNumber("Fallback threshold", 0, 100),
  guardEscalationPp: optionalFormNumber("Escalation threshold", 0, 100),
  guardManualCorrectionPp: optionalFormNumber("Manual correction threshold", 0, 100),
});

export type CanaryRulesInput = z.output<typeof canaryRulesSchema>;

/** Percentage points (form) ↔ fractions (stored), without float dust: 2 pp → 0.02, not 0.020000000000000004. */
const fromPp = (pp: number) => Math.round(pp * 1e7) / 1e9;
export const toPp = (fraction: number) => Math.round(fraction * 1e9) / 1e7;

/** The service's settings with these canary rules; everything else untouched. */
export function applyCanaryRules(settings: ServiceSettings, input: CanaryRulesInput): ServiceSettings {
  const guardThresholds: Partial<Record<GuardMetricId, number>> = {};
  for (const id of GUARD_METRIC_IDS) {
    const value = input[GUARD_FIELD[id] as keyof CanaryRulesInput] as number | undefined;
    if (value !== undefined) guardThresholds[id] = fromPp(value);
  }
  return {
    ...settings,
    canaryAdvance: input.canaryAdvance,
    promotion: {
      resolvedRateMaxDropPp: input.resolvedRateMaxDropPp,
      policyViolationMaxIncrease: fromPp(input.policyViolationMaxIncreasePp),
      costPerResolvedMaxIncreasePct: input.costPerResolvedMaxIncreasePct,
      p95LatencyMaxIncreasePct: input.p95LatencyMaxIncreasePct,
    },
    canary: { ...settings.canary, minStageMinutes: input.minStageMinutes, minStageRequests: input.minStageRequests, guardThresholds },
  };
}
