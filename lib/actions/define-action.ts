import "server-only";
import type { z } from "zod";
import type { Tx } from "@/db/client";
import { getDb } from "@/db/client";
import { type Actor, auditActorOf, requireActor } from "@/lib/auth/session";
import { recordAudit, type AuditInput } from "@/lib/audit/record";
import type { Permission } from "@/lib/auth/permissions";
import { AppError, type Result, toErrorBody } from "@/lib/errors";

export interface ActionContext {
  actor: Actor;
  tx: Tx;
  now: Date;
  /** Appends the audit entry for this change, in this transaction. */
  audit: (entry: AuditInput) => Promise<unknown>;
  /** Runs `fn` once the transaction has committed (e.g. send the webhooks it enqueued). */
  afterCommit: (fn: () => void) => void;
}

/** Reads a form into a plain object; repeated fields become arrays. */
function formToObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(form.keys())) {
    if (key.startsWith("$ACTION")) continue;
    const values = form.getAll(key).filter((v): v is string => typeof v === "string");
    out[key] = values.length > 1 ? values : values[0];
  }
  return out;
}

/** Flattens zod issues into field -> messages for the form to show beside each field. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_form";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * The one way to mutate: authenticate, check the role for this action, validate with zod,
 * run in one transaction with its audit entries, and return a typed result for the form.
 * Usable directly with useActionState: (previousState, formData) => Result.
 */
export function defineAction<S extends z.ZodType, T>(
  options: { permission: Permission; input: S },
  run: (input: z.infer<S>, ctx: ActionContext) => Promise<T>,
) {
  return async (_previous: Result<T> | null, raw: FormData | z.input<S>): Promise<Result<T>> => {
    try {
      const actor = await requireActor(options.permission);
      const parsed = options.input.safeParse(raw instanceof FormData ? formToObject(raw) : raw);
      if (!parsed.success) {
        throw new AppError("invalid_input", "Some fields need attention.", fieldErrorsOf(parsed.error));
      }
      const db = await getDb();
      const now = new Date();
      const committed: (() => void)[] = [];
      const data = await db.transaction(async (tx) =>
        run(parsed.data, {
          actor,
          tx,
          now,
          audit: (entry) => recordAudit(tx, auditActorOf(actor), entry, now),
          afterCommit: (fn) => committed.push(fn),
        }),
      );
      for (const fn of committed) fn();
      return { ok: true, data };
    } catch (err) {
      return { ok: false, error: toErrorBody(err) };
    }
  };
}
