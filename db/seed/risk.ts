import { kindInfo, type ComponentKind, type RiskTier } from "@/lib/components/kinds";
import type { GateKey } from "./types";

/**
 * The SPEC §1 risk rules and gate ladders, as the demo needs them to write believable change
 * requests. The product's own classifier decides live change requests; this mirrors the same
 * table (via the component-kind catalogue) so seeded tiers and gates agree with it.
 */

const ORDER: Record<RiskTier, number> = { low: 0, medium: 1, high: 2 };

export function classifyDemoRisk(input: {
  kinds: readonly ComponentKind[];
  touchedDomains: readonly string[];
  securityImpact: boolean;
  sensitiveDomains: readonly string[];
}): { tier: RiskTier; reasons: string[] } {
  const sensitive = input.touchedDomains.filter((d) => input.sensitiveDomains.includes(d));
  let tier: RiskTier = "low";
  const reasons: string[] = [];
  const raise = (to: RiskTier, reason: string) => {
    if (ORDER[to] > ORDER[tier]) tier = to;
    reasons.push(reason);
  };
  for (const kind of input.kinds) {
    const info = kindInfo(kind);
    if (sensitive.length > 0 && ORDER[info.sensitiveDomainRisk] > ORDER[info.defaultRisk]) {
      raise(
        info.sensitiveDomainRisk,
        `${info.label} change touches a sensitive domain (${sensitive.join(", ")}): ${info.sensitiveDomainRisk} risk`,
      );
    } else {
      raise(info.defaultRisk, `${info.label} change (${info.governs.toLowerCase()}): ${info.defaultRisk} risk by default`);
    }
  }
  if (input.securityImpact) raise("high", "The author declared a security impact: high risk");
  return { tier, reasons };
}

export interface DemoGate {
  key: GateKey;
  type: "security_review" | "offline_eval" | "offline_smoke" | "canary" | "rollback_plan";
  canaryPercent: number | null;
}

const canary = (percent: number): DemoGate => ({ key: `canary:${percent}`, type: "canary", canaryPercent: percent });

export const DEMO_GATE_LADDERS: Record<RiskTier, readonly DemoGate[]> = {
  high: [
    { key: "security_review", type: "security_review", canaryPercent: null },
    { key: "offline_eval", type: "offline_eval", canaryPercent: null },
    canary(1),
    canary(5),
    canary(10),
    { key: "rollback_plan", type: "rollback_plan", canaryPercent: null },
  ],
  medium: [{ key: "offline_eval", type: "offline_eval", canaryPercent: null }, canary(10), canary(25), canary(50)],
  low: [{ key: "offline_smoke", type: "offline_smoke", canaryPercent: null }, canary(10)],
};
