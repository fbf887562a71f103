import { z } from "zod";
import type { ComponentKind } from "./kinds";

/** Largest prompt instruction text accepted (characters). Prompts are text, not documents. */
export const MAX_PROMPT_CHARS = 100_000;

const label = z.string().trim().min(1);

export const promptContentSchema = z.object({
  instructions: z
    .string()
    .trim()
    .min(1, "Write the instruction text")
    .max(MAX_PROMPT_CHARS, `Keep the instructions under ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters`),
  modelFamily: label,
  temperature: z.number().min(0).max(2),
  toolSchemaVersion: label,
  assumedRetrieval: z
    .object({ topK: z.number().int().min(1).max(100), indexSnapshot: label })
    .optional(),
  knownLimitations: z.array(z.string().trim().min(1)).default([]),
});

export const retrievalContentSchema = z.object({
  indexSnapshot: label,
  topK: z.number().int().min(1).max(100),
  minScore: z.number().min(0).max(1),
  maxAgeDays: z.number().int().min(1).optional(),
  reranker: z.string().trim().min(1).optional(),
  domains: z.array(label).default([]),
  sources: z.array(z.object({ name: label, weight: z.number().min(0).max(1) })).min(1),
});

export const policyContentSchema = z.object({
  rules: z
    .array(
      z.object({
        id: label,
        description: label,
        action: z.enum(["allow", "block", "escalate", "redact"]),
        categories: z.array(label).min(1),
      }),
    )
    .min(1, "A policy needs at least one rule"),
  defaultAction: z.enum(["allow", "block", "escalate"]),
  refusalMessage: label,
});

export const toolPermissionContentSchema = z.object({
  tools: z
    .array(
      z.object({
        name: label,
        allowed: z.boolean(),
        /** Above this amount (or risk score) the action needs a human approval. */
        approvalThreshold: z.number().min(0).optional(),
        sandboxOnly: z.boolean().default(false),
      }),
    )
    .min(1, "List at least one tool"),
  maxCallsPerConversation: z.number().int().min(1),
});

export const routingContentSchema = z
  .object({
    routes: z
      .array(
        z.object({
          name: label,
          model: label,
          weight: z.number().min(0).max(1),
          maxLatencyMs: z.number().int().min(1).optional(),
        }),
      )
      .min(1, "Add at least one route"),
    fallbackRoute: label,
  })
  .refine((r) => Math.abs(r.routes.reduce((s, x) => s + x.weight, 0) - 1) < 1e-9, {
    message: "Route weights must add up to 1",
    path: ["routes"],
  })
  .refine((r) => r.routes.some((x) => x.name === r.fallbackRoute), {
    message: "The fallback route must be one of the routes",
    path: ["fallbackRoute"],
  });

export const componentContentSchemas = {
  prompt: promptContentSchema,
  retrieval: retrievalContentSchema,
  policy: policyContentSchema,
  tool_permission: toolPermissionContentSchema,
  routing: routingContentSchema,
} satisfies Record<ComponentKind, z.ZodType>;

export type PromptContent = z.infer<typeof promptContentSchema>;
