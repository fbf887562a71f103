import { z } from "zod";
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

/** `?limit=` of the releases list: 1…200, default 20; anything else is refused with a sentence. */
export function parseReleasesLimit(raw: string | null): { ok: true; limit: number } | { ok: false; message: string } {
  if (raw === null || raw.trim() === "") return { ok: true, limit: DEFAULT_RELEASES_LIMIT };
  const text = raw.trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_RELEASES_LIMIT) {
    return { ok: false, message: `limit must be a whole number from 1 to ${MAX_RELEASES_LIMIT}, not "${raw}".` };
  }
  return { ok: true, limit: Number(text) };
}
