import { describe, expect, it } from "vitest";
import { countIngestAnswer, emptyTally, tallyingFetch } from "./ingest-tally";

describe("countIngestAnswer", () => {
  it.each([
    { status: 200, body: { accepted: 7, duplicates: 2, rejected: [] }, expected: { accepted: 7, duplicates: 2, rejected: 0, failedBatches: 0, reasons: [] } },
    {
      status: 200,
      body: { accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: "latencyMs must not be negative." }, { index: 2, reason: "latencyMs must not be negative." }] },
      expected: { accepted: 1, duplicates: 0, rejected: 2, failedBatches: 0, reasons: ["latencyMs must not be negative."] },
    },
    {
      status: 422,
      body: { error: { code: "invalid_input", message: "None of the 1 event was accepted" }, accepted: 0, duplicates: 0, rejected: [{ index: 0, reason: 'releaseId "x" is not a release of s.' }] },
      expected: { accepted: 0, duplicates: 0, rejected: 1, failedBatches: 1, reasons: ['releaseId "x" is not a release of s.'] },
    },
    { status: 413, body: { error: { code: "payload_too_large", message: "The batch holds 6,000 events" } }, expected: { accepted: 0, duplicates: 0, rejected: 0, failedBatches: 1, reasons: ["The batch holds 6,000 events"] } },
    { status: 503, body: { error: { code: "unavailable", message: "database down" } }, expected: { accepted: 0, duplicates: 0, rejected: 0, failedBatches: 1, reasons: [] } },
    { status: 502, body: null, expected: { accepted: 0, duplicates: 0, rejected: 0, failedBatches: 1, reasons: [] } },
  ])("$status $body", ({ status, body, expected }) => {
    const tally = emptyTally();
    countIngestAnswer(tally, status, body);
    expect(tally).toEqual(expected);
  });

  it("keeps at most five distinct reasons", () => {
    const tally = emptyTally();
    countIngestAnswer(tally, 200, { accepted: 0, duplicates: 0, rejected: Array.from({ length: 8 }, (_, i) => ({ index: i, reason: `reason ${i % 7}` })) });
    expect(tally.rejected).toBe(8);
    expect(tally.reasons).toEqual(["reason 0", "reason 1", "reason 2", "reason 3", "reason 4"]);
  });
});

describe("tallyingFetch", () => {
  const answer = { accepted: 3, duplicates: 1, rejected: [] };
  const inner: typeof fetch = async () => Response.json(answer);

  it("counts the ingestion API's answers and leaves the response readable", async () => {
    const tally = emptyTally();
    const response = await tallyingFetch(inner, tally)("http://cg.test/base/api/v1/events", { method: "POST", body: "{}" });
    expect(await response.json()).toEqual(answer);
    expect(tally).toMatchObject({ accepted: 3, duplicates: 1 });
  });

  it.each([
    ["a GET of the events path", "http://cg.test/api/v1/events", { method: "GET" }],
    ["another POST", "http://cg.test/api/v1/services/s/rehearsals", { method: "POST" }],
    ["the snapshot", "http://cg.test/api/v1/services/s/snapshot", undefined],
  ])("ignores %s", async (_what, url, init) => {
    const tally = emptyTally();
    await tallyingFetch(inner, tally)(url, init);
    expect(tally).toEqual(emptyTally());
  });
});
