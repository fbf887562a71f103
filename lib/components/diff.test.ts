import { describe, expect, it } from "vitest";
import {
  type DiffLine,
  type StructuralChange,
  diffComponentContent,
  diffManifests,
  diffPromptText,
  diffStructural,
  liveSinceByKind,
  type ManifestHistoryEntry,
} from "./diff";

/** Compact picture of a diff: "+text", "-text", " text". */
function picture(lines: DiffLine[]): string[] {
  return lines.map((l) => `${l.type === "added" ? "+" : l.type === "removed" ? "-" : " "}${l.text}`);
}

/** The highlighted words of a line, in order. */
function highlighted(line: DiffLine | undefined): string[] {
  return (line?.segments ?? []).filter((s) => s.changed).map((s) => s.text);
}

describe("diffPromptText: lines", () => {
  const cases: Array<{ name: string; a: string; b: string; lines: string[]; added: number; removed: number }> = [
    { name: "identical texts", a: "one\ntwo", b: "one\ntwo", lines: [], added: 0, removed: 0 },
    { name: "both empty", a: "", b: "", lines: [], added: 0, removed: 0 },
    { name: "from empty", a: "", b: "one\ntwo", lines: ["+one", "+two"], added: 2, removed: 0 },
    { name: "to empty", a: "one\ntwo", b: "", lines: ["-one", "-two"], added: 0, removed: 2 },
    { name: "one line replaced", a: "a\nb\nc", b: "a\nB\nc", lines: [" a", "-b", "+B", " c"], added: 1, removed: 1 },
    { name: "line appended", a: "a\nb", b: "a\nb\nc", lines: [" a", " b", "+c"], added: 1, removed: 0 },
    { name: "line removed in the middle", a: "a\nb\nc", b: "a\nc", lines: [" a", "-b", " c"], added: 0, removed: 1 },
    { name: "a final newline is not a change", a: "a\nb", b: "a\nb\n", lines: [], added: 0, removed: 0 },
    { name: "CRLF equals LF", a: "a\r\nb", b: "a\nb", lines: [], added: 0, removed: 0 },
    { name: "blank line inserted", a: "a\nb", b: "a\n\nb", lines: [" a", "+", " b"], added: 1, removed: 0 },
  ];
  it.each(cases)("$name", ({ a, b, lines, added, removed }) => {
    const d = diffPromptText(a, b);
    expect(d.hunks.flatMap((h) => picture(h.lines))).toEqual(lines);
    expect(d.added).toBe(added);
    expect(d.removed).toBe(removed);
    expect(d.identical).toBe(added === 0 && removed === 0);
  });

  it("numbers lines on both sides", () => {
    const d = diffPromptText("a\nb\nc", "a\nx\ny\nc");
    expect(d.hunks[0]!.lines.map((l) => [l.oldNumber, l.newNumber])).toEqual([
      [1, 1],
      [2, null],
      [null, 2],
      [null, 3],
      [3, 4],
    ]);
  });
});

describe("diffPromptText: hunks and context", () => {
  const twenty = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
  const edit = (lines: string[], at: number[], text = "edited") => lines.map((l, i) => (at.includes(i) ? `${l} ${text}` : l));

  const cases: Array<{ name: string; changed: number[]; context?: number; hunks: Array<[number, number, number, number, number]>; after: number }> = [
    // [oldStart, oldLines, newStart, newLines, skippedBefore]
    { name: "one change in the middle", changed: [9], hunks: [[7, 7, 7, 7, 6]], after: 7 },
    { name: "change on the first line", changed: [0], hunks: [[1, 4, 1, 4, 0]], after: 16 },
    { name: "change on the last line", changed: [19], hunks: [[17, 4, 17, 4, 16]], after: 0 },
    { name: "two distant changes give two hunks", changed: [2, 15], hunks: [[1, 6, 1, 6, 0], [13, 7, 13, 7, 6]], after: 1 },
    { name: "changes whose contexts touch merge", changed: [5, 12], hunks: [[3, 14, 3, 14, 2]], after: 4 },
    { name: "changes further apart stay apart", changed: [5, 13], hunks: [[3, 7, 3, 7, 2], [11, 7, 11, 7, 1]], after: 3 },
    { name: "context 0", changed: [5], context: 0, hunks: [[6, 1, 6, 1, 5]], after: 14 },
    { name: "whole text", changed: [5], context: Infinity, hunks: [[1, 20, 1, 20, 0]], after: 0 },
  ];
  it.each(cases)("$name", ({ changed, context, hunks, after }) => {
    const d = diffPromptText(twenty.join("\n"), edit(twenty, changed).join("\n"), { context });
    expect(d.hunks.map((h) => [h.oldStart, h.oldLines, h.newStart, h.newLines, h.skippedBefore])).toEqual(hunks);
    expect(d.skippedAfter).toBe(after);
    // Every line of the old text is either shown or counted as skipped.
    const shownOld = d.hunks.reduce((n, h) => n + h.oldLines, 0);
    const skipped = d.hunks.reduce((n, h) => n + h.skippedBefore, 0) + d.skippedAfter;
    expect(shownOld + skipped).toBe(20);
  });

  it("an insertion into an empty text starts at line 0 on the old side", () => {
    const [h] = diffPromptText("", "x").hunks;
    expect([h!.oldStart, h!.oldLines, h!.newStart, h!.newLines]).toEqual([0, 0, 1, 1]);
  });
});

describe("diffPromptText: word highlights", () => {
  it("highlights only the words that changed in a replaced line", () => {
    const d = diffPromptText("Answer in a friendly tone.\nCite the source.", "Answer in a formal tone.\nCite the source.");
    const [removed, added] = d.hunks[0]!.lines.filter((l) => l.type !== "unchanged");
    expect(highlighted(removed)).toEqual(["friendly"]);
    expect(highlighted(added)).toEqual(["formal"]);
    // The segments still spell the whole line.
    expect(added!.segments.map((s) => s.text).join("")).toBe("Answer in a formal tone.");
  });

  it("highlights inside a block of several replaced lines, each on its own line", () => {
    const d = diffPromptText("keep\nrefund up to 50 EUR\nescalate disputes\nkeep", "keep\nrefund up to 100 EUR\nescalate all disputes\nkeep");
    const changed = d.hunks[0]!.lines.filter((l) => l.type !== "unchanged");
    expect(picture(changed)).toEqual(["-refund up to 50 EUR", "-escalate disputes", "+refund up to 100 EUR", "+escalate all disputes"]);
    expect(changed.map(highlighted)).toEqual([["50"], [], ["100"], ["all "]]);
  });

  it("adds words without highlighting anything on the old line", () => {
    const d = diffPromptText("Be brief.", "Be brief and kind.");
    const [removed, added] = d.hunks[0]!.lines;
    expect(highlighted(removed)).toEqual([]);
    expect(highlighted(added).join("")).toContain("and kind");
  });

  it("highlights what was added to a line that was extended and reworded", () => {
    const d = diffPromptText(
      "Escalate when the customer asks for one, or when you could not resolve the issue after two attempts.",
      "Escalate when the customer asks for one, mentions a chargeback, or is still stuck after two attempts. Write a hand-off note for the agent.",
    );
    const [removed, added] = d.hunks[0]!.lines;
    expect(removed!.segments.some((s) => !s.changed && s.text.startsWith("Escalate when the customer asks for one,"))).toBe(true);
    expect(highlighted(added).join("")).toContain("Write a hand-off note");
  });

  it("joins single common words between two changes into one highlight", () => {
    const d = diffPromptText("Keep it short. Do it now.", "Keep it short. Ask the customer to wait and do it now.");
    const added = d.hunks[0]!.lines.find((l) => l.type === "added");
    const marks = highlighted(added);
    // One run, however many common words the word diff found inside it.
    expect(marks).toHaveLength(1);
    expect(added!.segments.map((s) => s.text).join("")).toBe("Keep it short. Ask the customer to wait and do it now.");
  });

  it("keeps two-word common runs as separators between highlights", () => {
    const d = diffPromptText("Refund up to 50 EUR in cash today.", "Refund up to 100 EUR in cash tomorrow.");
    const added = d.hunks[0]!.lines.find((l) => l.type === "added");
    expect(highlighted(added)).toEqual(["100", "tomorrow"]);
  });

  it("shows unrelated replacements as whole lines, without word noise", () => {
    const d = diffPromptText(
      "Be polite and professional. Apologise when something went wrong on our side. Keep answers short.",
      "Be warm and direct. Acknowledge the problem in one sentence, then move to the fix; prefer numbered steps over long prose.",
    );
    for (const line of d.hunks[0]!.lines) {
      expect(line.segments).toEqual([{ text: line.text, changed: false }]);
    }
  });

  it("leaves pure additions and removals unhighlighted", () => {
    const d = diffPromptText("a\nb", "a\nb\nnew rule");
    const added = d.hunks[0]!.lines.find((l) => l.type === "added");
    expect(added?.segments).toEqual([{ text: "new rule", changed: false }]);
  });
});

describe("diffStructural", () => {
  const cases: Array<{ name: string; a: unknown; b: unknown; changes: StructuralChange[] }> = [
    { name: "equal objects", a: { x: 1, y: [1, 2] }, b: { y: [1, 2], x: 1 }, changes: [] },
    { name: "changed scalar", a: { topK: 5 }, b: { topK: 8 }, changes: [{ path: "topK", type: "changed", before: 5, after: 8 }] },
    { name: "added field", a: {}, b: { reranker: "bge" }, changes: [{ path: "reranker", type: "added", after: "bge" }] },
    { name: "removed field", a: { maxAgeDays: 30 }, b: {}, changes: [{ path: "maxAgeDays", type: "removed", before: 30 }] },
    {
      name: "nested field inside a list of unnamed objects",
      a: { rules: [{ action: "allow" }, { action: "allow" }, { action: "allow" }] },
      b: { rules: [{ action: "allow" }, { action: "allow" }, { action: "block" }] },
      changes: [{ path: "rules[2].action", type: "changed", before: "allow", after: "block" }],
    },
    {
      name: "item with an id inserted at the front is one addition",
      a: { rules: [{ id: "pii", action: "redact" }, { id: "fraud", action: "block" }] },
      b: { rules: [{ id: "self-harm", action: "escalate" }, { id: "pii", action: "redact" }, { id: "fraud", action: "block" }] },
      changes: [{ path: "rules[0]", type: "added", after: { id: "self-harm", action: "escalate" }, item: "self-harm" }],
    },
    {
      name: "change inside an item found by id is named by its new index",
      a: { rules: [{ id: "pii", action: "redact" }, { id: "fraud", action: "allow" }] },
      b: { rules: [{ id: "new", action: "allow" }, { id: "pii", action: "redact" }, { id: "fraud", action: "block" }] },
      changes: [
        { path: "rules[2].action", type: "changed", before: "allow", after: "block", item: "fraud" },
        { path: "rules[0]", type: "added", after: { id: "new", action: "allow" }, item: "new" },
      ],
    },
    {
      name: "item with a name removed is named by its old index",
      a: { tools: [{ name: "lookup_order" }, { name: "issue_refund" }] },
      b: { tools: [{ name: "lookup_order" }] },
      changes: [{ path: "tools[1]", type: "removed", before: { name: "issue_refund" }, item: "issue_refund" }],
    },
    {
      name: "reordered items are reported once",
      a: { rules: [{ id: "a" }, { id: "b" }] },
      b: { rules: [{ id: "b" }, { id: "a" }] },
      changes: [{ path: "rules", type: "changed", before: ["a", "b"], after: ["b", "a"], note: "order changed" }],
    },
    {
      name: "list of plain values: insertion is one addition",
      a: { domains: ["billing", "shipping"] },
      b: { domains: ["payment", "billing", "shipping"] },
      changes: [{ path: "domains[0]", type: "added", after: "payment" }],
    },
    {
      name: "list of plain values: replacement in place is a change",
      a: { knownLimitations: ["no images", "English only"] },
      b: { knownLimitations: ["no images", "English and German only"] },
      changes: [{ path: "knownLimitations[1]", type: "changed", before: "English only", after: "English and German only" }],
    },
    {
      name: "list of plain values: removal",
      a: { domains: ["a", "b", "c"] },
      b: { domains: ["a", "c"] },
      changes: [{ path: "domains[1]", type: "removed", before: "b" }],
    },
    {
      name: "type change from list to object",
      a: { sources: ["kb"] },
      b: { sources: { kb: 1 } },
      changes: [{ path: "sources", type: "changed", before: ["kb"], after: { kb: 1 } }],
    },
    {
      name: "null to value",
      a: { reranker: null },
      b: { reranker: "bge" },
      changes: [{ path: "reranker", type: "changed", before: null, after: "bge" }],
    },
    {
      name: "keys that are not identifiers are quoted",
      a: { weights: { "gpt-4o": 0.5 } },
      b: { weights: { "gpt-4o": 0.7 } },
      changes: [{ path: 'weights["gpt-4o"]', type: "changed", before: 0.5, after: 0.7 }],
    },
    { name: "different scalar roots", a: 1, b: 2, changes: [{ path: "", type: "changed", before: 1, after: 2 }] },
    {
      name: "duplicate ids fall back to positions",
      a: { rules: [{ id: "x", v: 1 }, { id: "x", v: 2 }] },
      b: { rules: [{ id: "x", v: 1 }, { id: "x", v: 3 }] },
      changes: [{ path: "rules[1].v", type: "changed", before: 2, after: 3 }],
    },
  ];
  it.each(cases)("$name", ({ a, b, changes }) => {
    expect(diffStructural(a, b)).toEqual(changes);
  });

  it("does not modify its inputs", () => {
    const a = { rules: [{ id: "a", x: 1 }] };
    const b = { rules: [{ id: "a", x: 2 }] };
    const snapshot = JSON.stringify([a, b]);
    diffStructural(a, b);
    expect(JSON.stringify([a, b])).toBe(snapshot);
  });
});

describe("diffComponentContent", () => {
  const prompt = (over: Record<string, unknown> = {}) => ({
    instructions: "You are the support assistant.\nAnswer in a friendly tone.",
    modelFamily: "gpt-4o",
    temperature: 0.2,
    toolSchemaVersion: "tools-v3",
    knownLimitations: ["no images"],
    ...over,
  });

  it("prompts: text diff of the instructions, structural diff of the rest", () => {
    const d = diffComponentContent("prompt", prompt(), prompt({ instructions: "You are the support assistant.\nAnswer in a formal tone.", temperature: 0.3 }));
    expect(d.style).toBe("text");
    if (d.style !== "text") return;
    expect(d.text.added).toBe(1);
    expect(d.fields).toEqual([{ path: "temperature", type: "changed", before: 0.2, after: 0.3 }]);
    expect(d.identical).toBe(false);
  });

  it("prompts: only metadata changed", () => {
    const d = diffComponentContent("prompt", prompt(), prompt({ modelFamily: "claude-3-5" }));
    expect(d.style === "text" && d.text.identical).toBe(true);
    expect(d.style === "text" && d.fields.map((f) => f.path)).toEqual(["modelFamily"]);
  });

  it("prompts: identical content", () => {
    expect(diffComponentContent("prompt", prompt(), prompt()).identical).toBe(true);
  });

  it.each(["retrieval", "policy", "tool_permission", "routing"] as const)("%s: structural diff", (kind) => {
    const d = diffComponentContent(kind, { topK: 5, instructions: "x" }, { topK: 6, instructions: "y" });
    expect(d.style).toBe("structural");
    // Only prompts treat `instructions` as text; elsewhere it is just a field.
    expect(d.style === "structural" && d.changes.map((c) => c.path)).toEqual(["topK", "instructions"]);
  });
});

describe("diffManifests", () => {
  const m = (pairs: Record<string, string>) => Object.entries(pairs).map(([kind, versionId]) => ({ kind, versionId }));

  const cases: Array<{ name: string; a: Record<string, string>; b: Record<string, string>; statuses: string[] }> = [
    {
      name: "one component changed",
      a: { prompt: "p1", retrieval: "r1", policy: "s1", tool_permission: "t1", routing: "m1" },
      b: { prompt: "p2", retrieval: "r1", policy: "s1", tool_permission: "t1", routing: "m1" },
      statuses: ["prompt:changed", "retrieval:same", "policy:same", "tool_permission:same", "routing:same"],
    },
    {
      name: "catalogue order whatever the input order, missing kinds added or removed",
      a: { routing: "m1", prompt: "p1" },
      b: { policy: "s1", prompt: "p1" },
      statuses: ["prompt:same", "policy:added", "routing:removed"],
    },
    { name: "two empty manifests", a: {}, b: {}, statuses: [] },
  ];
  it.each(cases)("$name", ({ a, b, statuses }) => {
    expect(diffManifests(m(a), m(b)).map((d) => `${d.kind}:${d.status}`)).toEqual(statuses);
  });

  it("keeps the entries so callers can show labels", () => {
    const [d] = diffManifests([{ kind: "prompt", versionId: "a", label: "v1" }], [{ kind: "prompt", versionId: "b", label: "v2" }]);
    expect([d?.from?.label, d?.to?.label]).toEqual(["v1", "v2"]);
  });
});

describe("liveSinceByKind", () => {
  const day = (d: number) => new Date(Date.UTC(2026, 9, d));
  const rel = (
    id: string,
    d: number,
    replaces: string | null,
    versions: Record<string, string>,
    kind = "promotion",
    canaryPercent = 100,
  ): ManifestHistoryEntry => ({
    id,
    kind,
    canaryPercent,
    createdAt: day(d),
    replacesReleaseId: replaces,
    components: Object.entries(versions).map(([k, versionId]) => ({ kind: k, versionId })),
  });
  const history = (...entries: ManifestHistoryEntry[]) => new Map(entries.map((e) => [e.id, e]));
  const since = (stable: string, h: Map<string, ManifestHistoryEntry>) =>
    Object.fromEntries([...liveSinceByKind(stable, h)].map(([k, d]) => [k, d.getUTCDate()]));

  const cases: Array<{ name: string; stable: string; h: Map<string, ManifestHistoryEntry>; expected: Record<string, number> }> = [
    {
      name: "unchanged kinds go back to the first release that had them",
      stable: "r3",
      h: history(rel("r1", 1, null, { prompt: "p1", routing: "m1" }, "initial"), rel("r2", 5, "r1", { prompt: "p2", routing: "m1" }), rel("r3", 9, "r2", { prompt: "p3", routing: "m1" })),
      expected: { prompt: 9, routing: 1 },
    },
    {
      name: "a canary deploy in between is looked past",
      stable: "r3",
      h: history(rel("r1", 1, null, { prompt: "p1", routing: "m1" }, "initial"), rel("r2", 5, "r1", { prompt: "p2", routing: "m1" }, "deploy", 10), rel("r3", 6, "r2", { prompt: "p2", routing: "m1" })),
      expected: { prompt: 6, routing: 1 },
    },
    {
      name: "a version rolled away and back counts from its return",
      stable: "r3",
      h: history(rel("r1", 1, null, { policy: "s1" }, "initial"), rel("r2", 4, "r1", { policy: "s2" }), rel("r3", 8, "r2", { policy: "s1" }, "rollback")),
      expected: { policy: 8 },
    },
    {
      name: "a broken chain stops at the last known release",
      stable: "r2",
      h: history(rel("r2", 4, "gone", { prompt: "p1" })),
      expected: { prompt: 4 },
    },
    {
      name: "a cycle does not hang",
      stable: "a",
      h: history(rel("a", 2, "b", { prompt: "p1" }), rel("b", 1, "a", { prompt: "p1" })),
      expected: { prompt: 1 },
    },
    { name: "unknown stable release", stable: "nope", h: history(), expected: {} },
  ];
  it.each(cases)("$name", ({ stable, h, expected }) => {
    expect(since(stable, h)).toEqual(expected);
  });
});
