"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { EMERGENCY_REASON_MIN_LENGTH } from "@/lib/changes/release-rules";
import { promoteRolloutAction, startRolloutAction } from "@/lib/releases/actions";

/** The server's answer, shown as given: a refusal is a sentence for the operator. */
function Refusal(props: { message: string }) {
  return (
    <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-inset ring-rose-200">
      {props.message}
    </p>
  );
}

/**
 * "Start rollout" for an approved change request. The emergency reason is offered only when the
 * page saw the window closed and the viewer may override it; the server judges both again.
 */
export function StartRolloutForm(props: {
  changeRequestId: string;
  lockVersion: number;
  expectedPointerRevision: number | null;
  offerEmergency: boolean;
  /** Why the button is disabled (e.g. a gate still open); the server would refuse anyway. */
  blocked: string | null;
}) {
  const router = useRouter();
  const [result, action, pending] = useActionState(startRolloutAction, null);
  const reasonId = useId();
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);

  return (
    <form action={action} aria-label="Start rollout" className="space-y-3">
      <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
      <input type="hidden" name="expectedLockVersion" value={props.lockVersion} />
      {props.expectedPointerRevision !== null ? <input type="hidden" name="expectedPointerRevision" value={props.expectedPointerRevision} /> : null}
      {props.offerEmergency ? (
        <div className="space-y-1">
          <label htmlFor={reasonId} className="block text-sm font-medium text-slate-800">
            Emergency override
          </label>
          <textarea
            id={reasonId}
            name="emergencyReason"
            rows={3}
            minLength={EMERGENCY_REASON_MIN_LENGTH}
            required
            placeholder="Why this cannot wait for the deploy window"
            className={inputClass}
          />
          <p className="text-xs text-slate-500">
            At least {EMERGENCY_REASON_MIN_LENGTH} characters. Recorded in the audit log; the first canary stage still runs.
          </p>
        </div>
      ) : null}
      {props.blocked ? <p className="text-sm text-slate-600">{props.blocked}</p> : null}
      <button type="submit" className={buttonClass.primary} disabled={pending || props.blocked !== null}>
        {pending ? "Starting…" : "Start rollout"}
      </button>
      {result && !result.ok ? <Refusal message={result.error.message} /> : null}
      {result?.ok ? (
        <p role="status" className="text-sm text-emerald-700">
          Started {result.data.releaseId} at {result.data.canaryPercent}%.
        </p>
      ) : null}
    </form>
  );
}

/** "Promote to 100%": offered at the last canary stage (the server refuses earlier ones). */
export function PromoteRolloutForm(props: { changeRequestId: string; lockVersion: number; expectedPointerRevision: number | null }) {
  const router = useRouter();
  const [result, action, pending] = useActionState(promoteRolloutAction, null);
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);

  return (
    <form action={action} aria-label="Promote rollout" className="space-y-2">
      <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
      <input type="hidden" name="expectedLockVersion" value={props.lockVersion} />
      {props.expectedPointerRevision !== null ? <input type="hidden" name="expectedPointerRevision" value={props.expectedPointerRevision} /> : null}
      <button type="submit" className={buttonClass.primary} disabled={pending}>
        {pending ? "Promoting…" : "Promote to 100%"}
      </button>
      {result && !result.ok ? <Refusal message={result.error.message} /> : null}
    </form>
  );
}
