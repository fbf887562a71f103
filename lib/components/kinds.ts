/**
 * The component kinds (SPEC §1). This list is the single source: the database table
 * `component_kinds` is filled from it, and code asks it rather than testing kind names.
 */
export const COMPONENT_KINDS = ["prompt", "retrieval", "policy", "tool_permission", "routing"] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];
export type RiskTier = "low" | "medium" | "high";

export interface ComponentKindInfo {
  kind: ComponentKind;
  label: string;
  governs: string;
  defaultRisk: RiskTier;
  sensitiveDomainRisk: RiskTier;
  strategy: string;
  sortOrder: number;
  /** How a version's content is best compared: prompt text diff or structural JSON diff. */
  diffStyle: "text" | "structural";
}

export const COMPONENT_KIND_CATALOGUE: readonly ComponentKindInfo[] = [
  {
    kind: "prompt",
    label: "Prompt",
    governs: "Response style and tone",
    defaultRisk: "low",
    sensitiveDomainRisk: "medium",
    strategy: "Small canary + quality gate",
    sortOrder: 1,
    diffStyle: "text",
  },
  {
    kind: "retrieval",
    label: "Retrieval",
    governs: "Evidence and recency (top-k, index snapshot)",
    defaultRisk: "medium",
    sensitiveDomainRisk: "high",
    strategy: "Stage by domain",
    sortOrder: 2,
    diffStyle: "structural",
  },
  {
    kind: "policy",
    label: "Policy",
    governs: "What is allowed or blocked",
    defaultRisk: "high",
    sensitiveDomainRisk: "high",
    strategy: "Approval required, gradual expansion",
    sortOrder: 3,
    diffStyle: "structural",
  },
  {
    kind: "tool_permission",
    label: "Tool permissions",
    governs: "What actions the assistant can execute",
    defaultRisk: "high",
    sensitiveDomainRisk: "high",
    strategy: "Sandbox verification + limited canary",
    sortOrder: 4,
    diffStyle: "structural",
  },
  {
    kind: "routing",
    label: "Routing",
    governs: "Model choice: cost, quality, latency",
    defaultRisk: "medium",
    sensitiveDomainRisk: "medium",
    strategy: "Traffic-split experiment",
    sortOrder: 5,
    diffStyle: "structural",
  },
];

export function isComponentKind(value: string): value is ComponentKind {
  return (COMPONENT_KINDS as readonly string[]).includes(value);
}

export function kindInfo(kind: ComponentKind): ComponentKindInfo {
  const info = COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind);
  if (!info) throw new Error(`Unknown component kind: ${kind}`);
  return info;
}
