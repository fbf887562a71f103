import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { testDb } from "@/db/testing";
import { AppError } from "@/lib/errors";
import { assertCurrentRevision } from "./stale-revision";

// A change request with no stored revisions: the refusal falls back to its updatedAt for "when".
// (lib/changes/commands.integration.test.ts covers a real superseded revision, with its row.)
const cr = { id: randomUUID(), number: 7, currentRevision: 2, updatedAt: new Date("2026-12-04T09:41:27Z") };

async function refusal(revision: number, nextStep: string): Promise<AppError> {
  const err = await testDb()
    .transaction((tx) => assertCurrentRevision(tx, cr, revision, nextStep))
    .then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("assertCurrentRevision", () => {
  it("lets the current revision through", async () => {
    await expect(testDb().transaction((tx) => assertCurrentRevision(tx, cr, 2, "review the new diff"))).resolves.toBeUndefined();
  });

  it("refuses an older revision with when it was replaced and what to do instead", async () => {
    for (const [nextStep, message] of [
      ["review the new diff", "Revision 1 was replaced by revision 2 at 09:41 UTC — review the new diff."],
      ["run the evaluation on the new revision", "Revision 1 was replaced by revision 2 at 09:41 UTC — run the evaluation on the new revision."],
      ["rehearse the rollback of the new revision", "Revision 1 was replaced by revision 2 at 09:41 UTC — rehearse the rollback of the new revision."],
    ] as const) {
      const err = await refusal(1, nextStep);
      expect({ code: err.code, status: err.status, message: err.message }).toEqual({ code: "conflict", status: 409, message });
    }
  });

  it("refuses a revision that does not exist, naming the current one", async () => {
    for (const revision of [3, 0]) {
      const err = await refusal(revision, "review the new diff");
      expect({ code: err.code, message: err.message }).toEqual({ code: "conflict", message: `CR-7 has no revision ${revision}; its current revision is 2.` });
    }
  });
});
