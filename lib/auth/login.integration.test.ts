import { beforeAll, describe, expect, it } from "vitest";
import { users } from "@/db/schema";
import { testDb } from "@/db/testing";
import { attemptLogin } from "./login";
import { hashPassword } from "./password";
import { MAX_FAILURES_PER_ACCOUNT } from "./rate-limit";

const PASSWORD = "correct horse battery staple";

beforeAll(async () => {
  await testDb()
    .insert(users)
    .values([
      { email: "ada@example.com", name: "Ada Lovelace", role: "author", passwordHash: await hashPassword(PASSWORD) },
      { email: "grace@example.com", name: "Grace Hopper", role: "reviewer", passwordHash: await hashPassword(PASSWORD) },
      { email: "gone@example.com", name: "Gone User", role: "viewer", passwordHash: await hashPassword(PASSWORD), disabledAt: new Date() },
    ]);
}, 60_000);

describe("attemptLogin", () => {
  it("signs in with the right password (email case-insensitive) and carries the role", async () => {
    const outcome = await attemptLogin({ email: "  Ada@Example.com ", password: PASSWORD, ip: "10.0.0.1" });
    expect(outcome).toMatchObject({ ok: true, user: { email: "ada@example.com", role: "author" } });
  });

  it.each([
    { name: "a wrong password", email: "ada@example.com", password: "nope" },
    { name: "an unknown account", email: "nobody@example.com", password: PASSWORD },
    { name: "a disabled account", email: "gone@example.com", password: PASSWORD },
  ])("answers $name with the same plain message", async ({ email, password }) => {
    const outcome = await attemptLogin({ email, password, ip: "10.0.0.2" });
    expect(outcome).toEqual({ ok: false, reason: "invalid", message: "Email or password is incorrect." });
  });

  it("locks an account after repeated failures, even for the right password, without locking others on the same IP", async () => {
    const now = new Date("2026-11-22T10:00:00Z");
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i += 1) {
      await attemptLogin({ email: "grace@example.com", password: "wrong", ip: "10.0.0.3", now });
    }
    const locked = await attemptLogin({ email: "grace@example.com", password: PASSWORD, ip: "10.0.0.9", now });
    expect(locked).toMatchObject({ ok: false, reason: "rate_limited", message: expect.stringMatching(/Try again in 15 minutes/) });
    const other = await attemptLogin({ email: "ada@example.com", password: PASSWORD, ip: "10.0.0.3", now });
    expect(other.ok).toBe(true);
    // The window passes: the account can sign in again.
    const later = await attemptLogin({ email: "grace@example.com", password: PASSWORD, ip: "10.0.0.9", now: new Date(now.getTime() + 16 * 60_000) });
    expect(later.ok).toBe(true);
  });
});
