"use server";

import { and, count, desc, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { Tx } from "@/db/client";
import { auditLog, users, type User } from "@/db/schema";
import { defineAction } from "@/lib/actions/define-action";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/auth/permissions";
import { AppError, type Result } from "@/lib/errors";

// Role and account changes take this lock so two admins demoting or disabling each other at the
// same moment cannot both pass the "an admin must remain" check.
const USER_ADMIN_LOCK = 727274003;

const reason = z
  .string()
  .trim()
  .max(500, "Keep the reason under 500 characters.")
  .optional()
  .transform((v) => v || undefined);

const formBoolean = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

const changeUserRoleInput = z.object({
  userId: z.uuid("Unknown user."),
  role: z.enum(ROLES, "Pick a role."),
  /** The role the form showed: the change applies only if it is still the current one. */
  expectedRole: z.enum(ROLES),
  reason,
});

const setUserDisabledInput = z.object({
  userId: z.uuid("Unknown user."),
  disabled: formBoolean,
  reason,
});

export type ChangeUserRoleInput = z.input<typeof changeUserRoleInput>;
export type SetUserDisabledInput = z.input<typeof setUserDisabledInput>;
export interface RoleChange {
  userId: string;
  name: string;
  role: Role;
  previousRole: Role;
}
export interface AccountStatusChange {
  userId: string;
  name: string;
  disabled: boolean;
}

async function lockUserAdministration(tx: Tx) {
  await tx.execute(sql`select pg_advisory_xact_lock(${USER_ADMIN_LOCK})`);
}

async function findUser(tx: Tx, userId: string): Promise<User> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new AppError("not_found", "That user no longer exists; reload the page.");
  return user;
}

/** Refuses (and so rolls back) a change that left no enabled admin. Checked after the write. */
async function assertAnAdminRemains(tx: Tx) {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.role, "admin"), isNull(users.disabledAt)));
  if ((row?.n ?? 0) === 0) throw new AppError("rule_refused", "At least one admin must remain.");
}

/** Who last did `action` to the user, for a conflict message ("by Ada at 14:02 UTC"). */
async function lastChangeBy(tx: Tx, userId: string, actions: string[]): Promise<string> {
  const [entry] = await tx
    .select({ actorLabel: auditLog.actorLabel, occurredAt: auditLog.occurredAt })
    .from(auditLog)
    .where(and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, userId), inArray(auditLog.action, actions)))
    .orderBy(desc(auditLog.id))
    .limit(1);
  if (!entry) return "by someone else";
  const name = entry.actorLabel.replace(/\s*<[^>]*>$/, "");
  return `by ${name} at ${entry.occurredAt.toISOString().slice(11, 16)} UTC`;
}

const changeUserRoleAction = defineAction(
  { permission: "users.manage", input: changeUserRoleInput },
  async (input, { tx, now, audit }): Promise<RoleChange> => {
    await lockUserAdministration(tx);
    const target = await findUser(tx, input.userId);
    if (input.role === input.expectedRole) {
      throw new AppError("invalid_input", `${target.name} is already ${ROLE_LABELS[input.role]}; pick a different role.`, {
        role: ["Pick a different role."],
      });
    }

    // Compare-and-swap: only if the role is still the one the admin was looking at.
    const updated = await tx
      .update(users)
      .set({ role: input.role, updatedAt: now })
      .where(and(eq(users.id, input.userId), eq(users.role, input.expectedRole)))
      .returning({ id: users.id });
    if (updated.length === 0) {
      const who = await lastChangeBy(tx, target.id, ["user.role_changed"]);
      throw new AppError(
        "conflict",
        `${target.name}'s role was changed to ${ROLE_LABELS[target.role]} ${who} meanwhile; reload to see it.`,
      );
    }
    if (input.expectedRole === "admin") await assertAnAdminRemains(tx);

    await audit({
      action: "user.role_changed",
      targetType: "user",
      targetId: target.id,
      before: { role: input.expectedRole },
      after: { role: input.role },
      reason: input.reason,
    });
    return { userId: target.id, name: target.name, role: input.role, previousRole: input.expectedRole };
  },
);

const setUserDisabledAction = defineAction(
  { permission: "users.manage", input: setUserDisabledInput },
  async (input, { actor, tx, now, audit }): Promise<AccountStatusChange> => {
    if (input.disabled && input.userId === actor.id) {
      throw new AppError("rule_refused", "You cannot disable your own account.");
    }
    await lockUserAdministration(tx);
    const target = await findUser(tx, input.userId);

    // Compare-and-swap on the current status: disabling an already disabled account (or the
    // reverse) means someone else got there first.
    const updated = await tx
      .update(users)
      .set({ disabledAt: input.disabled ? now : null, updatedAt: now })
      .where(and(eq(users.id, input.userId), input.disabled ? isNull(users.disabledAt) : isNotNull(users.disabledAt)))
      .returning({ id: users.id });
    if (updated.length === 0) {
      const who = await lastChangeBy(tx, target.id, ["user.disabled", "user.enabled"]);
      throw new AppError(
        "conflict",
        `${target.name} was already ${input.disabled ? "disabled" : "enabled"} ${who}; reload to see it.`,
      );
    }
    if (input.disabled && target.role === "admin") await assertAnAdminRemains(tx);

    await audit({
      action: input.disabled ? "user.disabled" : "user.enabled",
      targetType: "user",
      targetId: target.id,
      before: { disabled: !input.disabled },
      after: { disabled: input.disabled },
      reason: input.reason,
    });
    return { userId: target.id, name: target.name, disabled: input.disabled };
  },
);

/** Changes a user's role (admins only; compare-and-swap on the role the form showed; audited). */
export async function changeUserRole(
  previous: Result<RoleChange> | null,
  raw: FormData | ChangeUserRoleInput,
): Promise<Result<RoleChange>> {
  const result = await changeUserRoleAction(previous, raw);
  if (result.ok) revalidatePath("/settings/users");
  return result;
}

/** Disables or re-enables a user's account (admins only; never your own; audited). */
export async function setUserDisabled(
  previous: Result<AccountStatusChange> | null,
  raw: FormData | SetUserDisabledInput,
): Promise<Result<AccountStatusChange>> {
  const result = await setUserDisabledAction(previous, raw);
  if (result.ok) revalidatePath("/settings/users");
  return result;
}
