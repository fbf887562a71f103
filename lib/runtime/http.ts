import "server-only";
import { apiError, apiJson } from "@/lib/api/http";
import { AppError } from "@/lib/errors";
import { runtimeCache, type CachedSnapshot } from "./cache";
import { errorText, RuntimeUnavailableError } from "./errors";
import { etagMatches } from "./resolve";

/** Runtime answers may be kept by the caller but must be revalidated (ETag) before each use. */
const REVALIDATE = "no-cache";

/**
 * Like apiRoute, plus: "the database is down and there is nothing cached" is a 503 with
 * Retry-After, so SDKs retry instead of treating it as a bug.
 */
export function runtimeRoute<C>(handler: (request: Request, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    try {
      return await handler(request, context);
    } catch (err) {
      if (err instanceof RuntimeUnavailableError) {
        console.error(`[runtime] 503: ${err.message} (${errorText(err.cause)})`);
        return apiJson({ error: { code: "unavailable", message: err.message } }, { status: 503, headers: { "retry-after": "1" } });
      }
      return apiError(err);
    }
  };
}

/** The service's cached snapshot, or 404 when it has no active release. */
export async function requireSnapshot(serviceSlug: string): Promise<CachedSnapshot> {
  const cached = await (await runtimeCache()).getSnapshot(serviceSlug);
  if (cached) return cached;
  throw new AppError("not_found", `Service "${serviceSlug}" has no active release yet: deploy one before resolving its configuration.`);
}

/** 304 when the caller already holds `etag`, else the JSON `body` with it. */
export function conditionalJson(request: Request, etag: string, body: string): Response {
  if (etagMatches(request.headers.get("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers: { etag, "cache-control": REVALIDATE } });
  }
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8", etag, "cache-control": REVALIDATE },
  });
}
