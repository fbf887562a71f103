import { getDbHandle } from "@/db/client";
import { countAppliedMigrations } from "@/db/migrate";

export const dynamic = "force-dynamic";

/** Liveness and readiness for load balancers: unauthenticated, no secrets. */
export async function GET() {
  try {
    const handle = await getDbHandle();
    const migrations = await countAppliedMigrations(handle);
    return Response.json({ status: "ok", db: handle.kind, migrations });
  } catch {
    return Response.json({ status: "unavailable", db: process.env.DATABASE_URL ? "postgres" : "pglite", migrations: null }, { status: 503 });
  }
}
