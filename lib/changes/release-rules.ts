import { may, refusal, type Role } from "@/lib/auth/permissions";
import { COMPONENT_KIND_CATALOGUE, type ComponentKind, type ComponentKindInfo, type RiskTier } from "@/lib/components/kinds";
import { deployWindowStatus, type DeployWindowStatus } from "@/lib/releases/deploy-window";
import type { ServiceSettings } from "@/lib/services/settings";
import { componentRisk, joinWords, sensitiveDomainsTouched } from "./risk";

/**
 * The release rules (SPEC §1). Each check returns ok, or the rule it broke and the sentence the
 * user sees; the gate refuses with that sentence.
 */

export const MAX_COMPONENTS_PER_CHANGE = 2;
export const MAX_HIGH_RISK_KINDS_PER_RELEASE = 1;
/** Tiers whose rollouts may start only inside the deploy window. */
export const WINDOW_BOUND_TIERS: readonly RiskTier[] = ["high"];
export const EMERGENCY_REASON_MIN_LENGTH = 10;

export type ReleaseRule =
  | "component_count"
  | "duplicate_kind"
  | "high_risk_kinds"
  | "rollout_in_flight"
  | "deploy_window"
  | "emergency_override";

export type RuleCheck = { ok: true } | { ok: false; rule: ReleaseRule; message: string };

const OK: RuleCheck = { ok: true };

export function checkComponentCount(count: number): RuleCheck {
  if (count < 1) {
    return { ok: false, rule: "component_count", message: "A change request must change at least one component." };
  }
  if (count > MAX_COMPONENTS_PER_CHANGE) {
    return {
      ok: false,
      rule: "component_count",
      message: `A change request can change at most ${MAX_COMPONENTS_PER_CHANGE} components; this one changes ${count}.`,
    };
  }
  return OK;
}

/** A release holds one version per kind, so a change request moves each kind at most once. */
export function checkDistinctKinds(kinds: readonly ComponentKind[], catalogue: readonly ComponentKindInfo[] = COMPONENT_KIND_CATALOGUE): RuleCheck {
  const repeated = [...new Set(kinds.filter((k, i) => kinds.indexOf(k) !== i))];
  if (repeated.length === 0) return OK;
  const names = repeated.map((k) => `the ${labelOf(k, catalogue).toLowerCase()}`);
  return {
    ok: false,
    rule: "duplicate_kind",
    message: `A change request changes each component once; this one changes ${joinWords(names)} more than once.`,
  };
}

/**
 * At most one high-risk component kind per release. A kind counts as high-risk with the same
 * rule the classifier uses: its catalogue risk, raised to its sensitive-domain risk when the
 * change touches one of the service's sensitive domains. So policy + retrieval is allowed, but
 * policy + retrieval touching "payment" is two high-risk kinds and is refused.
 */
export function checkHighRiskKinds(
  change: { kinds: readonly ComponentKind[]; touchedDomains: readonly string[] },
  settings: Pick<ServiceSettings, "sensitiveDomains">,
  catalogue: readonly ComponentKindInfo[] = COMPONENT_KIND_CATALOGUE,
): RuleCheck {
  const sensitive = sensitiveDomainsTouched(change.touchedDomains, settings.sensitiveDomains);
  const highRisk = [...new Set(change.kinds)].flatMap((kind) => {
    const info = catalogue.find((k) => k.kind === kind);
    if (!info) throw new Error(`Unknown component kind: ${kind}`);
    const risk = componentRisk(info, sensitive);
    if (risk.tier !== "high") return [];
    const name = info.label.toLowerCase();
    return [risk.raisedBySensitiveDomain ? `${name} (in the sensitive ${sensitive.length === 1 ? "domain" : "domains"} ${joinWords(sensitive.map((d) => `"${d}"`))})` : name];
  });
  if (highRisk.length <= MAX_HIGH_RISK_KINDS_PER_RELEASE) return OK;
  return {
    ok: false,
    rule: "high_risk_kinds",
    message: `A release can change at most one high-risk component; this one changes ${highRisk.length}: ${joinWords(highRisk)}. Split it into separate change requests.`,
  };
}

/**
 * One rollout in flight per service. The caller lists the service's change requests that are
 * rolling out or paused (a paused rollout still holds its canary slot).
 */
export function checkOneRolloutInFlight(input: { serviceRolloutsInFlight: readonly { crNumber: number }[] }): RuleCheck {
  const inFlight = input.serviceRolloutsInFlight.map((r) => `CR-${r.crNumber}`);
  if (inFlight.length === 0) return OK;
  const subject = inFlight.length === 1 ? `${inFlight[0]} is` : `${joinWords(inFlight)} are`;
  return {
    ok: false,
    rule: "rollout_in_flight",
    message: `${subject} already rolling out on this service. One rollout at a time: promote, roll back or cancel it before starting another.`,
  };
}

export type RolloutStartCheck =
  | {
      ok: true;
      /** Always the first canary stage: an emergency shortens the wait, never the canary. */
      startStage: 0;
      /** True when the deploy-window override was used. */
      emergency: boolean;
      window: DeployWindowStatus;
    }
  | { ok: false; rule: "deploy_window" | "emergency_override"; message: string; window: DeployWindowStatus };

/**
 * May this change request's rollout start now? High-risk rollouts need the deploy window open
 * (and no holiday); outside it only an operator's emergency override with a stated reason lets
 * them through. Every rollout starts at stage 0. An override offered when it is not needed is not
 * used (`emergency: false`), so the audit log does not record emergencies that were not.
 */
export function checkRolloutStart(input: {
  tier: RiskTier;
  now: Date;
  service: { timeZone: string; settings: Pick<ServiceSettings, "deployWindow" | "holidays"> };
  emergency?: { reason: string; actorRole: Role };
}): RolloutStartCheck {
  const window = deployWindowStatus({
    now: input.now,
    timeZone: input.service.timeZone,
    window: input.service.settings.deployWindow,
    holidays: input.service.settings.holidays,
  });
  if (!WINDOW_BOUND_TIERS.includes(input.tier) || window.open) {
    return { ok: true, startStage: 0, emergency: false, window };
  }

  const { emergency } = input;
  if (!emergency) {
    return {
      ok: false,
      rule: "deploy_window",
      message: `${window.reason} High-risk rollouts start only inside the deploy window; in an emergency, an on-call operator can override it with a reason (the first canary stage still runs).`,
      window,
    };
  }
  if (!may(emergency.actorRole, "release.emergencyOverride")) {
    return { ok: false, rule: "emergency_override", message: refusal(emergency.actorRole, "release.emergencyOverride"), window };
  }
  if (emergency.reason.trim().length < EMERGENCY_REASON_MIN_LENGTH) {
    return {
      ok: false,
      rule: "emergency_override",
      message: `Say why this cannot wait for the deploy window: the emergency reason needs at least ${EMERGENCY_REASON_MIN_LENGTH} characters.`,
      window,
    };
  }
  return { ok: true, startStage: 0, emergency: true, window };
}

function labelOf(kind: ComponentKind, catalogue: readonly ComponentKindInfo[]): string {
  return catalogue.find((k) => k.kind === kind)?.label ?? kind;
}
