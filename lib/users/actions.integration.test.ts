import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { auditLog, users } from "@/db/schema";
import { testDb } from "@/db/testing";
import type { Role } from "@/lib/auth/permissions";
import { verifyAuditChain } from "@/lib/audit/queries";
import { changeUserRole, setUserDisabled } from "./actions";

// The signed-in user is whoever `signedIn` names; the rest of the session code runs for real
// (it reads the user and their current role from the database).
let signedIn: string | null = null;
vi.mock("@/lib/auth/config", () => ({
  auth: async () => (signedIn ? { user: { id: signedIn } } : null),
}));
// Outside a Next request there is no cache to revalidate.
vi.mock("next/cache", () => ({ revalidatePath: vi.fn() }));

async function createUser(name: string, role: Role, opts: { disabled?: boolean } = {}) {
  const [user] = await testDb()
    .insert(users)
    .values({
      name,
      email: `${name.toLowerCase().replace(/\W+/g, ".")}.${randomUUID().slice(0, 8)}@example.com`,
      role,
      passwordHash: "not-a-real-hash",
      disabledAt: opts.disabled ? new Date() : null,
    })
    .returning();
  return user!;
}

async function roleOf(id: string) {
  const [row] = await testDb().select({ role: users.role, disabledAt: users.disabledAt }).from(users).where(eq(users.id, id));
  return row!;
}

async function auditFor(targetId: string) {
  return testDb().select().from(auditLog).where(and(eq(auditLog.targetType, "user"), eq(auditLog.targetId, targetId)));
}

function form(fields: Record<string, string>) {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
}

beforeEach(async () => {
  // Each test starts with no enabled admin but the ones it creates.
  await testDb().update(users).set({ disabledAt: new Date() });
  signedIn = null;
});

describe("changeUserRole", () => {
  it("changes the role from a form post, and audits before/after in the same transaction", async () => {
    const admin = await createUser("Ada Admin", "admin");
    const dana = await createUser("Dana", "viewer");
    signedIn = admin.id;

    const result = await changeUserRole(
      null,
      form({ userId: dana.id, role: "reviewer", expectedRole: "viewer", reason: "joined the review rota" }),
    );

    expect(result).toEqual({ ok: true, data: { userId: dana.id, name: "Dana", role: "reviewer", previousRole: "viewer" } });
    expect((await roleOf(dana.id)).role).toBe("reviewer");
    const [entry] = await auditFor(dana.id);
    expect(entry).toMatchObject({
      action: "user.role_changed",
      actorId: admin.id,
      before: { role: "viewer" },
      after: { role: "reviewer" },
      reason: "joined the review rota",
    });
    expect(await verifyAuditChain({ actor: { ...admin, role: "admin" } })).toMatchObject({ intact: true });
  });

  it("refuses a stale form with who changed it, and changes nothing", async () => {
    const admin = await createUser("Ada Admin", "admin");
    const other = await createUser("Olu Admin", "admin");
    const dana = await createUser("Dana", "viewer");

    signedIn = other.id;
    expect((await changeUserRole(null, { userId: dana.id, role: "operator", expectedRole: "viewer" })).ok).toBe(true);

    signedIn = admin.id;
    const stale = await changeUserRole(null, { userId: dana.id, role: "reviewer", expectedRole: "viewer" });
    expect(stale).toEqual({
      ok: false,
      error: { code: "conflict", message: expect.stringMatching(/^Dana's role was changed to Operator \(on-call\) by Olu Admin at \d\d:\d\d UTC meanwhile; reload to see it\.$/) },
    });
    expect((await roleOf(dana.id)).role).toBe("operator");
    expect(await auditFor(dana.id)).toHaveLength(1);
  });

  it("lets exactly one of two concurrent changes win", async () => {
    const admin = await createUser("Ada Admin", "admin");
    const dana = await createUser("Dana", "viewer");
    signedIn = admin.id;

    const results = await Promise.all([
      changeUserRole(null, { userId: dana.id, role: "reviewer", expectedRole: "viewer" }),
      changeUserRole(null, { userId: dana.id, role: "operator", expectedRole: "viewer" }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code)).toEqual(["conflict"]);
    expect(await auditFor(dana.id)).toHaveLength(1);
  });

  it.each<[string, Role, Role, string]>([
    ["a no-op", "author", "author", "Dana is already Author; pick a different role."],
  ])("refuses %s", async (_, role, expectedRole, message) => {
    const admin = await createUser("Ada Admin", "admin");
    const dana = await createUser("Dana", "author");
    signedIn = admin.id;
    const result = await changeUserRole(null, { userId: dana.id, role, expectedRole });
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_input", message } });
    expect(await auditFor(dana.id)).toHaveLength(0);
  });

  it("refuses to demote the last admin, but allows it while another admin remains", async () => {
    const admin = await createUser("Ada Admin", "admin");
    signedIn = admin.id;
    const alone = await changeUserRole(null, { userId: admin.id, role: "operator", expectedRole: "admin" });
    expect(alone).toEqual({ ok: false, error: { code: "rule_refused", message: "At least one admin must remain." } });
    expect((await roleOf(admin.id)).role).toBe("admin");
    expect(await auditFor(admin.id)).toHaveLength(0);

    // A disabled admin does not count.
    await createUser("Dormant Admin", "admin", { disabled: true });
    expect((await changeUserRole(null, { userId: admin.id, role: "operator", expectedRole: "admin" })).ok).toBe(false);

    await createUser("Olu Admin", "admin");
    expect((await changeUserRole(null, { userId: admin.id, role: "operator", expectedRole: "admin" })).ok).toBe(true);
  });

  it("never leaves zero admins when two admins demote each other at once", async () => {
    const ada = await createUser("Ada Admin", "admin");
    const olu = await createUser("Olu Admin", "admin");
    signedIn = ada.id;
    const results = await Promise.all([
      changeUserRole(null, { userId: olu.id, role: "viewer", expectedRole: "admin" }),
      changeUserRole(null, { userId: ada.id, role: "viewer", expectedRole: "admin" }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const roles = [(await roleOf(ada.id)).role, (await roleOf(olu.id)).role];
    expect(roles).toContain("admin");
  });

  it.each<Role>(["viewer", "author", "reviewer", "security_reviewer", "operator"])(
    "refuses a %s even when the action is called directly",
    async (role) => {
      const caller = await createUser("Caller", role);
      const dana = await createUser("Dana", "viewer");
      signedIn = caller.id;
      const result = await changeUserRole(null, { userId: dana.id, role: "admin", expectedRole: "viewer" });
      expect(result).toMatchObject({ ok: false, error: { code: "forbidden" } });
      expect((await roleOf(dana.id)).role).toBe("viewer");
    },
  );

  it("refuses a signed-out caller, and a disabled admin", async () => {
    const dana = await createUser("Dana", "viewer");
    expect(await changeUserRole(null, { userId: dana.id, role: "admin", expectedRole: "viewer" })).toMatchObject({
      ok: false,
      error: { code: "unauthenticated" },
    });
    const gone = await createUser("Gone Admin", "admin", { disabled: true });
    signedIn = gone.id;
    expect(await changeUserRole(null, { userId: dana.id, role: "admin", expectedRole: "viewer" })).toMatchObject({
      ok: false,
      error: { code: "unauthenticated" },
    });
  });

  it("rejects malformed input with field errors", async () => {
    const admin = await createUser("Ada Admin", "admin");
    signedIn = admin.id;
    const result = await changeUserRole(null, form({ userId: "nope", role: "root", expectedRole: "viewer" }));
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_input" } });
    expect(!result.ok && Object.keys(result.error.fieldErrors ?? {}).sort()).toEqual(["role", "userId"]);
  });
});

describe("setUserDisabled", () => {
  it("disables and re-enables an account, auditing both", async () => {
    const admin = await createUser("Ada Admin", "admin");
    const dana = await createUser("Dana", "author");
    signedIn = admin.id;

    expect(await setUserDisabled(null, form({ userId: dana.id, disabled: "true" }))).toMatchObject({ ok: true });
    expect((await roleOf(dana.id)).disabledAt).toBeInstanceOf(Date);
    expect(await setUserDisabled(null, { userId: dana.id, disabled: false })).toMatchObject({ ok: true });
    expect((await roleOf(dana.id)).disabledAt).toBeNull();

    const entries = await auditFor(dana.id);
    expect(entries.map((e) => [e.action, e.before, e.after])).toEqual([
      ["user.disabled", { disabled: false }, { disabled: true }],
      ["user.enabled", { disabled: true }, { disabled: false }],
    ]);
  });

  it("refuses disabling yourself", async () => {
    const admin = await createUser("Ada Admin", "admin");
    await createUser("Olu Admin", "admin");
    signedIn = admin.id;
    expect(await setUserDisabled(null, { userId: admin.id, disabled: true })).toEqual({
      ok: false,
      error: { code: "rule_refused", message: "You cannot disable your own account." },
    });
  });

  it("answers a repeated disable with a conflict naming who did it", async () => {
    const admin = await createUser("Ada Admin", "admin");
    const dana = await createUser("Dana", "author");
    signedIn = admin.id;
    await setUserDisabled(null, { userId: dana.id, disabled: true });
    expect(await setUserDisabled(null, { userId: dana.id, disabled: true })).toMatchObject({
      ok: false,
      error: { code: "conflict", message: expect.stringMatching(/^Dana was already disabled by Ada Admin at/) },
    });
    expect(await auditFor(dana.id)).toHaveLength(1);
  });

  it("refuses a non-admin", async () => {
    const operator = await createUser("Opal", "operator");
    const dana = await createUser("Dana", "author");
    signedIn = operator.id;
    expect(await setUserDisabled(null, { userId: dana.id, disabled: true })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: expect.stringContaining("Operator (on-call)") },
    });
  });
});
