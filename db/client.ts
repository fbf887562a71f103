import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";
import { serverEnv } from "@/lib/env";

export type Schema = typeof schema;
/** Both drivers (pg and PGlite) share this type, so every query is written once. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle, accepted wherever a Database is. */
export type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type DbKind = "pglite" | "postgres";

export interface DbHandle {
  db: Database;
  kind: DbKind;
  /** The PostgreSQL URL, for tools that need a dedicated connection (migrations, LISTEN). */
  url?: string;
  /** The embedded database instance, for its in-process LISTEN (PGlite only). */
  pglite?: PGlite;
  close: () => Promise<void>;
}

export class DatabaseUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUnreachableError";
  }
}

/** Where the embedded database keeps its files. */
export function pgliteDir(dataDir: string): string {
  return path.resolve(dataDir, "pglite");
}

function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}, database "${u.pathname.replace(/^\//, "") || "(default)"}"`;
  } catch {
    return "(DATABASE_URL could not be parsed)";
  }
}

/** Opens a database: PGlite in the data folder, or PostgreSQL at `url`. Fails with a sentence. */
export async function openDatabase(opts: { url?: string; dataDir: string }): Promise<DbHandle> {
  if (opts.url) {
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const pool = new Pool({ connectionString: opts.url, max: 10, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on("error", (err) => console.error(`[db] idle PostgreSQL client error: ${err.message}`));
    // A client checked out of the pool (a transaction) has no 'error' listener of the pool's: if
    // the server goes away meanwhile, its 'error' event would crash the process. The query in
    // flight fails with that error and its caller reports it; the pool then discards the client.
    pool.on("connect", (client) => client.on("error", () => undefined));
    try {
      const client = await pool.connect();
      client.release();
    } catch (err) {
      await pool.end().catch(() => undefined);
      const reason = err instanceof Error ? err.message : String(err);
      throw new DatabaseUnreachableError(
        `Cannot reach PostgreSQL at ${describeTarget(opts.url)} (from DATABASE_URL): ${reason}. ` +
          "Check that the server is running and accepts TCP connections on that host and port, " +
          "and that the user, password and database in DATABASE_URL exist — or unset DATABASE_URL " +
          "to use the embedded database.",
      );
    }
    const db = drizzle(pool, { schema, casing: "snake_case" }) as unknown as Database;
    return { db, kind: "postgres", url: opts.url, close: () => pool.end() };
  }

  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const dir = pgliteDir(opts.dataDir);
  mkdirSync(dir, { recursive: true });
  const releaseLock = lockPgliteFolder(dir);
  try {
    const client = new PGlite(dir);
    await client.waitReady;
    const db = drizzle(client, { schema, casing: "snake_case" }) as unknown as Database;
    return {
      db,
      kind: "pglite",
      pglite: client,
      close: async () => {
        await client.close();
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PGlite is one process per folder and does not lock it itself: a second process would corrupt
 * it silently. A pid file refuses the second opener with a sentence; a stale one is taken over.
 */
function lockPgliteFolder(dir: string): () => void {
  const lockFile = `${dir}.lock`;
  try {
    const holder = Number(readFileSync(lockFile, "utf8").trim());
    if (holder && holder !== process.pid && processIsAlive(holder)) {
      throw new DatabaseUnreachableError(
        `The embedded database in ${dir} is in use by process ${holder} (a running Changegate?). ` +
          "Stop that process first, or point CHANGEGATE_DATA_DIR at another folder.",
      );
    }
  } catch (err) {
    if (err instanceof DatabaseUnreachableError) throw err;
    // No lock file (or an unreadable one): the folder is free.
  }
  writeFileSync(lockFile, String(process.pid));
  const release = () => {
    try {
      if (readFileSync(lockFile, "utf8").trim() === String(process.pid)) rmSync(lockFile);
    } catch {
      // Already gone.
    }
  };
  process.once("exit", release);
  return release;
}

const globalForDb = globalThis as unknown as { __changegateDb?: Promise<DbHandle> };

/** The process-wide database, opened on first use from the validated environment. */
export function getDbHandle(): Promise<DbHandle> {
  if (!globalForDb.__changegateDb) {
    const env = serverEnv();
    globalForDb.__changegateDb = openDatabase({ url: env.DATABASE_URL, dataDir: env.CHANGEGATE_DATA_DIR });
    // A failed open must not be cached forever: the next call tries again.
    globalForDb.__changegateDb.catch(() => {
      globalForDb.__changegateDb = undefined;
    });
  }
  return globalForDb.__changegateDb;
}

export async function getDb(): Promise<Database> {
  return (await getDbHandle()).db;
}
