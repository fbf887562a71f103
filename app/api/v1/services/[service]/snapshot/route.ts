import { authorizeRuntimeRequest } from "@/lib/runtime/access";
import { conditionalJson, requireSnapshot, runtimeRoute } from "@/lib/runtime/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/services/{service}/snapshot — everything needed to resolve locally: the pointer
 * revision, the stable bundle, and the canary (bundle, percent, tenants) if there is one. What
 * the SDK fetches (and polls with If-None-Match → 304) to assign subjects itself.
 */
export const GET = runtimeRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const { service } = await params;
  await authorizeRuntimeRequest(request, service);
  const cached = await requireSnapshot(service);
  return conditionalJson(request, cached.snapshot.etag, cached.body);
});
