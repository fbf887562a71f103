import path from "node:path";
import { sql } from "drizzle-orm";
import { COMPONENT_KIND_CATALOGUE } from "@/lib/components/kinds";
import type { DbHandle } from "./client";
import { componentKinds } from "./schema";

export const MIGRATIONS_FOLDER = path.resolve(process.cwd(), "db/migrations");

/** Applies pending drizzle-kit migrations and syncs the component-kind catalogue. Idempotent. */
export async function migrateDatabase(handle: DbHandle): Promise<{ applied: number }> {
  const migrationsFolder = MIGRATIONS_FOLDER;
  if (handle.kind === "postgres") {
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { Client } = await import("pg");
    // Several instances may start at once: one migrates, the others wait on the lock.
    const client = new Client({ connectionString: handle.url });
    await client.connect();
    try {
      await client.query("select pg_advisory_lock(727274001)");
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query("select pg_advisory_unlock(727274001)").catch(() => undefined);
      await client.end();
    }
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  }
  for (const k of COMPONENT_KIND_CATALOGUE) {
    const row = {
      kind: k.kind,
      label: k.label,
      governs: k.governs,
      defaultRisk: k.defaultRisk,
      sensitiveDomainRisk: k.sensitiveDomainRisk,
      strategy: k.strategy,
      sortOrder: k.sortOrder,
    };
    await handle.db.insert(componentKinds).values(row).onConflictDoUpdate({ target: componentKinds.kind, set: row });
  }
  return { applied: await countAppliedMigrations(handle) };
}

export async function countAppliedMigrations(handle: DbHandle): Promise<number> {
  const result = await handle.db.execute<{ n: number }>(
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  const rows = (result as unknown as { rows: { n: number }[] }).rows;
  return rows[0]?.n ?? 0;
}
