import { apiJson, apiRoute } from "@/lib/api/http";
import { authenticateApiToken } from "@/lib/api/tokens";
import { AppError } from "@/lib/errors";
import { parseReleasesLimit } from "@/lib/releases/api-input";
import { listServiceReleases } from "@/lib/releases/api-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/services/{service}/releases?limit=20 — the manifest history, newest first: id,
 * kind, canary percent, change request, actor, reason, time, the release it replaces, and each
 * component's version label. Service token with the read scope (`changegate releases`).
 */
export const GET = apiRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "read" });
  const { service } = await params;
  const limit = parseReleasesLimit(new URL(request.url).searchParams.get("limit"));
  if (!limit.ok) throw new AppError("invalid_input", limit.message, { limit: [limit.message] });
  return apiJson(await listServiceReleases({ auth, serviceSlug: service, limit: limit.limit }));
});
