"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useId } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import type { StageMoved } from "@/lib/releases/stage-commands";
import { advanceStageAction, pauseRolloutAction, resumeRolloutAction } from "@/lib/releases/stage-actions";

/**
 * An operator's hand on a rolling-out change request: pause (with a reason), resume, advance to
 * the next stage. Each form carries the lock version the page was rendered with; the server
 * refuses a stale click and says what changed. The server checks role and rules again.
 */

function Answer(props: { result: Result<StageMoved> | null; done: (moved: StageMoved) => string }) {
  if (!props.result) return null;
  if (!props.result.ok) {
    return (
      <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800 ring-1 ring-inset ring-rose-200">
        {props.result.error.message}
      </p>
    );
  }
  return (
    <p role="status" className="text-sm text-emerald-700">
      {props.done(props.result.data)}
    </p>
  );
}

function useRefreshOnSuccess(result: Result<StageMoved> | null) {
  const router = useRouter();
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);
}

/** Pause or resume, with the reason the audit log keeps. */
export function HoldForm(props: { mode: "pause" | "resume"; changeRequestId: string; lockVersion: number; frozen?: boolean }) {
  const id = useId();
  const [result, action, pending] = useActionState(props.mode === "pause" ? pauseRolloutAction : resumeRolloutAction, null);
  useRefreshOnSuccess(result);
  const pause = props.mode === "pause";
  return (
    <form action={action} aria-label={pause ? "Pause rollout" : "Resume rollout"} className="space-y-2">
      <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
      <input type="hidden" name="expectedLockVersion" value={props.lockVersion} />
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {pause ? "Reason to pause" : props.frozen ? "Reason to resume (the stage is judged again from now)" : "Reason to resume"}
      </label>
      <input
        id={id}
        name="reason"
        required
        minLength={3}
        maxLength={500}
        placeholder={pause ? "e.g. support tickets about refunds" : "e.g. cause found and fixed upstream"}
        className={inputClass}
      />
      <button type="submit" disabled={pending} className={pause ? buttonClass.secondary : buttonClass.primary}>
        {pending ? (pause ? "Pausing…" : "Resuming…") : pause ? "Pause rollout" : "Resume rollout"}
      </button>
      <Answer result={result} done={(m) => (pause ? `Paused at ${m.canaryPercent}%.` : `Resumed at ${m.canaryPercent}%.`)} />
    </form>
  );
}

/** Advance to the next canary stage by hand (manual mode, or an operator's call within the rules). */
export function AdvanceStageForm(props: { changeRequestId: string; lockVersion: number; stage: number; nextPercent: number }) {
  const [result, action, pending] = useActionState(advanceStageAction, null);
  useRefreshOnSuccess(result);
  return (
    <form action={action} aria-label="Advance stage" className="space-y-2">
      <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
      <input type="hidden" name="expectedLockVersion" value={props.lockVersion} />
      <input type="hidden" name="expectedStage" value={props.stage} />
      <button type="submit" disabled={pending} className={buttonClass.primary}>
        {pending ? "Advancing…" : `Advance to ${props.nextPercent}%`}
      </button>
      <Answer result={result} done={(m) => `Now at ${m.canaryPercent}%.`} />
    </form>
  );
}
