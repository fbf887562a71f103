"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect, useState } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { decideChangeRequestAction } from "@/lib/changes/actions";
import type { DecisionOutcome } from "@/lib/changes/commands";
import type { ReviewDecision } from "@/lib/changes";
import type { Result } from "@/lib/errors";

/**
 * Approve / request changes / reject, with a comment, on the revision this page shows. The server
 * decides whether it counts (four-eyes, stale revision, state); this only shows what it said.
 */

const DECISIONS: ReviewDecision[] = ["approved", "changes_requested", "rejected"];
const isDecision = (v: unknown): v is ReviewDecision => DECISIONS.includes(v as ReviewDecision);

const PAST: Record<ReviewDecision, string> = {
  approved: "approved",
  changes_requested: "requested changes on",
  rejected: "rejected",
};

function successMessage(decision: ReviewDecision, outcome: DecisionOutcome, number: number): string {
  if (!outcome.recorded) return `Your decision was already recorded; it counts once.`;
  if (decision === "approved") {
    if (outcome.state === "approved") return `Approved. CR-${number} is now approved and waits for an operator to start the rollout.`;
    return `Your approval is recorded. Still waiting for ${outcome.needs.join("; ")}.`;
  }
  if (decision === "rejected") return `Rejected. CR-${number} stays rejected until its author submits a new revision.`;
  return `Changes requested. The author sees your comment and can submit a new revision.`;
}

export function DecisionPanel(props: {
  changeRequestId: string;
  number: number;
  revision: number;
  /** False once this reviewer decided on this revision (the page then shows their decision). */
  mayDecide: boolean;
  myDecision: { decision: ReviewDecision; createdAt: Date } | null;
  /** Shown when the reviewer's approval would not move the request forward on its own. */
  approvalHint: string | null;
}) {
  const router = useRouter();
  const [clicked, setClicked] = useState<ReviewDecision | null>(null);
  const [submitted, setSubmitted] = useState<ReviewDecision | null>(null);
  const [result, dispatch, pending] = useActionState<Result<DecisionOutcome> | null, FormData>(async (previous, form) => {
    const decision = form.get("decision");
    if (!isDecision(decision)) return previous;
    setSubmitted(decision);
    return decideChangeRequestAction(previous, {
      changeRequestId: String(form.get("changeRequestId")),
      revision: Number(form.get("revision")),
      decision,
      comment: String(form.get("comment") ?? ""),
    });
  }, null);

  // The server revalidates the list; refresh this page so state, approvals and gates follow.
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);

  const commentError = result && !result.ok ? result.error.fieldErrors?.comment?.[0] : undefined;
  const success = result?.ok && submitted ? successMessage(submitted, result.data, props.number) : null;

  return (
    <div>
      {props.mayDecide ? (
        <form action={dispatch} className="space-y-3" aria-label={`Decide on revision ${props.revision}`}>
          <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
          {/* The revision this page shows: a decision on a revision replaced meanwhile is refused. */}
          <input type="hidden" name="revision" value={props.revision} />
          <div>
            <label htmlFor="decision-comment" className="block text-sm font-medium text-slate-800">
              Comment
            </label>
            <p id="decision-comment-hint" className="text-xs text-slate-500">
              Required to request changes or reject: say what is wrong so the author knows what to fix.
            </p>
            <textarea
              id="decision-comment"
              name="comment"
              rows={4}
              maxLength={5000}
              disabled={pending}
              aria-invalid={commentError ? true : undefined}
              aria-describedby={commentError ? "decision-comment-error decision-comment-hint" : "decision-comment-hint"}
              className={`mt-1 ${inputClass} ${commentError ? "ring-rose-400" : ""}`}
            />
            {commentError ? (
              <p id="decision-comment-error" className="mt-1 text-xs text-rose-700">
                {commentError}
              </p>
            ) : null}
          </div>
          {props.approvalHint ? <p className="text-xs text-slate-600">{props.approvalHint}</p> : null}
          <div className="flex flex-wrap gap-2">
            <button
              type="submit"
              name="decision"
              value="approved"
              disabled={pending}
              onClick={() => setClicked("approved")}
              className={buttonClass.primary}
            >
              Approve
            </button>
            <button
              type="submit"
              name="decision"
              value="changes_requested"
              disabled={pending}
              onClick={() => setClicked("changes_requested")}
              className={buttonClass.secondary}
            >
              Request changes
            </button>
            <button
              type="submit"
              name="decision"
              value="rejected"
              disabled={pending}
              onClick={() => setClicked("rejected")}
              className={buttonClass.danger}
            >
              Reject
            </button>
          </div>
          <p className="text-xs text-slate-500">Your decision applies to revision {props.revision}, the one shown on this page.</p>
        </form>
      ) : props.myDecision ? (
        <p className="text-sm text-slate-700">
          You {PAST[props.myDecision.decision]} revision {props.revision} at{" "}
          <time dateTime={props.myDecision.createdAt.toISOString()}>{props.myDecision.createdAt.toISOString().slice(11, 16)} UTC</time>. A
          reviewer decides once per revision.
        </p>
      ) : null}

      <div aria-live="polite" className="mt-3 space-y-2 text-sm empty:hidden">
        {pending ? (
          <p role="status" className="text-slate-600">
            Recording your {clicked === "approved" ? "approval" : clicked === "rejected" ? "rejection" : "request for changes"}…
          </p>
        ) : null}
        {!pending && success ? (
          <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-emerald-900 ring-1 ring-inset ring-emerald-200">
            {success}
          </p>
        ) : null}
        {!pending && result && !result.ok ? (
          <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200">
            {commentError ?? result.error.message}
            {result.error.code === "conflict" ? (
              <>
                {" "}
                <button type="button" onClick={() => router.refresh()} className="font-semibold underline underline-offset-2">
                  Show the new revision
                </button>
              </>
            ) : null}
          </p>
        ) : null}
      </div>
    </div>
  );
}
