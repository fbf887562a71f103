import { describe, expect, it } from "vitest";
import { assignArm } from "./bucketing";
import { armFor, etagMatches, resolveConfig, type ServiceSnapshot } from "./resolve";

const component = (version: string) => ({ version, versionId: `id-${version}`, hash: "0".repeat(64), content: { text: version } });

const snapshot: ServiceSnapshot = {
  service: "support-assistant",
  serviceId: "00000000-0000-0000-0000-000000000001",
  pointerRevision: 7,
  updatedAt: "2026-03-03T19:00:00.000Z",
  stable: { releaseId: "rel_stable", components: { prompt: component("p1"), policy: component("s1") } },
  canary: { releaseId: "rel_canary", percent: 40, tenants: ["acme"], components: { prompt: component("p1"), policy: component("s2") } },
  etag: '"snap-x"',
};

describe("resolveConfig", () => {
  it("gives each subject the bundle of the arm assignArm picks", () => {
    let canaries = 0;
    for (let i = 0; i < 1000; i++) {
      const subject = `user-${i}`;
      const expected = assignArm({ service: "support-assistant", canaryReleaseId: "rel_canary", canaryPercent: 40, canaryTenants: ["acme"], subject, tenant: "acme" });
      const resolved = resolveConfig(snapshot, { subject, tenant: "acme" });
      expect(resolved.arm).toBe(expected);
      expect(armFor(snapshot, { subject, tenant: "acme" })).toBe(expected);
      expect(resolved.releaseId).toBe(expected === "canary" ? "rel_canary" : "rel_stable");
      expect(resolved.components.policy!.version).toBe(expected === "canary" ? "s2" : "s1");
      expect(resolved.pointerRevision).toBe(7);
      if (expected === "canary") canaries++;
    }
    expect(canaries).toBeGreaterThan(300);
    expect(canaries).toBeLessThan(500);
  });

  it("serves stable outside the targeted tenants and when there is no canary", () => {
    expect(resolveConfig(snapshot, { subject: "user-1", tenant: "initech" }).releaseId).toBe("rel_stable");
    for (let i = 0; i < 100; i++) expect(resolveConfig({ ...snapshot, canary: null }, { subject: `user-${i}`, tenant: "acme" }).arm).toBe("stable");
  });
});

describe("etagMatches", () => {
  it.each<[string | null, string, boolean]>([
    [null, '"a"', false],
    ["", '"a"', false],
    ['"a"', '"a"', true],
    ['"b"', '"a"', false],
    ['"b", "a"', '"a"', true],
    ['"b",  "a" ', '"a"', true],
    ['W/"a"', '"a"', true],
    ['"a"', 'W/"a"', true],
    ["*", '"a"', true],
    ["a", '"a"', false],
    ['"ab"', '"a"', false],
  ])("If-None-Match %j against %s → %s", (header, etag, expected) => {
    expect(etagMatches(header, etag)).toBe(expected);
  });
});
