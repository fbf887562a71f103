import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, contentHash } from "./content-hash";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("contentHash", () => {
  it("does not depend on key order, at any depth", () => {
    const a = { model: "gpt-4.1", temperature: 0.2, retrieval: { topK: 8, indexSnapshot: "kb-2026-03-01" } };
    const b = { retrieval: { indexSnapshot: "kb-2026-03-01", topK: 8 }, temperature: 0.2, model: "gpt-4.1" };
    expect(contentHash(a)).toBe(contentHash(b));
  });

  it.each([
    ["a changed value", { topK: 8 }, { topK: 9 }],
    ["a changed type", { topK: 8 }, { topK: "8" }],
    ["an added key", { topK: 8 }, { topK: 8, minScore: 0.5 }],
    ["reordered array items", { rules: ["a", "b"] }, { rules: ["b", "a"] }],
    ["whitespace in text", { instructions: "Be brief." }, { instructions: "Be brief. " }],
    ["null versus missing", { reranker: null }, {}],
  ])("differs for %s", (_, left, right) => {
    expect(contentHash(left)).not.toBe(contentHash(right));
  });

  it("hashes the RFC 8785 canonical text with sha-256", () => {
    const content = { b: 2, a: [1, "x", { d: null, c: true }], e: 1.0, f: 1e21, g: "é\n" };
    const canonical = '{"a":[1,"x",{"c":true,"d":null}],"b":2,"e":1,"f":1e+21,"g":"é\\n"}';
    expect(canonicalJson(content)).toBe(canonical);
    expect(contentHash(content)).toBe(sha256(canonical));
  });

  it("matches a published sha-256 vector", () => {
    // sha256("{}"), as printed by `printf '{}' | sha256sum`.
    expect(contentHash({})).toBe("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  });

  it("refuses content that is not JSON", () => {
    expect(() => contentHash(undefined)).toThrow(/cannot be represented as JSON/);
  });
});
