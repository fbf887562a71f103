import "server-only";
import { eq } from "drizzle-orm";
import { forbidden, redirect } from "next/navigation";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import { AppError } from "@/lib/errors";
import type { AuditActor } from "@/lib/audit/record";
import { auth } from "./config";
import { isRole, may, refusal, type Permission, type Role } from "./permissions";

/** The signed-in user, as the database knows them now (role changes apply at once). */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export async function currentActor(): Promise<Actor | null> {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!user || user.disabledAt || !isRole(user.role)) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

/** For pages: sends a signed-out visitor to the login page; a refused role gets a 403 page. */
export async function requirePageActor(permission: Permission = "dashboard.view"): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect("/login");
  if (!may(actor.role, permission)) forbidden();
  return actor;
}

/** For actions and routes: throws a typed error instead of redirecting. */
export async function requireActor(permission: Permission): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) throw new AppError("unauthenticated", "Your session has ended. Sign in again.");
  if (!may(actor.role, permission)) throw new AppError("forbidden", refusal(actor.role, permission));
  return actor;
}

export function auditActorOf(actor: Actor): AuditActor {
  return { type: "user", id: actor.id, label: `${actor.name} <${actor.email}>` };
}
