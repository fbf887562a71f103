import "server-only";
import { and, count, eq, gte, min } from "drizzle-orm";
import { getDb } from "@/db/client";
import { loginAttempts, users } from "@/db/schema";
import { DUMMY_HASH, verifyPassword } from "./password";
import { isRole, type Role } from "./permissions";
import { LOGIN_WINDOW_MINUTES, loginThrottle } from "./rate-limit";

export type LoginOutcome =
  | { ok: true; user: { id: string; email: string; name: string; role: Role } }
  | { ok: false; reason: "invalid" | "rate_limited"; message: string };

import { INVALID_LOGIN_MESSAGE } from "./messages";

/** Checks a sign-in attempt against the throttle and the password, and records it. */
export async function attemptLogin(input: { email: string; password: string; ip: string; now?: Date }): Promise<LoginOutcome> {
  const db = await getDb();
  const now = input.now ?? new Date();
  const email = input.email.trim().toLowerCase();
  const since = new Date(now.getTime() - LOGIN_WINDOW_MINUTES * 60_000);

  const failed = and(eq(loginAttempts.succeeded, false), gte(loginAttempts.attemptedAt, since));
  const [byAccount] = await db
    .select({ n: count(), oldest: min(loginAttempts.attemptedAt) })
    .from(loginAttempts)
    .where(and(failed, eq(loginAttempts.email, email)));
  const [byIp] = await db
    .select({ n: count(), oldest: min(loginAttempts.attemptedAt) })
    .from(loginAttempts)
    .where(and(failed, eq(loginAttempts.ip, input.ip)));
  const oldest = [byAccount?.oldest, byIp?.oldest].filter((d): d is Date => d instanceof Date);
  const throttle = loginThrottle(
    {
      account: byAccount?.n ?? 0,
      ip: byIp?.n ?? 0,
      oldestCountedAt: oldest.length ? new Date(Math.min(...oldest.map((d) => d.getTime()))) : null,
    },
    now,
  );
  if (!throttle.allowed) return { ok: false, reason: "rate_limited", message: throttle.message };

  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  // Compare against a dummy hash for unknown accounts so timing does not reveal which exist.
  const passwordOk = await verifyPassword(input.password, user?.passwordHash ?? DUMMY_HASH);
  const ok = Boolean(user && passwordOk && !user.disabledAt && isRole(user.role));
  await db.insert(loginAttempts).values({ email, ip: input.ip, succeeded: ok, attemptedAt: now });
  if (!ok || !user) return { ok: false, reason: "invalid", message: INVALID_LOGIN_MESSAGE };
  return { ok: true, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
