import { z } from "zod";

/** Inputs of the stage actions (pause, resume, advance); the commands check the rules again. */

const reason = z
  .string()
  .trim()
  .min(3, "Say why in a few words (at least 3 characters)")
  .max(500, "Keep the reason under 500 characters");

/** Form fields arrive as strings. */
const count = z.coerce.number().int().nonnegative();

export const pauseRolloutSchema = z.object({
  changeRequestId: z.string().uuid(),
  expectedLockVersion: count,
  reason,
});

export const resumeRolloutSchema = pauseRolloutSchema;

export const advanceStageSchema = z.object({
  changeRequestId: z.string().uuid(),
  expectedLockVersion: count,
  expectedStage: count,
});
