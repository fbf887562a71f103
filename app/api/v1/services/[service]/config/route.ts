import { authorizeRuntimeRequest } from "@/lib/runtime/access";
import { parseConfigQuery } from "@/lib/runtime/config-query";
import { conditionalJson, requireSnapshot, runtimeRoute } from "@/lib/runtime/http";
import { armFor } from "@/lib/runtime/resolve";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/services/{service}/config?subject=…&tenant=… — the release and component versions
 * (with content) this subject gets now: { releaseId, arm, pointerRevision, components }. Service
 * token with the read scope. Answered from memory; ETag / If-None-Match → 304.
 *
 * Under `npm start` most of these requests never reach this handler: lib/runtime/fast-path.ts
 * answers them before the Next.js router when the token and snapshot are already in memory, and
 * hands everything else (first use of a token, errors, a snapshot being reloaded) to this route.
 */
export const GET = runtimeRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const { service } = await params;
  await authorizeRuntimeRequest(request, service);
  const who = parseConfigQuery(new URL(request.url).searchParams);
  const cached = await requireSnapshot(service);
  const arm = armFor(cached.snapshot, who);
  const view = arm === "canary" && cached.configs.canary ? cached.configs.canary : cached.configs.stable;
  return conditionalJson(request, view.etag, view.body);
});
