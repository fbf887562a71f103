import { apiJson, apiRoute } from "@/lib/api/http";
import { authenticateApiToken } from "@/lib/api/tokens";
import { getServiceStatus } from "@/lib/releases/api-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * GET /api/v1/services/{service}/status — what the service serves now: the pointer (stable and
 * canary release, percent, tenants, revision, who moved it when), each component of the stable
 * and canary bundles (label, hash, default rollback target) and the rollout in flight, if any.
 * Service token with the read scope (`changegate status`).
 */
export const GET = apiRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "read" });
  const { service } = await params;
  return apiJson(await getServiceStatus({ auth, serviceSlug: service }));
});
