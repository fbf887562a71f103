import "server-only";
import { asc, eq } from "drizzle-orm";
import { getDb } from "@/db/client";
import { evalSets } from "@/db/schema";

/** A service's eval sets, by name (the choice for "Add failing cases"). */
export async function evalSetsOfService(serviceId: string): Promise<{ id: string; name: string }[]> {
  const db = await getDb();
  return db.select({ id: evalSets.id, name: evalSets.name }).from(evalSets).where(eq(evalSets.serviceId, serviceId)).orderBy(asc(evalSets.name));
}
