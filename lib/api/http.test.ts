import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError } from "@/lib/errors";
import { apiError, apiJson, apiRoute, parseWith, readJsonBody } from "./http";

const URL_ = "http://changegate.test/api/v1/change-requests/x/evidence";

function post(body: BodyInit | null, headers: Record<string, string> = { "content-type": "application/json" }) {
  return new Request(URL_, { method: "POST", body, headers, duplex: "half" } as RequestInit);
}

/** A body streamed in chunks, with no Content-Length: what a chunked upload looks like. */
function streamed(chunks: string[], onPull?: () => void) {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      onPull?.();
      if (i < chunks.length) controller.enqueue(encoder.encode(chunks[i++]!));
      else controller.close();
    },
  }, { highWaterMark: 0 }); // pull only when the reader asks
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

afterEach(() => vi.restoreAllMocks());

describe("readJsonBody: accepts", () => {
  it.each<[string, string]>([
    ["application/json", "application/json"],
    ["with a UTF-8 charset", "application/json; charset=utf-8"],
    ["with a quoted, upper-case charset", 'Application/JSON; charset="UTF-8"'],
    ["a +json vendor type", "application/vnd.changegate.evidence+json"],
  ])("%s", async (_name, contentType) => {
    expect(await readJsonBody(post('{"a":[1,2]}', { "content-type": contentType }), { maxBytes: 100 })).toEqual({ a: [1, 2] });
  });

  it("a body of exactly maxBytes, and a leading byte-order mark", async () => {
    const body = `{"a":"${"x".repeat(92)}"}`;
    expect(body.length).toBe(100);
    expect(await readJsonBody(post(body), { maxBytes: 100 })).toEqual({ a: "x".repeat(92) });
    expect(await readJsonBody(post('\uFEFF{"a":1}'), { maxBytes: 100 })).toEqual({ a: 1 });
  });

  it("a chunked body within the limit", async () => {
    expect(await readJsonBody(post(streamed(['{"a":', '"b"}'])), { maxBytes: 100 })).toEqual({ a: "b" });
  });
});

describe("readJsonBody: refuses", () => {
  it.each<[string, Request, string, number, string]>([
    ["no content type", post('{"a":1}', {}), "unsupported_media_type", 415, "Content-Type: application/json"],
    ["a form post", post("a=1", { "content-type": "application/x-www-form-urlencoded" }), "unsupported_media_type", 415, "not application/x-www-form-urlencoded"],
    ["text/plain", post('{"a":1}', { "content-type": "text/plain" }), "unsupported_media_type", 415, "must be JSON"],
    ["JSON in another charset", post('{"a":1}', { "content-type": "application/json; charset=latin1" }), "unsupported_media_type", 415, "UTF-8"],
    ["an empty body", post(""), "bad_request", 400, "empty"],
    ["no body at all", post(null), "bad_request", 400, "empty"],
    ["malformed JSON", post('{"a":1,}'), "bad_request", 400, "not valid JSON"],
    ["a truncated upload", post('{"segments":[{"name":"a"'), "bad_request", 400, "not valid JSON"],
    ["bytes that are not UTF-8", post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), "bad_request", 400, "not valid UTF-8"],
    ["a body one byte over the limit", post(`"${"x".repeat(99)}"`), "payload_too_large", 413, "larger than 100 bytes"],
    ["a chunked body over the limit", post(streamed(['["', "x".repeat(60), "x".repeat(60), '"]'])), "payload_too_large", 413, "larger than 100 bytes"],
  ])("%s", async (_name, req, code, status, message) => {
    const err = await refusal(readJsonBody(req, { maxBytes: 100 }));
    expect({ code: err.code, status: err.status }).toEqual({ code, status });
    expect(err.message).toContain(message);
  });

  it("an oversized Content-Length before reading a byte", async () => {
    const pulled = vi.fn();
    const req = post(streamed(["{}"], pulled), { "content-type": "application/json", "content-length": String(2 * 1024 * 1024) });
    const err = await refusal(readJsonBody(req, { maxBytes: 1024 * 1024 }));
    expect(err.status).toBe(413);
    expect(err.message).toContain("larger than 1,024 KiB");
    expect(pulled).not.toHaveBeenCalled();
  });

  it("a body larger than its Content-Length claims, by counting what arrives", async () => {
    const req = post(streamed(["[", "1,".repeat(100), "1]"]), { "content-type": "application/json", "content-length": "10" });
    expect((await refusal(readJsonBody(req, { maxBytes: 100 }))).status).toBe(413);
  });
});

describe("parseWith", () => {
  const schema = z.object({ revision: z.number().int(), tags: z.array(z.string().min(1, "Tags cannot be empty")).default([]) });

  it("returns the parsed value with defaults", () => {
    expect(parseWith(schema, { revision: 2 })).toEqual({ revision: 2, tags: [] });
  });

  it("throws invalid_input naming the first problem, with every problem by field", () => {
    let err: AppError | undefined;
    try {
      parseWith(schema, { revision: "2", tags: ["ok", "", ""] });
    } catch (e) {
      err = e as AppError;
    }
    expect(err).toBeInstanceOf(AppError);
    expect(err!.code).toBe("invalid_input");
    expect(err!.status).toBe(422);
    expect(err!.message).toMatch(/^The request body is not valid: revision: .+ \(and 2 more problems\)\.$/);
    expect(err!.fieldErrors).toEqual({
      revision: [expect.any(String)],
      "tags.1": ["Tags cannot be empty"],
      "tags.2": ["Tags cannot be empty"],
    });
  });

  it("files a problem with the whole body under _body", () => {
    let err: AppError | undefined;
    try {
      parseWith(schema, []);
    } catch (e) {
      err = e as AppError;
    }
    expect(err!.message).toBe(`The request body is not valid: ${err!.fieldErrors!._body![0]}.`);
    expect(Object.keys(err!.fieldErrors!)).toEqual(["_body"]);
  });
});

describe("apiError and apiJson", () => {
  it.each<[AppError, number]>([
    [new AppError("bad_request", "x"), 400],
    [new AppError("unauthenticated", "x"), 401],
    [new AppError("forbidden", "x"), 403],
    [new AppError("not_found", "x"), 404],
    [new AppError("conflict", "x"), 409],
    [new AppError("payload_too_large", "x"), 413],
    [new AppError("unsupported_media_type", "x"), 415],
    [new AppError("invalid_input", "x"), 422],
    [new AppError("rate_limited", "x"), 429],
  ])("answers $code with its status and { error: { code, message } }", async (err, status) => {
    const response = apiError(err);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.has("www-authenticate")).toBe(status === 401);
    expect(await response.json()).toEqual({ error: { code: err.code, message: "x" } });
  });

  it("keeps field errors for invalid input", async () => {
    const response = apiError(new AppError("invalid_input", "Some fields need attention.", { revision: ["Required"] }));
    expect(await response.json()).toEqual({
      error: { code: "invalid_input", message: "Some fields need attention.", fieldErrors: { revision: ["Required"] } },
    });
  });

  it("masks an unexpected error as 500 and logs its detail", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = apiError(new Error("connection to 10.0.0.7:5432 refused, password=hunter2"));
    expect(response.status).toBe(500);
    const body = await response.json();
    expect(body.error.code).toBe("internal");
    expect(JSON.stringify(body)).not.toContain("hunter2");
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it("apiRoute turns a thrown error into its answer and passes a response through", async () => {
    const ok = apiRoute(async (_req: Request, ctx: { id: string }) => apiJson({ id: ctx.id }, { status: 201 }));
    const response = await ok(post("{}"), { id: "cr-1" });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: "cr-1" });

    const refused = apiRoute(async () => {
      throw new AppError("conflict", "revision 3 was replaced by revision 4");
    });
    const answer = await refused(post("{}"), {});
    expect(answer.status).toBe(409);
    expect(await answer.json()).toEqual({ error: { code: "conflict", message: "revision 3 was replaced by revision 4" } });
  });
});

describe("apiError for an unreachable database", () => {
  const wrapped = (cause: Error) => Object.assign(new Error("Failed query: insert into outcome_events …"), { cause });
  it.each([
    ["connection refused", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })],
    ["server shut down mid-query (57P01)", wrapped(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))],
    ["server starting up (57P03)", wrapped(Object.assign(new Error("the database system is starting up"), { code: "57P03" }))],
    ["connection dropped", wrapped(new Error("Connection terminated unexpectedly"))],
    ["connection exception class 08", wrapped(Object.assign(new Error("connection failure"), { code: "08006" }))],
  ])("%s → 503 unavailable with Retry-After", async (_name, err) => {
    const response = apiError(err);
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.json()).toEqual({ error: { code: "unavailable", message: "Changegate cannot reach its database right now. Retry shortly." } });
  });

  it("a bug stays a 500, and a refusal keeps its own status", async () => {
    expect(apiError(wrapped(Object.assign(new Error('relation "nope" does not exist'), { code: "42P01" }))).status).toBe(500);
    expect(apiError(new TypeError("x is undefined")).status).toBe(500);
    expect(apiError(new AppError("conflict", "Connection terminated by the other reviewer")).status).toBe(409);
  });
});
