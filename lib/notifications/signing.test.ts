import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_DELIVERY_ATTEMPTS, retryDelayMs, secretFingerprint, signWebhook, unixSeconds, verifyWebhookSignature } from "./signing";

const secret = "whsec_dGVzdC1zZWNyZXQtZm9yLWNoYW5nZWdhdGUtd2ViaG9va3M";
const body = JSON.stringify({ id: "d1", event: "approved", data: { changeRequest: 42 } });
const timestamp = 1_772_560_800; // 2026-03-03T18:00:00Z
const at = (seconds: number) => new Date(seconds * 1000);

describe("signWebhook", () => {
  it("matches an HMAC-SHA256 over `${timestamp}.${body}` computed independently", () => {
    const expected = "sha256=" + createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    expect(signWebhook(secret, timestamp, body)).toBe(expected);
  });

  it("matches a fixed vector (guards against the message layout changing)", () => {
    // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'key'
    expect(signWebhook("key", 1_700_000_000, '{"a":1}')).toBe(
      "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03",
    );
  });

  it("differs for another secret, timestamp or body", () => {
    const base = signWebhook(secret, timestamp, body);
    expect(signWebhook(`${secret}x`, timestamp, body)).not.toBe(base);
    expect(signWebhook(secret, timestamp + 1, body)).not.toBe(base);
    expect(signWebhook(secret, timestamp, `${body} `)).not.toBe(base);
  });

  it("signs UTF-8 bytes", () => {
    const text = '{"note":"Grüße — ✓"}';
    const expected = "sha256=" + createHmac("sha256", secret).update(Buffer.from(`${timestamp}.${text}`, "utf8")).digest("hex");
    expect(signWebhook(secret, timestamp, text)).toBe(expected);
  });
});

describe("verifyWebhookSignature", () => {
  const signature = signWebhook(secret, timestamp, body);
  const check = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({ secret, timestamp: String(timestamp), body, signature, now: at(timestamp), ...overrides });

  it("accepts the genuine signature, with the timestamp as header string or number", () => {
    expect(check({})).toEqual({ valid: true });
    expect(check({ timestamp })).toEqual({ valid: true });
  });

  it.each([
    ["a changed body", { body: body.replace("42", "43") }],
    ["a changed timestamp", { timestamp: String(timestamp + 1) }],
    ["another secret", { secret: "whsec_other" }],
    ["a flipped signature digit", { signature: signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0") }],
  ])("rejects %s as a mismatch", (_, overrides) => {
    expect(check(overrides)).toEqual({ valid: false, reason: "mismatch" });
  });

  it.each([
    ["a missing signature", { signature: undefined }],
    ["an empty signature", { signature: "" }],
    ["a signature without the sha256= prefix", { signature: signature.slice("sha256=".length) }],
    ["a truncated signature", { signature: signature.slice(0, 20) }],
    ["upper-case hex", { signature: signature.toUpperCase().replace("SHA256=", "sha256=") }],
    ["a non-numeric timestamp", { timestamp: "soon" }],
    ["a fractional timestamp", { timestamp: `${timestamp}.5` }],
    ["an empty timestamp", { timestamp: "" }],
  ])("rejects %s as malformed", (_, overrides) => {
    expect(check(overrides)).toEqual({ valid: false, reason: "malformed" });
  });

  it.each([
    ["exactly 5 min late", 300, true],
    ["exactly 5 min early", -300, true],
    ["5 min 1 s late", 301, false],
    ["5 min 1 s early", -301, false],
    ["a day late (replay)", 86_400, false],
  ])("applies the default tolerance: %s", (_, offset, valid) => {
    expect(check({ now: at(timestamp + offset) }).valid).toBe(valid);
  });

  it("takes a custom tolerance", () => {
    expect(check({ now: at(timestamp + 31), toleranceSeconds: 30 })).toEqual({ valid: false, reason: "expired" });
    expect(check({ now: at(timestamp + 30), toleranceSeconds: 30 })).toEqual({ valid: true });
  });

  it("round-trips with a timestamp taken from a Date", () => {
    const now = new Date("2026-03-03T19:00:00.750Z");
    const ts = unixSeconds(now);
    expect(ts).toBe(1_772_564_400);
    expect(
      verifyWebhookSignature({ secret, timestamp: String(ts), body, signature: signWebhook(secret, ts, body), now }),
    ).toEqual({ valid: true });
  });
});

describe("retryDelayMs", () => {
  it.each([
    [1, 10_000],
    [2, 30_000],
    [3, 120_000],
    [4, 600_000],
    [5, 1_800_000],
    [6, 7_200_000],
    [7, null],
    [8, null],
  ])("after attempt %i waits %s ms", (attempt, delay) => {
    expect(retryDelayMs(attempt)).toBe(delay);
  });

  it("gives up after seven attempts", () => {
    expect(MAX_DELIVERY_ATTEMPTS).toBe(7);
    expect(retryDelayMs(MAX_DELIVERY_ATTEMPTS - 1)).not.toBeNull();
    expect(retryDelayMs(MAX_DELIVERY_ATTEMPTS)).toBeNull();
  });

  it("never shrinks between attempts", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n)!);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses attempt %s", (attempt) => {
    expect(() => retryDelayMs(attempt)).toThrow(RangeError);
  });
});

describe("secretFingerprint", () => {
  it("is the first 12 hex of the secret's sha-256, and does not contain the secret", () => {
    const expected = `sha256:${createHash("sha256").update(secret).digest("hex").slice(0, 12)}`;
    expect(secretFingerprint(secret)).toBe(expected);
    expect(secretFingerprint(secret)).not.toContain(secret.slice(6, 18));
    expect(secretFingerprint(`${secret}x`)).not.toBe(expected);
  });
});
