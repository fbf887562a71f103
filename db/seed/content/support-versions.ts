import type { VersionSpec } from "../types";
import { SUPPORT_PROMPT_TEXT as TEXT } from "./support-prompts";

/** Moments the support assistant's versions are pinned to (set by its scenario). */
export interface SupportVersionTimes {
  ago: (days: number, hours?: number) => Date;
  /** Index snapshot name as of `daysAgo` days back, e.g. "kb-2026-11-14". */
  kb: (daysAgo: number) => string;
  prompt810: Date;
  policy13: Date;
  retrievalRc1: Date;
  retrieval4: Date;
  prompt820: Date;
  tools7: Date;
  draft: Date;
}

const LIMITS_V8 = [
  "Cannot see orders older than 24 months (lookup_order returns nothing).",
  "Answers in the customer's language, but the knowledge base is English and German only.",
];

const sources = (help: number, macros: number, catalog: number, billing?: number) => [
  { name: "help-center", weight: help },
  { name: "agent-macros", weight: macros },
  { name: "product-catalog", weight: catalog },
  ...(billing === undefined ? [] : [{ name: "billing-policies", weight: billing }]),
];

const baseRules = [
  { id: "redact-card-data", description: "Redact card numbers, CVC and expiry dates from input and output", action: "redact", categories: ["pci"] },
  { id: "escalate-self-harm", description: "Hand off to a trained human when a customer mentions self-harm", action: "escalate", categories: ["self_harm"] },
  { id: "block-legal-advice", description: "Do not give legal advice; point to terms and offer an agent", action: "block", categories: ["legal_advice"] },
  { id: "block-other-customer-data", description: "Never disclose another customer's orders or personal data", action: "block", categories: ["privacy", "account_takeover"] },
] as const;

const rulesV12 = [
  ...baseRules,
  { id: "redact-bank-details", description: "Redact IBANs and account numbers", action: "redact", categories: ["pci", "banking"] },
  { id: "escalate-chargeback", description: "Escalate when the customer threatens a chargeback or legal action", action: "escalate", categories: ["chargeback", "legal_threat"] },
] as const;

const refusal = "I can't help with that here, but a member of our support team can. Would you like me to connect you?";

const tools = (opts: { refundThreshold: number; paymentStatus: boolean; storeCredit: boolean }) => [
  { name: "lookup_order", allowed: true, sandboxOnly: false },
  ...(opts.paymentStatus ? [{ name: "get_payment_status", allowed: true, sandboxOnly: false }] : []),
  { name: "create_ticket", allowed: true, sandboxOnly: false },
  { name: "update_shipping_address", allowed: true, approvalThreshold: 0, sandboxOnly: false },
  { name: "issue_refund", allowed: true, approvalThreshold: opts.refundThreshold, sandboxOnly: false },
  ...(opts.storeCredit ? [{ name: "apply_store_credit", allowed: true, approvalThreshold: 50, sandboxOnly: true }] : []),
  { name: "close_account", allowed: false, sandboxOnly: false },
];

export function supportVersions(t: SupportVersionTimes): VersionSpec[] {
  const prompt = (label: keyof typeof TEXT, extra: Record<string, unknown>) => ({ instructions: TEXT[label], ...extra });
  return [
    // --- prompt
    {
      kind: "prompt", label: "assist-v7.3.0", author: "author", at: t.ago(74, 3),
      notes: "Last 7.x release: baseline for the v8 rewrite.",
      content: prompt("assist-v7.3.0", { modelFamily: "gpt-4o-mini", temperature: 0.4, toolSchemaVersion: "2026-06", assumedRetrieval: { topK: 5, indexSnapshot: t.kb(80) }, knownLimitations: ["No citations: reviewers cannot tell which article an answer came from."] }),
    },
    {
      kind: "prompt", label: "assist-v8.0.0", author: "author", at: t.ago(49, 6),
      notes: "v8: answers cite their knowledge-base article; moves to gpt-4.1-mini.",
      content: prompt("assist-v8.0.0", { modelFamily: "gpt-4.1-mini", temperature: 0.3, toolSchemaVersion: "2026-09", assumedRetrieval: { topK: 6, indexSnapshot: t.kb(52) }, knownLimitations: LIMITS_V8 }),
    },
    {
      kind: "prompt", label: "assist-v8.1.0", author: "author", at: t.prompt810,
      notes: "Warmer, less apologetic tone; structured hand-off note for human agents.",
      content: prompt("assist-v8.1.0", { modelFamily: "gpt-4.1-mini", temperature: 0.3, toolSchemaVersion: "2026-09", assumedRetrieval: { topK: 6, indexSnapshot: t.kb(52) }, knownLimitations: LIMITS_V8 }),
    },
    {
      kind: "prompt", label: "assist-v8.2.0", author: "author", at: t.prompt820,
      notes: "Payment wording, get_payment_status before talking about charges, explicit refusal guidance.",
      content: prompt("assist-v8.2.0", { modelFamily: "gpt-4.1-mini", temperature: 0.2, toolSchemaVersion: "2026-11", assumedRetrieval: { topK: 6, indexSnapshot: t.kb(52) }, knownLimitations: [...LIMITS_V8, "Refund amounts above the approval threshold are never promised; customers wait for a human decision."] }),
    },
    {
      kind: "prompt", label: "assist-v8.2.1", author: "author", at: t.draft,
      notes: "Three-sentence answers for FAQ intents, to pair with routing FAQs to gpt-4.1-nano.",
      content: prompt("assist-v8.2.1", { modelFamily: "gpt-4.1-mini", temperature: 0.2, toolSchemaVersion: "2026-11", assumedRetrieval: { topK: 6, indexSnapshot: t.kb(52) }, knownLimitations: [...LIMITS_V8, "FAQ answers are short by design; long-tail questions still get full answers."] }),
    },
    // --- retrieval
    {
      kind: "retrieval", label: "ret-v2", author: "reviewer", at: t.ago(70, 2),
      notes: "Adds agent macros as a source.",
      content: { indexSnapshot: t.kb(72), topK: 5, minScore: 0.55, domains: ["orders", "shipping", "account"], sources: sources(0.65, 0.2, 0.15) },
    },
    {
      kind: "retrieval", label: "ret-v3", author: "reviewer", at: t.ago(50, 4),
      notes: "Fresh snapshot, reranker, drops passages older than a year.",
      content: { indexSnapshot: t.kb(52), topK: 6, minScore: 0.6, maxAgeDays: 365, reranker: "bge-reranker-v2-m3", domains: ["orders", "shipping", "account"], sources: sources(0.6, 0.25, 0.15) },
    },
    {
      kind: "retrieval", label: "ret-v4-rc1", author: "author", at: t.retrievalRc1,
      notes: "Snapshot with the new billing policies; wider top-k to reach them.",
      content: { indexSnapshot: t.kb(8), topK: 12, minScore: 0.5, maxAgeDays: 365, reranker: "bge-reranker-v2-m3", domains: ["orders", "shipping", "account", "payment"], sources: sources(0.5, 0.2, 0.1, 0.2) },
    },
    {
      kind: "retrieval", label: "ret-v4", parent: "ret-v3", author: "author", at: t.retrieval4,
      notes: "rc1 reworked after review: top-k 8, score floor back to 0.6, billing passages younger than 180 days.",
      content: { indexSnapshot: t.kb(8), topK: 8, minScore: 0.6, maxAgeDays: 180, reranker: "bge-reranker-v2-m3", domains: ["orders", "shipping", "account", "payment"], sources: sources(0.5, 0.2, 0.1, 0.2) },
    },
    // --- policy
    {
      kind: "policy", label: "sec-v11", author: "security", at: t.ago(80, 5),
      notes: "Baseline safety policy.",
      content: { rules: [...baseRules], defaultAction: "allow", refusalMessage: refusal },
    },
    {
      kind: "policy", label: "sec-v12", author: "security", at: t.ago(55, 1),
      notes: "Redacts bank details; escalates chargeback and legal threats.",
      content: { rules: [...rulesV12], defaultAction: "allow", refusalMessage: refusal },
    },
    {
      kind: "policy", label: "sec-v13", author: "reviewer", at: t.policy13,
      notes: "Blocks refund-abuse patterns and account changes without verified identity.",
      content: {
        rules: [
          ...rulesV12,
          { id: "block-refund-abuse", description: "Block refund requests matching abuse patterns (repeated claims, mismatched addresses)", action: "block", categories: ["refund_abuse", "fraud"] },
          { id: "block-unverified-account-change", description: "Block email, phone or address changes until identity is verified", action: "block", categories: ["account_takeover"] },
        ],
        defaultAction: "allow",
        refusalMessage: refusal,
      },
    },
    // --- tool permissions
    {
      kind: "tool_permission", label: "tools-v5", author: "operator", at: t.ago(78, 6),
      notes: "Refunds over 50 need a human.",
      content: { tools: tools({ refundThreshold: 50, paymentStatus: false, storeCredit: false }), maxCallsPerConversation: 6 },
    },
    {
      kind: "tool_permission", label: "tools-v6", author: "operator", at: t.ago(52, 3),
      notes: "get_payment_status (read-only); refunds up to 200 without approval, above that a human decides.",
      content: { tools: tools({ refundThreshold: 200, paymentStatus: true, storeCredit: false }), maxCallsPerConversation: 8 },
    },
    {
      kind: "tool_permission", label: "tools-v7", author: "operator", at: t.tools7,
      notes: "apply_store_credit in the sandbox (credits over 50 need approval); 10 tool calls per conversation.",
      content: { tools: tools({ refundThreshold: 200, paymentStatus: true, storeCredit: true }), maxCallsPerConversation: 10 },
    },
    // --- routing
    {
      kind: "routing", label: "route-v1", author: "reviewer", at: t.ago(76, 4),
      notes: "Single model with a fallback.",
      content: { routes: [{ name: "primary", model: "gpt-4o-mini", weight: 1, maxLatencyMs: 8000 }, { name: "fallback", model: "gpt-4o", weight: 0 }], fallbackRoute: "fallback" },
    },
    {
      kind: "routing", label: "route-v2", author: "reviewer", at: t.ago(48, 2),
      notes: "gpt-4.1-mini primary; gpt-4.1 for the hardest 10% (long threads).",
      content: { routes: [{ name: "primary", model: "gpt-4.1-mini", weight: 0.9, maxLatencyMs: 6000 }, { name: "long-context", model: "gpt-4.1", weight: 0.1, maxLatencyMs: 12000 }], fallbackRoute: "long-context" },
    },
    {
      kind: "routing", label: "route-v3", author: "author", at: t.draft,
      notes: "30% of traffic (FAQ intents) to gpt-4.1-nano to cut cost.",
      content: { routes: [{ name: "faq", model: "gpt-4.1-nano", weight: 0.3, maxLatencyMs: 3000 }, { name: "primary", model: "gpt-4.1-mini", weight: 0.6, maxLatencyMs: 6000 }, { name: "long-context", model: "gpt-4.1", weight: 0.1, maxLatencyMs: 12000 }], fallbackRoute: "primary" },
    },
  ];
}
