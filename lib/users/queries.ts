import "server-only";
import { asc } from "drizzle-orm";
import { getDb } from "@/db/client";
import { users } from "@/db/schema";
import type { Actor } from "@/lib/auth/session";
import { may, refusal, type Role } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";

/** A user as the admin pages show them; never the password hash. */
export interface UserSummary {
  id: string;
  name: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export async function listUsers(params: { actor: Actor }): Promise<UserSummary[]> {
  if (!may(params.actor.role, "users.manage")) throw new AppError("forbidden", refusal(params.actor.role, "users.manage"));
  const db = await getDb();
  return db
    .select({
      id: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      disabledAt: users.disabledAt,
      createdAt: users.createdAt,
      updatedAt: users.updatedAt,
    })
    .from(users)
    .orderBy(asc(users.name), asc(users.email));
}
