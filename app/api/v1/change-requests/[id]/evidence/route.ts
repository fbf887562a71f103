import { getDb } from "@/db/client";
import { apiJson, apiRoute, parseWith, readJsonBody } from "@/lib/api/http";
import { assertTokenForService, authenticateApiToken } from "@/lib/api/tokens";
import { parseChangeRequestRef } from "@/lib/changes/change-request-ref";
import { lockChangeRequestRef } from "@/lib/changes/commands";
import { evidenceSubmissionSchema } from "@/lib/changes/evidence";
import { recordOfflineEvidence } from "@/lib/changes/evidence-commands";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

const MAX_EVIDENCE_BYTES = 1024 * 1024;

/**
 * POST /api/v1/change-requests/{ref}/evidence — the team's CI posts offline evaluation results
 * with its service's API token (write scope). `ref` is the change request as the page shows it
 * ("CR-42", or 42) or its id; either way it must be a change request of the token's service.
 * Body: { revision, result } (lib/changes/evidence.ts).
 */
export const POST = apiRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "write" });
  const { id } = await params;
  const ref = parseChangeRequestRef(id);
  if (!ref) throw new AppError("not_found", `There is no change request "${id}"; name it as its page does, e.g. CR-42.`);
  const { revision, result } = parseWith(evidenceSubmissionSchema, await readJsonBody(request, { maxBytes: MAX_EVIDENCE_BYTES }));
  const db = await getDb();
  const now = new Date();
  const recorded = await db.transaction(async (tx) => {
    const cr = await lockChangeRequestRef(tx, ref);
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
