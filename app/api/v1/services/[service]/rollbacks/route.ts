import { getDb } from "@/db/client";
import { apiJson, apiRoute, parseWith, readJsonBody } from "@/lib/api/http";
import { authenticateApiToken } from "@/lib/api/tokens";
import { kickWebhookDelivery } from "@/lib/notifications/webhooks";
import { rollbackForToken } from "@/lib/releases/api-commands";
import { apiRollbackSchema } from "@/lib/releases/api-input";
import { serviceForToken } from "@/lib/releases/api-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 16 * 1024;

/**
 * POST /api/v1/services/{service}/rollbacks — the one-click rollback for scripts and the CLI.
 * Body: { component: "policy", to?: "sec-v12", reason } rolls back one component (to its rollback
 * target by default); { toRelease: "rel_…", reason } rolls the whole bundle back. Optional
 * expectedPointerRevision: a stale one is a 409 naming who moved the pointer. Service token with
 * the operator scope. 201 { releaseId, durationMs, pointerRevision, from, to, … }.
 */
export const POST = apiRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "operator" });
  const { service: slug } = await params;
  const service = await serviceForToken({ auth, serviceSlug: slug });
  const body = parseWith(apiRollbackSchema, await readJsonBody(request, { maxBytes: MAX_BODY_BYTES }));
  const db = await getDb();
  const now = new Date();
  const outcome = await db.transaction((tx) => rollbackForToken(tx, { auth, service, body, now }));
  kickWebhookDelivery();
  return apiJson(
    {
      rollbackId: outcome.rollbackId,
      releaseId: outcome.releaseId,
      arm: outcome.arm,
      durationMs: outcome.durationMs,
      pointerRevision: outcome.pointerRevision,
      canaryReleaseId: outcome.canaryReleaseId,
      from: outcome.from,
      to: outcome.to,
      changeRequests: outcome.changeRequestNumbers.map((n) => `CR-${n}`),
    },
    { status: 201 },
  );
});
