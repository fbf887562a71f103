import type { RiskTier } from "@/lib/components/kinds";

/**
 * The gates each risk tier must pass (SPEC §1), as data. The order is the order a reviewer reads
 * them on the checklist and the order they are stored (`gates.position`).
 */

/** The same values as the `gate_type` database enum. */
export const GATE_TYPES = ["security_review", "offline_eval", "offline_smoke", "canary", "rollback_plan"] as const;
export type GateType = (typeof GATE_TYPES)[number];

/** A gate's identity within one revision: its type, or `canary:<percent>` for a canary stage. */
export type GateKey = Exclude<GateType, "canary"> | `canary:${number}`;

export interface RequiredGate {
  key: GateKey;
  type: GateType;
  /** Share of traffic for a canary stage; absent for the other gates. */
  canaryPercent?: number;
  label: string;
  /** What passes it, in the checklist's words. */
  passesWhen: string;
}

const PASSES_WHEN: Record<GateType, string> = {
  security_review: "A security reviewer approves the change request.",
  offline_eval: "Offline evaluation results from CI meet the service's thresholds.",
  offline_smoke: "A smoke run of the offline evaluation meets the service's thresholds.",
  canary: "The canary matches or beats the 7-day baseline on every promotion metric.",
  rollback_plan: "A rollback plan is written and the rollback targets check out.",
};

const LABELS: Record<Exclude<GateType, "canary">, string> = {
  security_review: "Security review",
  offline_eval: "Offline evaluation",
  offline_smoke: "Offline smoke test",
  rollback_plan: "Rollback plan",
};

const gate = (type: Exclude<GateType, "canary">): RequiredGate => ({
  key: type,
  type,
  label: LABELS[type],
  passesWhen: PASSES_WHEN[type],
});

const canary = (percent: number): RequiredGate => ({
  key: `canary:${percent}`,
  type: "canary",
  canaryPercent: percent,
  label: `Canary ${percent}%`,
  passesWhen: PASSES_WHEN.canary,
});

const GATE_LADDERS: Record<RiskTier, readonly RequiredGate[]> = {
  high: [gate("security_review"), gate("offline_eval"), canary(1), canary(5), canary(10), gate("rollback_plan")],
  medium: [gate("offline_eval"), canary(10), canary(25), canary(50)],
  low: [gate("offline_smoke"), canary(10)],
};

/** Every gate the tier requires, in checklist order. Callers get their own copies. */
export function requiredGates(tier: RiskTier): RequiredGate[] {
  return GATE_LADDERS[tier].map((g) => ({ ...g }));
}

/** The canary stages' traffic percents, in rollout order. Promotion to 100% follows the last one. */
export function canaryLadder(tier: RiskTier): number[] {
  return GATE_LADDERS[tier].flatMap((g) => (g.canaryPercent === undefined ? [] : [g.canaryPercent]));
}

/**
 * The gates that must pass before a rollout may start: everything except the canary stages.
 * For high risk that includes the rollback plan, even though the checklist lists it last.
 */
export function preCanaryGates(tier: RiskTier): RequiredGate[] {
  return requiredGates(tier).filter((g) => g.type !== "canary");
}
