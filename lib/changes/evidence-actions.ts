"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction, fieldErrorsOf } from "@/lib/actions/define-action";
import { auditActorOf } from "@/lib/auth/session";
import { AppError } from "@/lib/errors";
import { lockChangeRequest } from "./commands";
import { offlineEvalResultSchema } from "./evidence";
import { recordOfflineEvidence } from "./evidence-commands";

const MAX_UPLOAD_CHARS = 1_000_000;

/** The evidence upload form: the same judge and gate update as the CI API, with the user as submitter. */
export const uploadEvidenceAction = defineAction(
  {
    permission: "evidence.submit",
    input: z.object({
      changeRequestId: z.string().uuid(),
      /** The revision the uploader was looking at. */
      revision: z.coerce.number().int().positive(),
      resultJson: z
        .string()
        .trim()
        .min(1, "Choose a results file or paste the JSON")
        .max(MAX_UPLOAD_CHARS, "That file is too large (at most 1 MB of JSON)"),
    }),
  },
  async (input, ctx) => {
    let raw: unknown;
    try {
      raw = JSON.parse(input.resultJson);
    } catch (err) {
      throw new AppError("invalid_input", "The results are not valid JSON.", {
        resultJson: [`Not valid JSON: ${err instanceof Error ? err.message : String(err)}`],
      });
    }
    const parsed = offlineEvalResultSchema.safeParse(raw);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      const first = parsed.error.issues[0];
      throw new AppError("invalid_input", `The results do not match the expected format: ${first?.path.join(".") || "body"}: ${first?.message}`, {
        resultJson: Object.entries(fieldErrors).map(([path, messages]) => `${path}: ${messages.join("; ")}`),
      });
    }
    const cr = await lockChangeRequest(ctx.tx, input.changeRequestId);
    const recorded = await recordOfflineEvidence(ctx.tx, {
      changeRequest: cr,
      revision: input.revision,
      result: parsed.data,
      source: "upload",
      submittedBy: { userId: ctx.actor.id },
      auditActor: auditActorOf(ctx.actor),
      now: ctx.now,
    });
    revalidatePath(`/change-requests/${cr.number}`);
    return { passed: recorded.verdict.passed, summary: recorded.verdict.summary, checks: recorded.verdict.checks };
  },
);
