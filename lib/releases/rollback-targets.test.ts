import { describe, expect, it } from "vitest";
import { rollbackTargets } from "./rollback-targets";

const bundle = (prompt: string, policy: string) =>
  ({ prompt, retrieval: "r1", policy, tool_permission: "t1", routing: "x1" }) as const;

describe("rollbackTargets", () => {
  it("has no targets for the first manifest", () => {
    const out = rollbackTargets(null, bundle("p1", "s1"));
    expect(Object.values(out).every((c) => c.rollbackTargetVersionId === null)).toBe(true);
  });

  it("points a changed component at the version it replaces", () => {
    const first = rollbackTargets(null, bundle("p1", "s1"));
    const second = rollbackTargets(first, bundle("p2", "s1"));
    expect(second.prompt).toEqual({ versionId: "p2", rollbackTargetVersionId: "p1" });
  });

  it("carries an unchanged component's target forward instead of pointing at itself", () => {
    const first = rollbackTargets(null, bundle("p1", "s1"));
    const second = rollbackTargets(first, bundle("p2", "s1"));
    const third = rollbackTargets(second, bundle("p2", "s2"));
    expect(third.prompt).toEqual({ versionId: "p2", rollbackTargetVersionId: "p1" });
    expect(third.policy).toEqual({ versionId: "s2", rollbackTargetVersionId: "s1" });
    expect(third.retrieval).toEqual({ versionId: "r1", rollbackTargetVersionId: null });
  });

  it("after rolling a component back, its target is the one it had before, never the version just reverted", () => {
    const a = rollbackTargets(null, bundle("p1", "s1"));
    const b = rollbackTargets(a, bundle("p1", "s2"));
    const c = rollbackTargets(b, bundle("p1", "s3"));
    const rolledBack = rollbackTargets(c, bundle("p1", "s2"), [b, a]);
    expect(rolledBack.policy).toEqual({ versionId: "s2", rollbackTargetVersionId: "s1" });
    expect(rolledBack.prompt).toEqual({ versionId: "p1", rollbackTargetVersionId: null });
  });

  it("a version never seen before rolls back to the one it replaces even with history", () => {
    const a = rollbackTargets(null, bundle("p1", "s1"));
    const b = rollbackTargets(a, bundle("p2", "s1"), []);
    const c = rollbackTargets(b, bundle("p3", "s1"), [a]);
    expect(c.prompt).toEqual({ versionId: "p3", rollbackTargetVersionId: "p2" });
  });
});
