import "server-only";
import type { z } from "zod";
import { AppError, toErrorBody } from "@/lib/errors";

/**
 * Plumbing for the public API's route handlers (`app/api/v1/...`): read a JSON body safely,
 * validate it, and answer every failure with the status its code names and a JSON body
 * `{ error: { code, message } }`. The decisions live in the domain modules, not here.
 */

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } as const;

/** A JSON answer that is never cached: API answers are about the state right now. */
export function apiJson(data: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  for (const [k, v] of Object.entries(JSON_HEADERS)) if (!headers.has(k)) headers.set(k, v);
  return new Response(JSON.stringify(data), { status: init.status ?? 200, headers });
}

/**
 * The answer for anything a handler threw: an AppError keeps its code, status and message (and
 * field errors); anything else is logged with its detail and answered as a masked 500.
 */
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "57P01", "57P02", "57P03"]);
const UNREACHABLE_MESSAGE = /connection terminated|terminating connection|connection (?:refused|ended|timeout)|the database system is (?:starting up|shutting down|in recovery mode)|client has encountered a connection error/i;

/**
 * Whether an error means the database cannot be reached (server down, restarting, connection
 * dropped) rather than a bug: drizzle wraps the driver's error, so the cause chain is searched.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
    if (e.name === "DatabaseUnreachableError") return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNREACHABLE_CODES.has(code) || code.startsWith("08"))) return true;
    if (UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

export function apiError(err: unknown): Response {
  if (!(err instanceof AppError) && isDatabaseUnreachable(err)) {
    // A 503 the caller retries (the SDK does), not a 500 that reads as a bug.
    console.error(`[api] 503: database unreachable (${err instanceof Error ? err.message.split("\n")[0] : String(err)})`);
    return apiJson(
      { error: { code: "unavailable", message: "Changegate cannot reach its database right now. Retry shortly." } },
      { status: 503, headers: { "retry-after": "1" } },
    );
  }
  const body = toErrorBody(err);
  const status = err instanceof AppError ? err.status : 500;
  // RFC 6750: a 401 says which scheme to use.
  const headers: HeadersInit = status === 401 ? { "www-authenticate": 'Bearer realm="changegate"' } : {};
  return apiJson({ error: body }, { status, headers });
}

/** Wraps a route handler so every thrown error becomes `apiError(err)`. */
export function apiRoute<C>(handler: (request: Request, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    try {
      return await handler(request, context);
    } catch (err) {
      return apiError(err);
    }
  };
}

const kib = (bytes: number) => (bytes >= 1024 ? `${Math.floor(bytes / 1024).toLocaleString("en-US")} KiB` : `${bytes} bytes`);

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${kib(maxBytes)}; send less (e.g. only the top regressions).`);
}

/** application/json, or a +json type such as application/vnd.changegate+json; UTF-8 only. */
function assertJsonContentType(header: string | null): void {
  const [mediaType = "", ...params] = (header ?? "").split(";").map((p) => p.trim().toLowerCase());
  const isJson = mediaType === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType);
  if (!isJson) {
    throw new AppError(
      "unsupported_media_type",
      header
        ? `The request body must be JSON (Content-Type: application/json), not ${mediaType || "an empty type"}.`
        : "Send the request body as JSON with Content-Type: application/json.",
    );
  }
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new AppError("unsupported_media_type", `The request body must be UTF-8 JSON, not ${charset}.`);
  }
}

/**
 * Reads the request body as JSON, refusing before any parsing: a non-JSON content type (415), a
 * body over `maxBytes` (413: by Content-Length up front, and by counting the bytes actually
 * streamed, so a missing or lying header does not help), invalid UTF-8 or malformed JSON (400).
 */
export async function readJsonBody(request: Request, options: { maxBytes: number }): Promise<unknown> {
  const { maxBytes } = options;
  assertJsonContentType(request.headers.get("content-type"));

  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes) throw tooLarge(maxBytes);

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
  }
  if (size === 0) throw new AppError("bad_request", "The request body is empty; send a JSON object.");

  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("bad_request", "The request body is not valid UTF-8.");
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof SyntaxError ? `: ${err.message}` : "";
    throw new AppError("bad_request", `The request body is not valid JSON${reason}.`);
  }
}

/** Field path ("segments.2.passed", or "_body" for the whole value) → messages. */
export function fieldErrorsOfIssues(issues: z.ZodError["issues"]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "_body";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * Validates `value` with `schema`, or throws `invalid_input` (422) whose message names the first
 * problem (a CI log shows only the message) and whose field errors list them all.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const first = issues[0]!;
  const where = first.path.length > 0 ? `${first.path.map(String).join(".")}: ` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length === 2 ? "" : "s"})` : "";
  const message = first.message.replace(/\.$/, "");
  throw new AppError("invalid_input", `The request body is not valid: ${where}${message}${more}.`, fieldErrorsOfIssues(issues));
}
