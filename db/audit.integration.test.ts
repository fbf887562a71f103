import { readdirSync } from "node:fs";
import { asc, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, verifyChainPage } from "@/lib/audit/chain";
import { recordAudit, type AuditActor } from "@/lib/audit/record";
import { getDb } from "./client";
import { countAppliedMigrations, MIGRATIONS_FOLDER } from "./migrate";
import { auditLog } from "./schema";
import { testDb, testDbHandle, testDbKind } from "./testing";

const actor: AuditActor = { type: "user", id: null, label: "admin@example.com" };

async function allEntries() {
  return testDb().select().from(auditLog).orderBy(asc(auditLog.id));
}

/** Runs a statement and returns the database's error (drizzle wraps it as the `cause`). */
async function refusal(statement: ReturnType<typeof sql>): Promise<{ code?: string; message: string }> {
  try {
    await testDb().execute(statement);
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const source = cause ?? (err as { code?: string; message?: string });
    return { code: source.code, message: source.message ?? String(err) };
  }
  throw new Error(`The database accepted: ${statement.queryChunks.map(String).join("")}`);
}

describe(`audit log on ${process.env.CHANGEGATE_TEST_DB}`, () => {
  it("runs on the engine the project asked for, installed as the app's database", async () => {
    expect(testDbKind()).toBe(process.env.CHANGEGATE_TEST_DB);
    expect(await getDb()).toBe(testDb());
  });

  it("applied every migration file", async () => {
    const files = readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith(".sql"));
    expect(files.length).toBeGreaterThan(0);
    expect(await countAppliedMigrations(testDbHandle())).toBe(files.length);
  });

  it("chains each entry to the one before it, and the chain verifies", async () => {
    const db = await getDb();
    const t0 = new Date("2026-03-03T19:00:00.000Z");
    for (const [i, action] of ["user.role_changed", "release.rolled_back", "change_request.approved"].entries()) {
      await db.transaction((tx) =>
        recordAudit(
          tx,
          actor,
          { action, targetType: "test", targetId: `t-${i}`, before: { n: i }, after: { n: i + 1, nested: { b: 1, a: 2 } }, reason: "test" },
          new Date(t0.getTime() + i * 1000),
        ),
      );
    }
    const entries = await allEntries();
    expect(entries).toHaveLength(3);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
    expect(entries[2]!.prevHash).toBe(entries[1]!.hash);
    expect(new Set(entries.map((e) => e.hash)).size).toBe(3);

    const verdict = verifyChainPage(entries, { expectedPrevHash: GENESIS_HASH, checked: 0 });
    expect(verdict).toEqual({ cursor: { expectedPrevHash: entries[2]!.hash, checked: 3 } });

    // The same check notices an altered entry, so "intact" above means something.
    const altered = entries.map((e, i) => (i === 1 ? { ...e, reason: "nothing to see" } : e));
    const broken = verifyChainPage(altered, { expectedPrevHash: GENESIS_HASH, checked: 0 });
    expect(broken).toMatchObject({ broken: { intact: false, brokenAtId: entries[1]!.id, checked: 1 } });
  });

  it("refuses UPDATE, DELETE and TRUNCATE in the database itself", async () => {
    const before = await allEntries();
    expect(before.length).toBeGreaterThan(0);

    for (const statement of [
      sql`update audit_log set reason = 'rewritten'`,
      sql`delete from audit_log`,
      sql`truncate audit_log`,
    ]) {
      const error = await refusal(statement);
      expect(error.message).toMatch(/audit_log is append-only/);
      expect(error.code).toBe("42501"); // insufficient_privilege
    }

    expect(await allEntries()).toEqual(before);
  });
});
