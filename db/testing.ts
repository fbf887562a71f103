import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase, type Database, type DbHandle, type DbKind } from "./client";
import { migrateDatabase } from "./migrate";

/**
 * Test databases. Every integration test file gets a database of its own, freshly migrated:
 * PGlite in a temporary folder, or a new `cg_test_<random>` database on the PostgreSQL server
 * named by TEST_DATABASE_URL, dropped afterwards. The handle is installed as the process-wide
 * database, so data-access code calling getDb() uses it unchanged.
 */

export interface TestDatabase {
  handle: DbHandle;
  /** Closes the handle and removes the database (folder or PostgreSQL database). */
  dispose: () => Promise<void>;
}

const globalForDb = globalThis as unknown as { __changegateDb?: Promise<DbHandle> };
let current: DbHandle | undefined;

/** Which database the integration project asked for (vitest sets CHANGEGATE_TEST_DB per project). */
export function requestedTestDbKind(): DbKind {
  const kind = process.env.CHANGEGATE_TEST_DB ?? "pglite";
  if (kind !== "pglite" && kind !== "postgres") {
    throw new Error(`CHANGEGATE_TEST_DB must be "pglite" or "postgres", not "${kind}".`);
  }
  return kind;
}

/** Replaces the database name in a PostgreSQL URL. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function createPglite(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "changegate-test-"));
  const handle = await openDatabase({ dataDir });
  await migrateDatabase(handle);
  return {
    handle,
    dispose: async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    throw new Error(
      "The integration-postgres tests need TEST_DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres " +
        "(a server where this user may create databases).",
    );
  }
  const { Client } = await import("pg");
  const name = `cg_test_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const dropDatabase = async () => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      // FORCE ends sessions a test may have left open (LISTEN clients, leaked pools).
      await client.query(`drop database if exists ${name} with (force)`);
    } finally {
      await client.end();
    }
  };

  let handle: DbHandle;
  try {
    handle = await openDatabase({ url: withDatabase(serverUrl, name), dataDir: tmpdir() });
    await migrateDatabase(handle);
  } catch (err) {
    await dropDatabase().catch(() => undefined);
    throw err;
  }
  return {
    handle,
    dispose: async () => {
      await handle.close().catch(() => undefined);
      await dropDatabase();
    },
  };
}

/** Creates and migrates a fresh database of the given kind. */
export function createTestDatabase(kind: DbKind = requestedTestDbKind()): Promise<TestDatabase> {
  return kind === "postgres" ? createPostgres() : createPglite();
}

/** Makes `handle` the database every getDb()/getDbHandle() call in this process returns. */
export function installTestDatabase(handle: DbHandle | undefined): void {
  current = handle;
  if (handle) globalForDb.__changegateDb = Promise.resolve(handle);
  else delete globalForDb.__changegateDb;
}

/** The current test file's database handle. */
export function testDbHandle(): DbHandle {
  if (!current) {
    throw new Error(
      "No test database: integration tests must be named *.integration.test.ts and run in an integration project " +
        "(npm run test:integration), whose setup file creates the database.",
    );
  }
  return current;
}

/** The current test file's database. */
export function testDb(): Database {
  return testDbHandle().db;
}

/** "pglite" or "postgres": which engine the current test file runs against. */
export function testDbKind(): DbKind {
  return testDbHandle().kind;
}
