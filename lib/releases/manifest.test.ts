import { describe, expect, it } from "vitest";
import type { ComponentKind } from "@/lib/components/kinds";
import {
  bundleRollbackPlan,
  clampClickedAt,
  componentRollbackPlan,
  introducingChangeRequest,
  previousVersions,
  releaseId,
  sameBundle,
  versionsLiveBefore,
  type CurrentComponent,
  type HistoryManifest,
  type VersionOfKind,
} from "./manifest";

describe("releaseId", () => {
  it.each<[string, string, string]>([
    ["2026-03-03T19:00:00Z", "ab12", "rel_20260303_1900_ab12"],
    ["2026-12-31T23:59:59.999Z", "0000", "rel_20261231_2359_0000"],
    ["2027-01-01T00:00:00Z", "ffff", "rel_20270101_0000_ffff"],
    // A local-time offset in the input changes nothing: the id is in UTC.
    ["2026-03-30T09:05:00+02:00", "9a9a", "rel_20260330_0705_9a9a"],
  ])("%s + %s → %s", (at, hex, id) => {
    expect(releaseId(new Date(at), hex)).toBe(id);
  });

  it.each(["AB12", "ab1", "ab123", "xyz1", ""])("refuses the suffix %j", (hex) => {
    expect(() => releaseId(new Date("2026-03-03T19:00:00Z"), hex)).toThrow(RangeError);
  });

  it("refuses an invalid time", () => {
    expect(() => releaseId(new Date("nope"), "ab12")).toThrow(RangeError);
  });
});

// policy: s10 ← s11 ← s12 ← s13 ← s14, and a side branch s11 ← s12b.
const V = (id: string, parentId: string | null): VersionOfKind => ({ id, label: id, parentId });
const POLICY_VERSIONS = [V("s10", null), V("s11", "s10"), V("s12", "s11"), V("s13", "s12"), V("s14", "s13"), V("s12b", "s11")];
const C = (versionId: string, rollbackTargetVersionId: string | null): CurrentComponent => ({ versionId, label: versionId, rollbackTargetVersionId });
const CURRENT: Partial<Record<ComponentKind, CurrentComponent>> = {
  prompt: C("p2", "p1"),
  retrieval: C("r1", null),
  policy: C("s13", "s12"),
  tool_permission: C("t1", null),
  routing: C("x1", null),
};
const plan = (over: Partial<Parameters<typeof componentRollbackPlan>[0]> = {}) =>
  componentRollbackPlan({ current: CURRENT, kind: "policy", versionsOfKind: POLICY_VERSIONS, liveBefore: [], ...over });

describe("componentRollbackPlan", () => {
  it("reverts only that kind, to its rollback target by default", () => {
    const out = plan();
    expect(out).toEqual({
      ok: true,
      bundle: { prompt: "p2", retrieval: "r1", policy: "s12", tool_permission: "t1", routing: "x1" },
      from: { versionId: "s13", label: "s13" },
      to: { versionId: "s12", label: "s12" },
    });
  });

  it.each<[string, string, string[]]>([
    ["the rollback target", "s12", []],
    ["the grandparent", "s11", []],
    ["the root ancestor", "s10", []],
    ["a side branch that was live in an earlier stable release", "s12b", ["s12b"]],
  ])("accepts %s", (_name, toVersionId, liveBefore) => {
    const out = plan({ toVersionId, liveBefore });
    expect(out.ok && out.bundle.policy).toBe(toVersionId);
    expect(out.ok && out.bundle.prompt).toBe("p2");
  });

  it.each<[string, Partial<Parameters<typeof componentRollbackPlan>[0]>, RegExp]>([
    ["a newer version (a roll-forward)", { toVersionId: "s14" }, /^s14 is not a previous version of policy \(it runs s13\)\. Previous versions: s12, s11, s10\.$/],
    ["a side branch never live", { toVersionId: "s12b" }, /^s12b is not a previous version of policy/],
    ["the running version", { toVersionId: "s13" }, /^Policy already runs s13; there is nothing to roll back\.$/],
    ["a version of another service or kind", { toVersionId: "elsewhere" }, /^That version is not a policy version of this service\.$/],
    ["no target and no choice", { current: { ...CURRENT, policy: C("s10", null) } }, /^Policy s10 has no previous version to roll back to/],
    ["a kind the release lacks", { current: { prompt: C("p2", "p1") } }, /^The release has no policy component to roll back\.$/],
  ])("refuses %s", (_name, over, reason) => {
    const out = plan(over);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toMatch(reason);
  });

  it("survives a parent cycle", () => {
    const cyclic = [V("a", "b"), V("b", "a"), V("c", null)];
    const out = componentRollbackPlan({ current: { policy: C("a", null) }, kind: "policy", toVersionId: "c", versionsOfKind: cyclic });
    expect(out).toMatchObject({ ok: false });
  });
});

describe("previousVersions", () => {
  it("lists the rollback target, the ancestors, then earlier live versions, without duplicates or the running one", () => {
    const out = previousVersions({ running: C("s13", "s12"), versionsOfKind: POLICY_VERSIONS, liveBefore: ["s12b", "s11", "s13"] });
    expect(out.map((v) => v.id)).toEqual(["s12", "s11", "s10", "s12b"]);
  });
});

const M = (id: string, createdAt: string, components: Record<string, string> = { policy: "s1" }) => ({
  id,
  serviceId: "svc",
  createdAt: new Date(createdAt),
  components: Object.entries(components).map(([kind, versionId]) => ({ kind, versionId })),
});

describe("bundleRollbackPlan", () => {
  const stable = { id: "rel_b", createdAt: new Date("2026-03-02T00:00:00Z") };
  it.each<[string, ReturnType<typeof M>, string | null, RegExp | null]>([
    ["an earlier release", M("rel_a", "2026-03-01T00:00:00Z"), null, null],
    ["the stable while a canary runs (ends the canary)", M("rel_b", "2026-03-02T00:00:00Z"), "rel_c", null],
    ["the stable with no canary", M("rel_b", "2026-03-02T00:00:00Z"), null, /already the stable release/],
    ["a newer release (the canary itself)", M("rel_c", "2026-03-03T00:00:00Z"), "rel_c", /not earlier than the stable release rel_b/],
    ["another service's release", { ...M("rel_x", "2026-03-01T00:00:00Z"), serviceId: "other" }, null, /release of another service/],
    ["an earlier release with the stable's very bundle", M("rel_a", "2026-03-01T00:00:00Z", { policy: "s2" }), null, /^The stable release rel_b already runs the same versions as rel_a/],
    ["the same bundle while a canary runs (ends the canary)", M("rel_a", "2026-03-01T00:00:00Z", { policy: "s2" }), "rel_c", null],
  ])("%s", (_name, target, canaryReleaseId, refusal) => {
    const out = bundleRollbackPlan({ target, serviceId: "svc", stable: { ...stable, bundle: { policy: "s2" } }, canaryReleaseId });
    if (!refusal) expect(out).toEqual({ ok: true, bundle: { policy: target.components[0]!.versionId } });
    else expect(!out.ok && out.reason).toMatch(refusal);
  });
});

const H = (id: string, kind: string, policy: string, replaces: string | null, cr: string | null, canaryPercent = 100): HistoryManifest => ({
  id,
  kind,
  canaryPercent,
  changeRequestId: cr,
  replacesReleaseId: replaces,
  components: [{ kind: "policy", versionId: policy }, { kind: "prompt", versionId: "p1" }],
});

describe("introducingChangeRequest", () => {
  // initial s12 → deploy s13 (CR-A, canary) → promotion s13 (CR-A) → rollback s12 → deploy s14 (CR-B)
  const history = [
    H("deployB", "deploy", "s14", "rolledBack", "crB", 1),
    H("rolledBack", "rollback", "s12", "promoted", "crA"),
    H("promoted", "promotion", "s13", "deployA", "crA"),
    H("deployA", "deploy", "s13", "initial", "crA", 5),
    H("initial", "initial", "s12", null, null),
  ];
  it.each<[string, string, ComponentKind, string | null]>([
    ["the canary's own change", "deployB", "policy", "crB"],
    ["a promoted version: back to its deploy", "promoted", "policy", "crA"],
    ["a version restored by a rollback", "rolledBack", "policy", null],
    ["a version there from the start", "initial", "policy", null],
    ["a kind unchanged since the start", "promoted", "prompt", null],
    ["an unknown release", "nope", "policy", null],
  ])("%s", (_name, from, kind, cr) => {
    expect(introducingChangeRequest(history, from, kind)).toBe(cr);
  });
});

describe("versionsLiveBefore", () => {
  it("lists versions of stable releases only, except the current one", () => {
    const history = [H("c", "deploy", "s14", "b", "x", 5), H("b", "promotion", "s13", "a", "y"), H("a", "initial", "s12", null, null)];
    expect(versionsLiveBefore(history, "policy", "b")).toEqual(["s12"]);
    expect(versionsLiveBefore(history, "policy", "zzz")).toEqual(["s13", "s12"]);
  });
});

describe("sameBundle", () => {
  const a = { prompt: "p", retrieval: "r", policy: "s", tool_permission: "t", routing: "x" };
  it.each<[string, object, boolean]>([
    ["identical", { ...a }, true],
    ["one kind differs", { ...a, policy: "s2" }, false],
    ["one kind missing", { ...a, routing: undefined }, false],
  ])("%s", (_name, b, same) => {
    expect(sameBundle(a, b)).toBe(same);
  });
});

describe("clampClickedAt", () => {
  const now = new Date("2026-03-03T03:12:00.000Z");
  it.each<[string, Date | undefined, string]>([
    ["a recent click is kept", new Date("2026-03-03T03:11:58.500Z"), "2026-03-03T03:11:58.500Z"],
    ["a click from the future is now", new Date("2026-03-03T04:00:00Z"), "2026-03-03T03:12:00.000Z"],
    ["an hour-old click is ten minutes old", new Date("2026-03-03T02:12:00Z"), "2026-03-03T03:02:00.000Z"],
    ["exactly ten minutes old is kept", new Date("2026-03-03T03:02:00Z"), "2026-03-03T03:02:00.000Z"],
    ["no click time is now", undefined, "2026-03-03T03:12:00.000Z"],
    ["an invalid time is now", new Date("nope"), "2026-03-03T03:12:00.000Z"],
  ])("%s", (_name, clicked, expected) => {
    expect(clampClickedAt(clicked, now).toISOString()).toBe(expected);
  });
});
