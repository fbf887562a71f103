import { describe, expect, it } from "vitest";
import { SseParser, type SseMessage } from "./sse";

function parse(chunks: string[], lastEventId = "") {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const retries: number[] = [];
  const parser = new SseParser(
    { onMessage: (m) => messages.push(m), onComment: (c) => comments.push(c), onRetry: (ms) => retries.push(ms) },
    lastEventId,
  );
  for (const chunk of chunks) parser.push(chunk);
  return { messages, comments, retries, lastEventId: parser.lastEventId };
}

describe("SseParser", () => {
  it.each<[string, string[], Partial<SseMessage>[]]>([
    ["one event", ["id: 7\nevent: snapshot\ndata: {}\n\n"], [{ event: "snapshot", data: "{}", lastEventId: "7" }]],
    ["no event name → message", ["data: x\n\n"], [{ event: "message", data: "x" }]],
    ["multi-line data joined with \\n", ["data: a\ndata: b\n\n"], [{ data: "a\nb" }]],
    ["only one leading space is stripped", ["data:  two\ndata:none\n\n"], [{ data: " two\nnone" }]],
    ["CRLF line ends", ["event: snapshot\r\ndata: 1\r\n\r\n"], [{ event: "snapshot", data: "1" }]],
    ["bare CR line ends (a CR ending a chunk waits to see if LF follows)", ["data: 1\r\r", "x"], [{ data: "1" }]],
    ["a CRLF split across chunks is one line end", ["data: 1\r", "\n\r", "\n"], [{ data: "1" }]],
    ["an event split at every character", [..."id: 3\nevent: snapshot\ndata: {\"a\":1}\n\n"], [{ event: "snapshot", data: '{"a":1}', lastEventId: "3" }]],
    ["an event without data is not dispatched", ["event: snapshot\n\n", "data: later\n\n"], [{ event: "message", data: "later" }]],
    ["an unfinished event waits for its blank line", ["data: pending\n"], []],
    ["the id persists to later events", ["id: 9\ndata: a\n\ndata: b\n\n"], [{ lastEventId: "9" }, { lastEventId: "9" }]],
    ["an id with NUL is ignored", ["id: 4\ndata: a\n\nid: 5\0\ndata: b\n\n"], [{ lastEventId: "4" }, { lastEventId: "4" }]],
    ["unknown fields and field-only lines", ["foo: bar\ndata\n\n"], [{ data: "" }]],
  ])("%s", (_name, chunks, expected) => {
    const { messages } = parse(chunks);
    expect(messages).toHaveLength(expected.length);
    expected.forEach((e, i) => expect(messages[i]).toMatchObject(e));
  });

  it("reports comments (heartbeats) and retry hints, ignoring a non-numeric retry", () => {
    const out = parse([": heartbeat 2026-11-22T09:41:00Z\n\nretry: 1000\n\nretry: soon\n\n"]);
    expect(out.comments).toEqual(["heartbeat 2026-11-22T09:41:00Z"]);
    expect(out.retries).toEqual([1000]);
    expect(out.messages).toEqual([]);
  });

  it("starts from the Last-Event-ID it reconnected with", () => {
    expect(parse(["data: x\n\n"], "12").messages[0]!.lastEventId).toBe("12");
    expect(parse([], "12").lastEventId).toBe("12");
  });
});
