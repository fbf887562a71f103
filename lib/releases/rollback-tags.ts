import "server-only";
import { eq } from "drizzle-orm";
import { rollbacks, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { AppError } from "@/lib/errors";
import { assertMay, auditActorFor, hhmm, userOf, type ReleaseCommandContext } from "./actor";

/**
 * The follow-up to a rollback (SPEC §2): its regression cause tag. Untagged rollbacks stay on the
 * Overview until someone tags them; a tag is set once.
 */

/** Tags are short dashed slugs ("policy-too-strict"); the form's free text is normalised to one. */
export const CAUSE_TAG_PATTERN = /^[a-z0-9][a-z0-9-]{1,59}$/;

/** Sets a rollback's regression cause, once. The same tag again is a no-op; a different one is a conflict. */
export async function tagRollbackCause(
  ctx: ReleaseCommandContext,
  input: { rollbackId: string; causeTag: string },
): Promise<{ causeTag: string; recorded: boolean }> {
  const { tx, actor, now } = ctx;
  const person = userOf(actor);
  if (!person) throw new AppError("forbidden", "Only a person tags rollbacks, in Changegate; an API token cannot.");
  const [row] = await tx.select().from(rollbacks).where(eq(rollbacks.id, input.rollbackId)).for("update");
  if (!row) throw new AppError("not_found", "That rollback does not exist.");
  assertMay(actor, "rollback.tag", row.serviceId);
  const causeTag = input.causeTag.trim().toLowerCase().replace(/\s+/g, "-");
  if (!CAUSE_TAG_PATTERN.test(causeTag)) {
    throw new AppError("invalid_input", "A cause tag is 2–60 lowercase letters, digits and dashes, e.g. policy-too-strict.", {
      causeTag: ["Use 2–60 lowercase letters, digits and dashes, e.g. policy-too-strict"],
    });
  }
  if (row.causeTag) {
    if (row.causeTag === causeTag) return { causeTag, recorded: false };
    const [tagger] = row.taggedById ? await tx.select({ name: users.name }).from(users).where(eq(users.id, row.taggedById)) : [];
    throw new AppError(
      "conflict",
      `This rollback is already tagged "${row.causeTag}"${tagger ? ` by ${tagger.name}` : ""}${row.taggedAt ? ` at ${hhmm(row.taggedAt)}` : ""}.`,
    );
  }
  await tx.update(rollbacks).set({ causeTag, taggedById: person.id, taggedAt: now }).where(eq(rollbacks.id, row.id));
  await recordAudit(tx, auditActorFor(actor), {
    action: "rollback.tagged",
    targetType: "rollback",
    targetId: row.id,
    serviceId: row.serviceId,
    before: { causeTag: null },
    after: { causeTag },
  }, now);
  return { causeTag, recorded: true };
}
