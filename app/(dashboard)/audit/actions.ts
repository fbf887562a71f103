"use server";

import { requireActor } from "@/lib/auth/session";
import { verifyAuditChain } from "@/lib/audit/queries";
import type { ChainVerdict } from "@/lib/audit/chain";
import { toErrorBody, type Result } from "@/lib/errors";

/**
 * Read-only, but an action is a public endpoint: it checks the caller's role itself rather than
 * trusting the page that rendered the button.
 */
export async function verifyChain(_previous: Result<ChainVerdict> | null): Promise<Result<ChainVerdict>> {
  try {
    const actor = await requireActor("audit.view");
    return { ok: true, data: await verifyAuditChain({ actor }) };
  } catch (err) {
    return { ok: false, error: toErrorBody(err) };
  }
}
