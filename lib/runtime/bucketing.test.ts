import { describe, expect, it } from "vitest";
import { assignArm, canaryBucket, murmur3_32, type AssignmentInput } from "./bucketing";

/** The textbook MurmurHash3 x86_32 over a byte array, to check the streaming UTF-8 version against. */
function referenceMurmur(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const blocks = bytes.length >> 2;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < blocks; i++) {
    let k = view.getUint32(i * 4, true);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = blocks * 4;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[tail]!;
      k = Math.imul(k, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small seeded generator (mulberry32), so the property tests are reproducible. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSubjects(n: number, seed: number): string[] {
  const next = prng(seed);
  return Array.from({ length: n }, (_, i) => `user-${Math.floor(next() * 1e12).toString(36)}-${i}`);
}

describe("murmur3_32", () => {
  // Published reference vectors for MurmurHash3 x86_32 (the SMHasher implementation).
  it.each<[string, number, number]>([
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["\0\0\0\0", 0, 0x2362f9de],
    ["\0\0\0", 0, 0x85f0b427],
    ["\0\0", 0, 0x30f4c306],
    ["\0", 0, 0x514e28b7],
    ["\x21\x43\x65", 0, 0x7e4a8634],
    ["\x21\x43", 0, 0xa0f7b07a],
    ["\x21", 0, 0x72661cf4],
    ["aaaa", 0x9747b28c, 0x5a97808a],
    ["aaa", 0x9747b28c, 0x283e0130],
    ["aa", 0x9747b28c, 0x5d211726],
    ["a", 0x9747b28c, 0x7fa09ea6],
    ["abcd", 0x9747b28c, 0xf0478627],
    ["abc", 0x9747b28c, 0xc84a62dd],
    ["ab", 0x9747b28c, 0x74875592],
    ["Hello, world!", 0x9747b28c, 0x24884cba],
    ["ππππππππ", 0x9747b28c, 0xd58063c1],
    ["a".repeat(256), 0x9747b28c, 0x37405bdc],
    ["abc", 0, 0xb3dd93fa],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0, 0xee925b90],
    ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
  ])("murmur3_32(%j, %i) is the reference value", (text, seed, expected) => {
    expect(murmur3_32(text, seed)).toBe(expected);
  });

  it("hashes the UTF-8 bytes, as TextEncoder produces them, for every kind of character", () => {
    const encoder = new TextEncoder();
    const samples = [
      "ascii only",
      "café",
      "日本語のテキスト",
      "emoji 🎉🚀 and more",
      "mixed ß€𝄞 widths",
      "lone high \ud800 surrogate",
      "lone low \udc00 surrogate",
      "trailing high \ud83d",
      "\u07ff\u0800\uffff",
    ];
    const next = prng(7);
    for (let i = 0; i < 500; i++) {
      const len = Math.floor(next() * 24);
      samples.push(String.fromCharCode(...Array.from({ length: len }, () => Math.floor(next() * 0x10000))));
    }
    for (const text of samples) {
      for (const seed of [0, 1, 0x9747b28c]) {
        expect(murmur3_32(text, seed), JSON.stringify(text)).toBe(referenceMurmur(encoder.encode(text), seed));
      }
    }
  });
});

describe("canaryBucket", () => {
  it("is deterministic and in [0, 1)", () => {
    for (const subject of randomSubjects(1000, 1)) {
      const b = canaryBucket("support-assistant", "rel_20260303_1900_ab12", subject);
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
      expect(canaryBucket("support-assistant", "rel_20260303_1900_ab12", subject)).toBe(b);
    }
  });

  it("reshuffles subjects for a new canary release and for another service", () => {
    const subjects = randomSubjects(2000, 2);
    const inCanary = (service: string, release: string) =>
      new Set(subjects.filter((s) => canaryBucket(service, release, s) < 0.5));
    const a = inCanary("support-assistant", "rel_a");
    const b = inCanary("support-assistant", "rel_b");
    const c = inCanary("incident-assistant", "rel_a");
    const overlap = (x: Set<string>, y: Set<string>) => [...x].filter((s) => y.has(s)).length / x.size;
    // Independent halves overlap by about half; an identical assignment would overlap fully.
    expect(overlap(a, b)).toBeGreaterThan(0.4);
    expect(overlap(a, b)).toBeLessThan(0.6);
    expect(overlap(a, c)).toBeLessThan(0.6);
  });
});

describe("assignArm", () => {
  const base: AssignmentInput = {
    service: "support-assistant",
    canaryReleaseId: "rel_20260303_1900_ab12",
    canaryPercent: 10,
    canaryTenants: [],
    subject: "user-1",
    tenant: "acme",
  };

  it("is deterministic: the same input always gets the same arm", () => {
    for (const subject of randomSubjects(2000, 3)) {
      const first = assignArm({ ...base, subject, canaryPercent: 37 });
      for (let i = 0; i < 3; i++) expect(assignArm({ ...base, subject, canaryPercent: 37 })).toBe(first);
    }
  });

  it("agrees with canaryBucket: canary exactly when the bucket is below the percent", () => {
    for (const subject of randomSubjects(5000, 4)) {
      const bucket = canaryBucket(base.service, base.canaryReleaseId!, subject);
      expect(assignArm({ ...base, subject, canaryPercent: 25 })).toBe(bucket < 0.25 ? "canary" : "stable");
    }
  });

  it.each([
    [0, 1],
    [1, 5],
    [5, 10],
    [10, 25],
    [25, 50],
    [1, 99],
    [50, 100],
    [33, 34],
  ])("is monotone: every subject in the canary at %i%% is still in it at %i%%", (low, high) => {
    const subjects = randomSubjects(10_000, low * 101 + high);
    const canaryAt = (percent: number) =>
      new Set(subjects.filter((subject) => assignArm({ ...base, subject, canaryPercent: percent }) === "canary"));
    const lowSet = canaryAt(low);
    const highSet = canaryAt(high);
    for (const subject of lowSet) expect(highSet.has(subject), subject).toBe(true);
    // Raising the percent adds subjects (the property would hold trivially if nobody moved).
    expect(highSet.size).toBeGreaterThan(lowSet.size);
  });

  it.each([1, 10, 50])("puts about %i%% of 100k subjects in the canary (± 1 point)", (percent) => {
    const subjects = randomSubjects(100_000, percent);
    const inCanary = subjects.filter((subject) => assignArm({ ...base, subject, canaryPercent: percent }) === "canary").length;
    expect(Math.abs(inCanary / subjects.length - percent / 100)).toBeLessThan(0.01);
  });

  it("at 0% nobody and at 100% everybody is in the canary", () => {
    for (const subject of randomSubjects(2000, 5)) {
      expect(assignArm({ ...base, subject, canaryPercent: 0 })).toBe("stable");
      expect(assignArm({ ...base, subject, canaryPercent: 100 })).toBe("canary");
    }
  });

  it.each<[string, Partial<AssignmentInput>]>([
    ["no canary release", { canaryReleaseId: null }],
    ["an undefined canary release", { canaryReleaseId: undefined }],
    ["an empty canary release id", { canaryReleaseId: "" }],
  ])("serves stable with %s, whatever the percent", (_name, input) => {
    for (const subject of randomSubjects(200, 6)) expect(assignArm({ ...base, ...input, subject, canaryPercent: 100 })).toBe("stable");
  });

  it.each<[string, readonly string[], string | null | undefined, "canary" | "stable"]>([
    ["targeted tenant", ["acme", "globex"], "globex", "canary"],
    ["untargeted tenant", ["acme", "globex"], "initech", "stable"],
    ["no tenant when tenants are targeted", ["acme"], undefined, "stable"],
    ["null tenant when tenants are targeted", ["acme"], null, "stable"],
    ["tenant case differs (exact match only)", ["acme"], "ACME", "stable"],
    ["any tenant when none are targeted", [], "initech", "canary"],
    ["no tenant when none are targeted", [], undefined, "canary"],
  ])("tenant targeting: %s", (_name, canaryTenants, tenant, expected) => {
    expect(assignArm({ ...base, canaryPercent: 100, canaryTenants, tenant })).toBe(expected);
  });

  it("applies the percent within targeted tenants too", () => {
    const subjects = randomSubjects(20_000, 8);
    const arms = subjects.map((subject) => assignArm({ ...base, subject, canaryPercent: 20, canaryTenants: ["acme"], tenant: "acme" }));
    const share = arms.filter((a) => a === "canary").length / subjects.length;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
  });
});
