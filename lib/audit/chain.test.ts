import { describe, expect, it } from "vitest";
import { GENESIS_HASH, hashAuditEntry, verifyChainPage, type AuditFields, type ChainCursor, type ChainVerdict } from "./chain";

type Entry = AuditFields & { id: number; hash: string };

const START: ChainCursor = { expectedPrevHash: GENESIS_HASH, checked: 0 };

/** A well-formed chain of `n` entries with ids 1..n, as recordAudit would write it. */
function buildChain(n: number): Entry[] {
  const entries: Entry[] = [];
  let prevHash = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const fields: AuditFields = {
      occurredAt: new Date(Date.UTC(2026, 2, 3, 9, id)),
      actorType: id % 3 === 0 ? "api_token" : "user",
      actorId: `actor-${id % 2}`,
      actorLabel: `Ada Admin <admin@example.com>`,
      action: "user.role_changed",
      targetType: "user",
      targetId: `user-${id}`,
      serviceId: id % 2 ? null : "5b0f3c1e-7f4a-4c43-9a51-0c0d7c9f1a01",
      before: { role: "viewer", tags: ["a", "b"] },
      after: { role: "reviewer", tags: ["a", "b"] },
      reason: id % 2 ? "" : "on-call rotation",
      prevHash,
    };
    const hash = hashAuditEntry(fields);
    entries.push({ ...fields, id, hash });
    prevHash = hash;
  }
  return entries;
}

/** Walks a chain the way verifyAuditChain does: page by page, carrying the cursor. */
function verifyAll(entries: Entry[], pageSize = 1000): ChainVerdict {
  let cursor = START;
  for (let i = 0; i === 0 || i < entries.length; i += pageSize) {
    const step = verifyChainPage(entries.slice(i, i + pageSize), cursor);
    if ("broken" in step) return step.broken;
    cursor = step.cursor;
  }
  return { intact: true, checked: cursor.checked };
}

const CONTENT = "its contents no longer match its hash";
const LINK = "its link to the previous entry does not match";

describe("verifyChainPage", () => {
  it("accepts an empty chain as intact, with nothing checked", () => {
    expect(verifyChainPage([], START)).toEqual({ cursor: START });
    expect(verifyAll([])).toEqual({ intact: true, checked: 0 });
  });

  it.each([1, 2, 7])("accepts an untouched chain of %i entries", (n) => {
    expect(verifyAll(buildChain(n))).toEqual({ intact: true, checked: n });
  });

  it.each([1, 2, 3, 5])("gives the same verdict when the walk is split into pages of %i", (pageSize) => {
    const chain = buildChain(7);
    expect(verifyAll(chain, pageSize)).toEqual({ intact: true, checked: 7 });
    chain[4] = { ...chain[4]!, reason: "tampered" };
    expect(verifyAll(chain, pageSize)).toMatchObject({ intact: false, brokenAtId: 5, checked: 4 });
  });

  // Every field the hash covers: altering it on entry #3 must be caught at #3.
  const alterations: [string, (e: Entry) => Entry][] = [
    ["occurredAt", (e) => ({ ...e, occurredAt: new Date(e.occurredAt.getTime() + 1) })],
    ["actorType", (e) => ({ ...e, actorType: "system" })],
    ["actorId", (e) => ({ ...e, actorId: "someone-else" })],
    ["actorLabel", (e) => ({ ...e, actorLabel: "Mallory <mallory@example.com>" })],
    ["action", (e) => ({ ...e, action: "user.disabled" })],
    ["targetType", (e) => ({ ...e, targetType: "service" })],
    ["targetId", (e) => ({ ...e, targetId: "user-99" })],
    ["serviceId", (e) => ({ ...e, serviceId: e.serviceId ? null : "5b0f3c1e-7f4a-4c43-9a51-0c0d7c9f1a02" })],
    ["before (a value)", (e) => ({ ...e, before: { role: "admin", tags: ["a", "b"] } })],
    ["before (array order)", (e) => ({ ...e, before: { role: "viewer", tags: ["b", "a"] } })],
    ["after (a value)", (e) => ({ ...e, after: { role: "admin", tags: ["a", "b"] } })],
    ["after (removed)", (e) => ({ ...e, after: null })],
    ["reason", (e) => ({ ...e, reason: `${e.reason} ` })],
  ];

  it.each(alterations)("detects an altered %s at that entry", (_, alter) => {
    const chain = buildChain(5);
    chain[2] = alter(chain[2]!);
    expect(verifyAll(chain)).toEqual({ intact: false, checked: 2, brokenAtId: 3, problem: expect.stringContaining(CONTENT) });
  });

  it.each<[string, (chain: Entry[]) => Entry[], number, string]>([
    ["a middle entry deleted", (c) => c.filter((e) => e.id !== 3), 4, LINK],
    ["the first entry deleted", (c) => c.slice(1), 2, LINK],
    ["two entries swapped", (c) => [c[0]!, c[1]!, c[3]!, c[2]!, c[4]!], 4, LINK],
    ["a prevHash changed", (c) => c.map((e) => (e.id === 3 ? { ...e, prevHash: "f".repeat(64) } : e)), 3, LINK],
    ["a prevHash pointed at genesis", (c) => c.map((e) => (e.id === 3 ? { ...e, prevHash: GENESIS_HASH } : e)), 3, LINK],
    ["a stored hash replaced", (c) => c.map((e) => (e.id === 3 ? { ...e, hash: "a".repeat(64) } : e)), 3, CONTENT],
    [
      // A forger who recomputes the altered entry's own hash still breaks the next link.
      "an entry altered and re-hashed",
      (c) =>
        c.map((e) => {
          if (e.id !== 3) return e;
          const forged = { ...e, after: { role: "admin", tags: ["a", "b"] } };
          return { ...forged, hash: hashAuditEntry(forged) };
        }),
      4,
      LINK,
    ],
    [
      "an entry inserted",
      (c) => {
        const fake = { ...c[1]!, id: 99, targetId: "user-forged" };
        return [c[0]!, c[1]!, { ...fake, hash: hashAuditEntry(fake) }, ...c.slice(2)];
      },
      99,
      LINK,
    ],
  ])("detects %s at entry #%i", (_, tamper, brokenAtId, problem) => {
    const verdict = verifyAll(tamper(buildChain(5)));
    expect(verdict).toMatchObject({ intact: false, brokenAtId });
    expect(verdict.intact === false && verdict.problem).toContain(problem);
  });

  it("reports the first break when there are several", () => {
    const chain = buildChain(6);
    chain[1] = { ...chain[1]!, reason: "first" };
    chain[4] = { ...chain[4]!, reason: "second" };
    expect(verifyAll(chain)).toMatchObject({ intact: false, brokenAtId: 2, checked: 1 });
  });

  it("continues from a cursor and refuses a page that does not follow it", () => {
    const chain = buildChain(4);
    const head = verifyChainPage(chain.slice(0, 2), START);
    if (!("cursor" in head)) throw new Error("the first page should be intact");
    expect(head.cursor).toEqual({ expectedPrevHash: chain[1]!.hash, checked: 2 });
    expect(verifyChainPage(chain.slice(2), head.cursor)).toEqual({ cursor: { expectedPrevHash: chain[3]!.hash, checked: 4 } });
    expect(verifyChainPage(chain.slice(3), head.cursor)).toMatchObject({ broken: { brokenAtId: 4, checked: 2 } });
  });
});
