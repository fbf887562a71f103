"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import { buttonClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import { rehearseChangeRequestRollbackAction } from "@/lib/releases/rehearsal-actions";
import type { RecordedRehearsal } from "@/lib/releases/rehearsal-gate";

/**
 * "Rehearse rollback" under the gates: checks, without changing any release, that a rollback of
 * this revision would land on a complete, valid bundle and restore the versions it was reviewed
 * against. The result is recorded on the rollback_plan gate (passed only with a written plan).
 */
export function RehearseRollback(props: { changeRequestId: string; revision: number; gateStatus: string }) {
  const router = useRouter();
  const [result, rehearse, pending] = useActionState<Result<RecordedRehearsal> | null, FormData>(
    (previous) => rehearseChangeRequestRollbackAction(previous, { changeRequestId: props.changeRequestId, revision: props.revision }),
    null,
  );
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);

  return (
    <div className="space-y-2" data-testid="rehearse-rollback">
      <div className="flex flex-wrap items-center gap-3">
        <form action={rehearse}>
          <button type="submit" disabled={pending} className={props.gateStatus === "passed" ? buttonClass.secondary : buttonClass.primary}>
            {pending ? "Rehearsing…" : props.gateStatus === "pending" ? "Rehearse rollback" : "Rehearse rollback again"}
          </button>
        </form>
        <p className="text-xs text-slate-500">Checks the rollback targets without changing any release; the result feeds the rollback plan gate.</p>
      </div>
      <div aria-live="polite" className="text-sm empty:hidden">
        {result?.ok ? (
          <p role="status" className={result.data.passed ? "text-emerald-800" : "rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200"}>
            {result.data.summary}
          </p>
        ) : null}
        {result && !result.ok ? (
          <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200">
            {result.error.message}
          </p>
        ) : null}
      </div>
    </div>
  );
}
