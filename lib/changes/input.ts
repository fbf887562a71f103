import { z } from "zod";
import { COMPONENT_KINDS } from "@/lib/components/kinds";

/**
 * What an author submits for a change request. Shared by the authoring form (live validation)
 * and the server (the only validation that counts).
 */

export const MAX_TITLE_CHARS = 200;
export const MAX_LABEL_CHARS = 80;

const kind = z.enum(COMPONENT_KINDS, { message: "Choose a component kind: prompt, retrieval, policy, tool_permission or routing." });

export const componentChoiceSchema = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("existing"),
    kind,
    versionId: z.string().uuid("Choose a version"),
  }),
  z.object({
    source: z.literal("new"),
    kind,
    label: z
      .string()
      .trim()
      .min(1, "Give the new version a label, e.g. assist-v8.3.0")
      .max(MAX_LABEL_CHARS, `Keep the label under ${MAX_LABEL_CHARS} characters`)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, dots, dashes and underscores only"),
    notes: z.string().trim().max(2_000, "Keep the notes under 2,000 characters").default(""),
    /** Validated against the kind's own schema on the server (lib/components/schemas). */
    content: z.unknown(),
  }),
]);
export type ComponentChoice = z.infer<typeof componentChoiceSchema>;

export const changeRequestDraftSchema = z.object({
  serviceSlug: z.string().trim().min(1, "Choose a service"),
  title: z
    .string()
    .trim()
    .min(1, "Give the change request a title")
    .max(MAX_TITLE_CHARS, `Keep the title under ${MAX_TITLE_CHARS} characters`),
  description: z.string().trim().max(20_000, "Keep the description under 20,000 characters").default(""),
  touchedDomains: z
    .array(z.string().trim().toLowerCase().min(1).max(60, "Domain names are short, e.g. payment"))
    .max(20, "List at most 20 domains")
    .default([]),
  securityImpact: z.boolean().default(false),
  expectedMetricShift: z.string().trim().max(2_000, "Keep this under 2,000 characters").default(""),
  rollbackPlan: z.string().trim().max(10_000, "Keep the rollback plan under 10,000 characters").default(""),
  // The count rule (at most 2) is a release rule with its own message; this only bounds the input.
  components: z.array(componentChoiceSchema).min(1, "Choose at least one component to change").max(10),
});
export type ChangeRequestDraft = z.infer<typeof changeRequestDraftSchema>;

export const saveChangeRequestSchema = changeRequestDraftSchema.extend({
  /** Absent: a new change request. */
  changeRequestId: z.string().uuid().optional(),
  /** The revision the author's page was showing: an edit of a stale revision is refused, not merged. */
  expectedRevision: z.number().int().positive().optional(),
  /** For drafts (edited in place): the lock version the page was showing. */
  expectedLockVersion: z.number().int().positive().optional(),
  intent: z.enum(["draft", "submit"]),
});
export type SaveChangeRequestInput = z.infer<typeof saveChangeRequestSchema>;

export const decisionSchema = z
  .object({
    changeRequestId: z.string().uuid(),
    /** The revision the reviewer looked at. */
    revision: z.coerce.number().int().positive(),
    decision: z.enum(["approved", "rejected", "changes_requested"]),
    comment: z.string().trim().max(5_000, "Keep the comment under 5,000 characters").default(""),
  })
  .refine((d) => d.decision === "approved" || d.comment.length > 0, {
    message: "Say what is wrong, so the author knows what to fix",
    path: ["comment"],
  });
export type DecisionInput = z.infer<typeof decisionSchema>;

export const lifecycleSchema = z.object({
  changeRequestId: z.string().uuid(),
  expectedLockVersion: z.coerce.number().int().positive(),
  reason: z.string().trim().max(2_000).default(""),
});
