import {
  COMPONENT_KIND_CATALOGUE,
  type ComponentKind,
  type ComponentKindInfo,
  type RiskTier,
} from "@/lib/components/kinds";
import type { ServiceSettings } from "@/lib/services/settings";

/**
 * The risk classifier (SPEC §1). Every rule comes from the component-kind catalogue:
 *   - a kind contributes its `defaultRisk` ("policy changes are high risk",
 *     "retrieval or routing → medium");
 *   - when the change touches a sensitive domain and the kind's `sensitiveDomainRisk` is higher,
 *     it contributes that instead ("retrieval touching payment → high", "prompt touching payment
 *     → medium");
 *   - a declared security impact is high on its own.
 * The tier is the highest that fired; the reasons list every rule that raised it, most severe
 * first. Low gets a reason of its own so a reviewer never sees an empty explanation.
 */

export const RISK_TIERS = ["low", "medium", "high"] as const satisfies readonly RiskTier[];

const RANK: Record<RiskTier, number> = { low: 0, medium: 1, high: 2 };

export function compareTiers(a: RiskTier, b: RiskTier): number {
  return RANK[a] - RANK[b];
}

export function maxTier(...tiers: RiskTier[]): RiskTier {
  return tiers.reduce<RiskTier>((max, t) => (RANK[t] > RANK[max] ? t : max), "low");
}

export interface RiskInput {
  components: readonly { kind: ComponentKind }[];
  touchedDomains: readonly string[];
  securityImpact: boolean;
}

export interface RiskAssessment {
  tier: RiskTier;
  /** Every rule that fired, in the words shown to reviewers, most severe first. */
  reasons: string[];
}

/** Domains compare trimmed and case-insensitively: " Payment" is "payment". */
export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase();
}

/** The touched domains that are sensitive for this service, normalized, once each, in touched order. */
export function sensitiveDomainsTouched(touched: readonly string[], sensitive: readonly string[]): string[] {
  const sensitiveSet = new Set(sensitive.map(normalizeDomain).filter(Boolean));
  const hits = touched.map(normalizeDomain).filter((d) => d && sensitiveSet.has(d));
  return [...new Set(hits)];
}

export interface ComponentRisk {
  kind: ComponentKind;
  tier: RiskTier;
  /** True when a sensitive domain raised this kind above its default risk. */
  raisedBySensitiveDomain: boolean;
}

/** The risk one component kind carries in a change touching these sensitive domains. */
export function componentRisk(
  info: ComponentKindInfo,
  sensitiveTouched: readonly string[],
): ComponentRisk {
  const raised = sensitiveTouched.length > 0 && compareTiers(info.sensitiveDomainRisk, info.defaultRisk) > 0;
  return {
    kind: info.kind,
    tier: raised ? info.sensitiveDomainRisk : info.defaultRisk,
    raisedBySensitiveDomain: raised,
  };
}

export function classifyRisk(
  change: RiskInput,
  settings: Pick<ServiceSettings, "sensitiveDomains">,
  /** Injectable so tests can prove no kind name is hard-coded here. */
  catalogue: readonly ComponentKindInfo[] = COMPONENT_KIND_CATALOGUE,
): RiskAssessment {
  const sensitive = sensitiveDomainsTouched(change.touchedDomains, settings.sensitiveDomains);
  const kinds = [...new Set(change.components.map((c) => c.kind))];
  const fired: { tier: RiskTier; reason: string }[] = [];
  const lowKinds: ComponentKindInfo[] = [];

  for (const kind of kinds) {
    const info = catalogue.find((k) => k.kind === kind);
    if (!info) throw new Error(`Unknown component kind: ${kind}`);
    const risk = componentRisk(info, sensitive);
    const noun = info.label.toLowerCase();
    if (risk.raisedBySensitiveDomain) {
      fired.push({
        tier: risk.tier,
        reason: `${info.label} touches the sensitive ${domainList(sensitive)} (${noun} changes in a sensitive domain are ${risk.tier} risk)`,
      });
    } else if (risk.tier !== "low") {
      fired.push({ tier: risk.tier, reason: `Changes the ${noun} component (${noun} changes are ${risk.tier} risk)` });
    } else {
      lowKinds.push(info);
    }
  }

  if (change.securityImpact) {
    fired.push({ tier: "high", reason: "Declares a security impact (changes with a security impact are high risk)" });
  }

  if (fired.length === 0) return { tier: "low", reasons: [lowReason(lowKinds, sensitive)] };

  // Stable sort: most severe first, otherwise in the order the change lists its components.
  fired.sort((a, b) => compareTiers(b.tier, a.tier));
  return { tier: maxTier(...fired.map((f) => f.tier)), reasons: fired.map((f) => f.reason) };
}

function lowReason(kinds: readonly ComponentKindInfo[], sensitive: readonly string[]): string {
  if (kinds.length === 0) return "Changes no component yet (low risk)";
  const names = joinWords(kinds.map((k) => k.label.toLowerCase()));
  const one = kinds.length === 1;
  const subject = `Only the ${names} ${one ? "changes" : "change"}`;
  if (sensitive.length === 0) return `${subject}, and ${one ? "it touches" : "they touch"} no sensitive domain (low risk)`;
  return `${subject}; touching the sensitive ${domainList(sensitive)} does not raise ${one ? "its" : "their"} risk (low risk)`;
}

function domainList(domains: readonly string[]): string {
  const quoted = domains.map((d) => `"${d}"`);
  return domains.length === 1 ? `domain ${quoted[0]}` : `domains ${joinWords(quoted)}`;
}

/** "a", "a and b", "a, b and c" (or "a, b or c"). */
export function joinWords(words: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} ${conjunction} ${words[words.length - 1]}`;
}
