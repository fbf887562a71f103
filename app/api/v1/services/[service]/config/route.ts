import { AppError } from "@/lib/errors";
import { authorizeRuntimeRequest } from "@/lib/runtime/access";
import { conditionalJson, requireSnapshot, runtimeRoute } from "@/lib/runtime/http";
import { armFor } from "@/lib/runtime/resolve";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const MAX_SUBJECT_CHARS = 512;
const MAX_TENANT_CHARS = 200;

/**
 * GET /api/v1/services/{service}/config?subject=…&tenant=… — the release and component versions
 * (with content) this subject gets now: { releaseId, arm, pointerRevision, components }. Service
 * token with the read scope. Answered from memory; ETag / If-None-Match → 304.
 */
export const GET = runtimeRoute(async (request: Request, { params }: { params: Promise<{ service: string }> }) => {
  const { service } = await params;
  await authorizeRuntimeRequest(request, service);

  const query = new URL(request.url).searchParams;
  const subject = query.get("subject");
  const tenant = query.get("tenant") || null;
  if (!subject) {
    throw new AppError("invalid_input", "Name the subject to resolve for: ?subject=<user or session id> (and &tenant=<tenant> if you have one).", {
      subject: ["Required"],
    });
  }
  if (subject.length > MAX_SUBJECT_CHARS) {
    throw new AppError("invalid_input", `The subject is longer than ${MAX_SUBJECT_CHARS} characters; send a user or session id.`, {
      subject: [`At most ${MAX_SUBJECT_CHARS} characters`],
    });
  }
  if (tenant && tenant.length > MAX_TENANT_CHARS) {
    throw new AppError("invalid_input", `The tenant is longer than ${MAX_TENANT_CHARS} characters.`, { tenant: [`At most ${MAX_TENANT_CHARS} characters`] });
  }

  const cached = await requireSnapshot(service);
  const arm = armFor(cached.snapshot, { subject, tenant });
  const view = arm === "canary" && cached.configs.canary ? cached.configs.canary : cached.configs.stable;
  return conditionalJson(request, view.etag, view.body);
});
