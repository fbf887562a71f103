import "server-only";
import { eq } from "drizzle-orm";
import type { Tx } from "@/db/client";
import { services } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { may, refusal } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { contentHash } from "@/lib/components/content-hash";
import { AppError } from "@/lib/errors";
import { auditActorFor } from "@/lib/releases/actor";
import { applyCanaryRules, type CanaryRulesInput } from "./canary-rules";
import { serviceSettingsSchema, type ServiceSettings } from "./settings";

/** The revision of a service's settings: sha-256 of their canonical JSON (what the form compares). */
export function settingsRevision(settings: unknown): string {
  return contentHash(settings ?? {});
}

/**
 * Saves a service's canary rules: admins only (checked here too), a compare-and-swap on the
 * settings revision the form was loaded with, the whole settings validated again, one audit
 * entry with before and after.
 */
export async function updateCanaryRules(
  ctx: { tx: Tx; actor: Actor; now: Date },
  input: CanaryRulesInput,
): Promise<{ settings: ServiceSettings; revision: string }> {
  const { tx, actor, now } = ctx;
  if (!may(actor.role, "services.manage")) throw new AppError("forbidden", refusal(actor.role, "services.manage"));
  const [service] = await tx.select().from(services).where(eq(services.id, input.serviceId)).for("update");
  if (!service) throw new AppError("not_found", "That service does not exist.");
  if (settingsRevision(service.settings) !== input.expectedRevision) {
    throw new AppError("conflict", `${service.name}'s settings were changed since you opened this page; reload to see them, then make your change again.`);
  }
  const before = serviceSettingsSchema.parse(service.settings ?? {});
  const after = serviceSettingsSchema.parse(applyCanaryRules(before, input));
  await tx.update(services).set({ settings: after }).where(eq(services.id, service.id));
  await recordAudit(
    tx,
    auditActorFor(actor),
    {
      action: "service.canary_rules_changed",
      targetType: "service",
      targetId: service.id,
      serviceId: service.id,
      before: { canaryAdvance: before.canaryAdvance, promotion: before.promotion, canary: before.canary },
      after: { canaryAdvance: after.canaryAdvance, promotion: after.promotion, canary: after.canary },
    },
    now,
  );
  return { settings: after, revision: settingsRevision(after) };
}
