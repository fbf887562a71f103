import { describe, expect, it } from "vitest";
import { makeSnapshot } from "./fake-changegate";
import { isServiceSnapshot, supersedes } from "./snapshot";

const held = makeSnapshot({ revision: 5, stable: "rel_20261122_0900_0001" });

describe("isServiceSnapshot", () => {
  it.each<[string, unknown, boolean]>([
    ["a snapshot", held, true],
    ["one with a canary", makeSnapshot({ revision: 2, stable: "rel_20261122_0900_0001", canary: { releaseId: "rel_20261122_0930_0002", percent: 5 } }), true],
    ["null", null, false],
    ["an error body", { error: { code: "internal", message: "x" } }, false],
    ["no stable release", { ...held, stable: null }, false],
    ["a revision that is a string", { ...held, pointerRevision: "5" }, false],
    ["a component without content", { ...held, stable: { releaseId: "r", components: { prompt: { version: "v", hash: "h" } } } }, false],
    ["canary tenants that are not strings", { ...held, canary: { releaseId: "r", percent: 5, tenants: [1], components: {} } }, false],
  ])("%s → %s", (_name, value, expected) => {
    expect(isServiceSnapshot(value)).toBe(expected);
  });
});

describe("supersedes", () => {
  it.each<[string, ReturnType<typeof makeSnapshot>, ReturnType<typeof makeSnapshot> | null, boolean]>([
    ["anything replaces nothing", held, null, true],
    ["a newer revision", makeSnapshot({ revision: 6, stable: "rel_20261122_1000_0002" }), held, true],
    ["an older revision (a slow poll after a stream event)", makeSnapshot({ revision: 4, stable: "rel_20261122_0800_0003" }), held, false],
    ["the same state", { ...held }, held, false],
    ["another service id (a rebuilt database) even with a lower revision", makeSnapshot({ revision: 1, stable: "rel_20261122_0800_0003", serviceId: "22222222-2222-4222-8222-222222222222" }), held, true],
  ])("%s → %s", (_name, next, current, expected) => {
    expect(supersedes(next, current)).toBe(expected);
  });
});
