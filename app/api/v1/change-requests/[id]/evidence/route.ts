import { getDb } from "@/db/client";
import { apiJson, apiRoute, parseWith, readJsonBody } from "@/lib/api/http";
import { assertTokenForService, authenticateApiToken } from "@/lib/api/tokens";
import { lockChangeRequest } from "@/lib/changes/commands";
import { evidenceSubmissionSchema } from "@/lib/changes/evidence";
import { recordOfflineEvidence } from "@/lib/changes/evidence-commands";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

const MAX_EVIDENCE_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * POST /api/v1/change-requests/{id}/evidence — the team's CI posts offline evaluation results
 * with its service's API token (write scope). Body: { revision, result } (lib/changes/evidence.ts).
 */
export const POST = apiRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "write" });
  const { id } = await params;
  if (!UUID.test(id)) throw new AppError("not_found", "That change request does not exist.");
  const { revision, result } = parseWith(evidenceSubmissionSchema, await readJsonBody(request, { maxBytes: MAX_EVIDENCE_BYTES }));
  const db = await getDb();
  const now = new Date();
  const recorded = await db.transaction(async (tx) => {
    const cr = await lockChangeRequest(tx, id);
    assertTokenForService(auth, cr.serviceId);
    return recordOfflineEvidence(tx, {
      changeRequest: cr,
      revision,
      result,
      source: "api",
      submittedBy: { tokenId: auth.tokenId },
      auditActor: auth.auditActor,
      now,
    });
  });
  return apiJson(
    { gate: recorded.gateType, revision: recorded.revision, passed: recorded.verdict.passed, summary: recorded.verdict.summary, checks: recorded.verdict.checks },
    { status: 201 },
  );
});
