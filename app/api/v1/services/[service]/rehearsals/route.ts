import { getDb } from "@/db/client";
import { apiJson, apiRoute, parseWith, readJsonBody } from "@/lib/api/http";
import { authenticateApiToken } from "@/lib/api/tokens";
import { rehearseForToken } from "@/lib/releases/api-commands";
import { apiRehearsalSchema } from "@/lib/releases/api-input";
import { serviceForToken } from "@/lib/releases/api-queries";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_BODY_BYTES = 16 * 1024;

/**
 * POST /api/v1/services/{service}/rehearsals — rollback rehearsal, the same check as the
 * "Rehearse rollback" button. Service token with the operator scope.
 * - { changeRequest: "CR-42", revision?: 3 }: rehearses that change request's rollback and
 *   records the result on its rollback_plan gate → 201 { changeRequest, revision, status,
 *   passed, summary, problems, targetRelease, rollsBackTo }.
 * - { component?: "policy", to?: "sec-v12" } or { toRelease: "rel_…" } or {}: a dry run of a
 *   rollback now; nothing is written → 200 { ok, problems, checked, target }.
 */
export const POST = apiRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const auth = await authenticateApiToken(request, { scope: "operator" });
  const { service: slug } = await params;
  const service = await serviceForToken({ auth, serviceSlug: slug });
  const body = parseWith(apiRehearsalSchema, await readJsonBody(request, { maxBytes: MAX_BODY_BYTES }));
  const db = await getDb();
  const outcome = await db.transaction((tx) => rehearseForToken(tx, { auth, service, body, now: new Date() }));
  if ("dryRun" in outcome) {
    const { ok, problems, checked, target } = outcome.dryRun;
    return apiJson({ ok, problems, checked, target });
  }
  const r = outcome.recorded;
  return apiJson(
    {
      changeRequest: `CR-${r.changeRequestNumber}`,
      revision: r.revision,
      gate: r.gate,
      status: r.status,
      passed: r.passed,
      summary: r.summary,
      problems: r.problems,
      targetRelease: r.targetReleaseId,
      rollsBackTo: r.targets,
    },
    { status: 201 },
  );
});
