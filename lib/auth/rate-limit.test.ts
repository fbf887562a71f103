import { describe, expect, it } from "vitest";
import { LOGIN_WINDOW_MINUTES, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP, loginThrottle } from "./rate-limit";

const now = new Date("2026-11-22T10:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

describe("loginThrottle", () => {
  it.each([
    { name: "no failures", account: 0, ip: 0, allowed: true },
    { name: "one below the account limit", account: MAX_FAILURES_PER_ACCOUNT - 1, ip: 0, allowed: true },
    { name: "at the account limit", account: MAX_FAILURES_PER_ACCOUNT, ip: 0, allowed: false },
    { name: "one below the IP limit", account: 0, ip: MAX_FAILURES_PER_IP - 1, allowed: true },
    { name: "at the IP limit, fresh account", account: 0, ip: MAX_FAILURES_PER_IP, allowed: false },
  ])("$name → allowed=$allowed", ({ account, ip, allowed }) => {
    expect(loginThrottle({ account, ip, oldestCountedAt: minutesAgo(5) }, now).allowed).toBe(allowed);
  });

  it("tells how long to wait, counted from the oldest failure still in the window", () => {
    const verdict = loginThrottle({ account: MAX_FAILURES_PER_ACCOUNT, ip: 0, oldestCountedAt: minutesAgo(5) }, now);
    expect(verdict).toEqual({
      allowed: false,
      retryAfterMinutes: LOGIN_WINDOW_MINUTES - 5,
      message: `Too many failed sign-in attempts. Try again in ${LOGIN_WINDOW_MINUTES - 5} minutes.`,
    });
  });

  it("never says to wait less than one minute", () => {
    const verdict = loginThrottle(
      { account: MAX_FAILURES_PER_ACCOUNT, ip: 0, oldestCountedAt: minutesAgo(LOGIN_WINDOW_MINUTES - 0.1) },
      now,
    );
    expect(verdict).toMatchObject({ allowed: false, retryAfterMinutes: 1, message: expect.stringContaining("1 minute.") });
  });
});
