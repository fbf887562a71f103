import type { VersionSpec } from "../types";
import { INCIDENT_PROMPT_TEXT as TEXT } from "./incident-prompts";

/** Moments the incident copilot's versions are pinned to (set by its scenario). */
export interface IncidentVersionTimes {
  ago: (days: number, hours?: number) => Date;
  /** Index snapshot name as of `daysAgo` days back, e.g. "runbooks-2026-11-01". */
  snapshot: (daysAgo: number) => string;
  route3: Date;
  prompt220: Date;
  tools5: Date;
  policy6: Date;
  retrieval4: Date;
}

const LIMITS = [
  "Sees only the dashboards and logs exported to <context>; it cannot browse Grafana itself.",
  "Postmortems before 2025 are not indexed.",
];

const ruleset = (extra: { id: string; description: string; action: string; categories: string[] }[]) => ({
  rules: [
    { id: "block-prod-writes", description: "Never execute a production-changing command; propose it for a human", action: "block", categories: ["prod_write"] },
    { id: "redact-secrets", description: "Redact tokens, passwords and private keys found in logs", action: "redact", categories: ["secrets"] },
    { id: "escalate-security-incident", description: "Page security on-call when symptoms suggest a breach", action: "escalate", categories: ["security_incident"] },
    ...extra,
  ],
  defaultAction: "allow",
  refusalMessage: "That action needs a human on the incident: I've written the exact command and its rollback below.",
});

const tools = (opts: { flags: boolean; statusPage: boolean; restart: "none" | "sandbox" | "prod" }) => ({
  tools: [
    { name: "query_metrics", allowed: true, sandboxOnly: false },
    { name: "search_logs", allowed: true, sandboxOnly: false },
    { name: "get_deploys", allowed: true, sandboxOnly: false },
    ...(opts.flags ? [{ name: "get_feature_flags", allowed: true, sandboxOnly: false }] : []),
    { name: "page_team", allowed: true, approvalThreshold: 2, sandboxOnly: false },
    ...(opts.statusPage ? [{ name: "post_status_update", allowed: true, approvalThreshold: 0, sandboxOnly: false }] : []),
    ...(opts.restart === "none" ? [] : [{ name: "restart_pods", allowed: true, approvalThreshold: opts.restart === "prod" ? 0 : 1, sandboxOnly: opts.restart === "sandbox" }]),
    { name: "rollback_deploy", allowed: false, sandboxOnly: false },
  ],
  maxCallsPerConversation: 25,
});

export function incidentVersions(t: IncidentVersionTimes): VersionSpec[] {
  const prompt = (label: keyof typeof TEXT, extra: Record<string, unknown>) => ({ instructions: TEXT[label], ...extra });
  return [
    {
      kind: "prompt", label: "copilot-v2.0.0", author: "operator", at: t.ago(71, 4),
      notes: "Copilot 2.0: summaries, next steps and customer status drafts.",
      content: prompt("copilot-v2.0.0", { modelFamily: "gpt-4.1", temperature: 0.2, toolSchemaVersion: "2026-07", assumedRetrieval: { topK: 8, indexSnapshot: t.snapshot(72) }, knownLimitations: LIMITS }),
    },
    {
      kind: "prompt", label: "copilot-v2.1.0", author: "operator", at: t.ago(52, 2),
      notes: "Keeps a UTC timeline and drafts the postmortem skeleton.",
      content: prompt("copilot-v2.1.0", { modelFamily: "gpt-4.1", temperature: 0.2, toolSchemaVersion: "2026-09", assumedRetrieval: { topK: 8, indexSnapshot: t.snapshot(53) }, knownLimitations: LIMITS }),
    },
    {
      kind: "prompt", label: "copilot-v2.2.0", author: "operator", at: t.prompt220,
      notes: "Confidence on every hypothesis, matching past postmortems, safest-first remediation, status template.",
      content: prompt("copilot-v2.2.0", { modelFamily: "gpt-4.1", temperature: 0.15, toolSchemaVersion: "2026-10", assumedRetrieval: { topK: 8, indexSnapshot: t.snapshot(53) }, knownLimitations: [...LIMITS, "Confidence labels are the model's own estimate, not calibrated probabilities."] }),
    },
    {
      kind: "retrieval", label: "ret-v2", author: "reviewer", at: t.ago(75, 1),
      notes: "Runbooks and alert descriptions.",
      content: { indexSnapshot: t.snapshot(76), topK: 6, minScore: 0.5, domains: ["runbooks", "alerts"], sources: [{ name: "runbooks", weight: 0.7 }, { name: "alert-catalog", weight: 0.3 }] },
    },
    {
      kind: "retrieval", label: "ret-v3", author: "reviewer", at: t.ago(54, 3),
      notes: "Adds postmortems from the last 18 months.",
      content: { indexSnapshot: t.snapshot(53), topK: 8, minScore: 0.55, maxAgeDays: 540, reranker: "bge-reranker-v2-m3", domains: ["runbooks", "alerts", "postmortems"], sources: [{ name: "runbooks", weight: 0.5 }, { name: "postmortems", weight: 0.3 }, { name: "alert-catalog", weight: 0.2 }] },
    },
    {
      kind: "retrieval", label: "ret-v4", author: "author", at: t.retrieval4,
      notes: "Vendor status pages (cloud provider, payment processor) as a low-weight source.",
      content: { indexSnapshot: t.snapshot(3), topK: 10, minScore: 0.55, maxAgeDays: 540, reranker: "bge-reranker-v2-m3", domains: ["runbooks", "alerts", "postmortems", "vendor-status"], sources: [{ name: "runbooks", weight: 0.45 }, { name: "postmortems", weight: 0.3 }, { name: "alert-catalog", weight: 0.15 }, { name: "vendor-status", weight: 0.1 }] },
    },
    {
      kind: "policy", label: "ops-sec-v4", author: "security", at: t.ago(82, 2),
      notes: "Baseline: no production writes, secrets redacted.",
      content: ruleset([]),
    },
    {
      kind: "policy", label: "ops-sec-v5", author: "security", at: t.ago(56, 5),
      notes: "Status updates may not name customers.",
      content: ruleset([{ id: "block-customer-names-in-status", description: "Public status updates never name a customer or tenant", action: "block", categories: ["customer_data"] }]),
    },
    {
      kind: "policy", label: "ops-sec-v6", author: "reviewer", at: t.policy6,
      notes: "Redacts customer identifiers (emails, account ids) from timelines and postmortem drafts.",
      content: ruleset([
        { id: "block-customer-names-in-status", description: "Public status updates never name a customer or tenant", action: "block", categories: ["customer_data"] },
        { id: "redact-customer-identifiers", description: "Redact customer emails and account ids in timelines and postmortem drafts", action: "redact", categories: ["customer_data", "pii"] },
      ]),
    },
    {
      kind: "tool_permission", label: "tools-v3", author: "operator", at: t.ago(79, 3),
      notes: "Read-only tools and paging.",
      content: tools({ flags: false, statusPage: false, restart: "none" }),
    },
    {
      kind: "tool_permission", label: "tools-v4", author: "operator", at: t.ago(53, 1),
      notes: "Feature-flag reads; status updates after the commander approves the text.",
      content: tools({ flags: true, statusPage: true, restart: "none" }),
    },
    {
      kind: "tool_permission", label: "tools-v5", author: "operator", at: t.tools5,
      notes: "restart_pods for known crash loops, including production, without a second approval.",
      content: tools({ flags: true, statusPage: true, restart: "prod" }),
    },
    {
      kind: "routing", label: "route-v1", author: "reviewer", at: t.ago(73, 2),
      notes: "gpt-4.1 only.",
      content: { routes: [{ name: "primary", model: "gpt-4.1", weight: 1, maxLatencyMs: 15000 }], fallbackRoute: "primary" },
    },
    {
      kind: "routing", label: "route-v2", author: "reviewer", at: t.ago(51, 6),
      notes: "Summaries on gpt-4.1-mini, reasoning on gpt-4.1.",
      content: { routes: [{ name: "reasoning", model: "gpt-4.1", weight: 0.6, maxLatencyMs: 15000 }, { name: "summaries", model: "gpt-4.1-mini", weight: 0.4, maxLatencyMs: 6000 }], fallbackRoute: "reasoning" },
    },
    {
      kind: "routing", label: "route-v3", author: "reviewer", at: t.route3,
      notes: "Diagnostic reasoning on o4-mini for better hypotheses.",
      content: { routes: [{ name: "reasoning", model: "o4-mini", weight: 0.6, maxLatencyMs: 20000 }, { name: "summaries", model: "gpt-4.1-mini", weight: 0.4, maxLatencyMs: 6000 }], fallbackRoute: "summaries" },
    },
  ];
}
