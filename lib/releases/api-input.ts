import { z } from "zod";
import { parseChangeRequestRef, type ChangeRequestRef } from "@/lib/changes/change-request-ref";
import { rollbackBundleSchema, rollbackComponentSchema } from "./input";

/**
 * What the operator API (`POST /api/v1/services/{service}/rollbacks`, used by the CLI) accepts.
 * The field rules are the dialog's (same reason, kind and release-id rules); the API names a
 * version by its label, as an on-call engineer reads it on the Releases page.
 */

const { kind, reason, expectedPointerRevision } = rollbackComponentSchema.shape;
const { toReleaseId } = rollbackBundleSchema.shape;

export const MAX_RELEASES_LIMIT = 200;
export const DEFAULT_RELEASES_LIMIT = 20;

export const apiRollbackSchema = z
  .object({
    /** A component rollback: which kind… */
    component: kind.optional(),
    /** …and, optionally, to which version label (default: its rollback target). */
    to: z.string().trim().min(1, "Name the version label, e.g. sec-v12").max(200, "A version label is at most 200 characters").optional(),
    /** A whole-bundle rollback to this earlier release. */
    toRelease: toReleaseId.optional(),
    reason,
    /** The pointer revision the caller saw: a stale one is refused with 409 naming who moved it. */
    expectedPointerRevision,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.component && body.toRelease) {
      ctx.addIssue({ code: "custom", path: ["toRelease"], message: "Roll back one component or the whole bundle, not both: send component (and to) or toRelease" });
    } else if (!body.component && !body.toRelease) {
      ctx.addIssue({ code: "custom", path: ["component"], message: "Say what to roll back: component (e.g. \"policy\", with optional to: \"sec-v12\") or toRelease (\"rel_…\")" });
    } else if (body.to && !body.component) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "to names a component version: send it with component" });
    }
  });

export type ApiRollbackInput = z.output<typeof apiRollbackSchema>;

/**
 * A component rollback to its default target is not idempotent: run twice, it goes back two
 * versions. So without an explicit `to` the caller must name the pointer revision it saw, and a
 * second, racing call gets 409 instead of a second rollback. Returns the refusal, or null.
 */
export function missingPointerRevision(body: ApiRollbackInput, serviceSlug: string): string | null {
  if (!body.component || body.to || body.expectedPointerRevision !== undefined) return null;
  return (
    `A ${body.component} rollback to its default target needs expectedPointerRevision: read pointer.revision from ` +
    `GET /api/v1/services/${serviceSlug}/status and send it, or name the version with "to". ` +
    "Without it, two scripts racing would each roll back one version."
  );
}

const changeRequestRef = z
  .union([z.string().max(64), z.number()])
  .transform((raw, ctx): ChangeRequestRef => {
    const ref = parseChangeRequestRef(raw);
    if (!ref) {
      ctx.addIssue({ code: "custom", message: "Name the change request as the page shows it, e.g. \"CR-42\" (or 42, or its id)" });
      return z.NEVER;
    }
    return ref;
  });

/**
 * What `POST /api/v1/services/{service}/rehearsals` accepts: `changeRequest` rehearses that change
 * request's rollback and records the result on its rollback_plan gate; otherwise a dry run of a
 * rollback the operator might make now — a component (optionally `to` a version label), a whole
 * bundle (`toRelease`), or, with neither, the release a rollback would go back to.
 */
export const apiRehearsalSchema = z
  .object({
    changeRequest: changeRequestRef.optional(),
    /** The change request's revision the caller rehearses; a superseded one is refused (409). */
    revision: z.number().int().positive().optional(),
    component: kind.optional(),
    to: z.string().trim().min(1, "Name the version label, e.g. sec-v12").max(200, "A version label is at most 200 characters").optional(),
    toRelease: toReleaseId.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.changeRequest && (body.component || body.to || body.toRelease)) {
      ctx.addIssue({ code: "custom", path: ["changeRequest"], message: "Rehearse a change request's rollback or a rollback of the service now, not both" });
    } else if (body.revision !== undefined && !body.changeRequest) {
      ctx.addIssue({ code: "custom", path: ["revision"], message: "revision is a change request's revision: send it with changeRequest" });
    } else if (body.component && body.toRelease) {
      ctx.addIssue({ code: "custom", path: ["toRelease"], message: "Rehearse one component or the whole bundle, not both" });
    } else if (body.to && !body.component) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "to names a component version: send it with component" });
    }
  });

export type ApiRehearsalInput = z.output<typeof apiRehearsalSchema>;

/** `?limit=` of the releases list: 1…200, default 20; anything else is refused with a sentence. */
export function parseReleasesLimit(raw: string | null): { ok: true; limit: number } | { ok: false; message: string } {
  if (raw === null || raw.trim() === "") return { ok: true, limit: DEFAULT_RELEASES_LIMIT };
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_RELEASES_LIMIT) {
    return { ok: false, message: `limit must be a whole number from 1 to ${MAX_RELEASES_LIMIT}, not "${raw}".` };
  }
  return { ok: true, limit: Number(text) };
}
