import { authorizeRuntimeRequest } from "@/lib/runtime/access";
import { runtimeCache } from "@/lib/runtime/cache";
import { requireSnapshot, runtimeRoute } from "@/lib/runtime/http";
import { SSE_HEADERS, snapshotEventStream } from "@/lib/runtime/stream";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/services/{service}/stream — Server-Sent Events: `event: snapshot` (id = pointer
 * revision, data = the same JSON as /snapshot) on connect and after every pointer change, a
 * heartbeat comment every 15 s. A client reconnecting with Last-Event-ID equal to the current
 * revision gets no repeat of what it holds.
 */
export const GET = runtimeRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const { service } = await params;
  await authorizeRuntimeRequest(request, service);
  const initial = await requireSnapshot(service);
  const stream = snapshotEventStream({
    cache: await runtimeCache(),
    serviceSlug: service,
    initial,
    lastEventId: request.headers.get("last-event-id"),
    signal: request.signal,
  });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
});
