"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useActionState, useEffect, useRef } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { cancelChangeRequestAction, submitChangeRequestAction } from "@/lib/changes/actions";
import type { ChangeRequestState } from "@/lib/changes";
import type { Result } from "@/lib/errors";

/**
 * The author's (and admin's) lifecycle buttons: edit, submit for review, cancel. Which ones show
 * comes from the state machine on the server; the server checks again, against the lock version
 * this page was rendered with, so a click from a stale page is refused with what changed.
 */
export function LifecycleActions(props: {
  changeRequestId: string;
  number: number;
  lockVersion: number;
  /** "edit" for a draft, "revise" when editing makes a new revision, null when neither is allowed. */
  edit: { kind: "edit" | "revise"; nextRevision: number } | null;
  maySubmit: boolean;
  mayCancel: boolean;
}) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const target = { changeRequestId: props.changeRequestId, expectedLockVersion: props.lockVersion };

  const [submitted, submit, submitting] = useActionState<Result<{ state: ChangeRequestState }> | null, FormData>(
    (previous) => submitChangeRequestAction(previous, target),
    null,
  );
  const [cancelled, cancel, cancelling] = useActionState<Result<{ state: ChangeRequestState }> | null, FormData>(
    (previous, form) => cancelChangeRequestAction(previous, { ...target, reason: String(form.get("reason") ?? "") }),
    null,
  );

  useEffect(() => {
    if (submitted?.ok || cancelled?.ok) {
      dialog.current?.close();
      router.refresh();
    }
  }, [submitted, cancelled, router]);

  const error = (submitted && !submitted.ok ? submitted.error.message : null) ?? (cancelled && !cancelled.ok ? cancelled.error.message : null);

  return (
    <div className="flex flex-col items-start gap-2 sm:items-end">
      <div className="flex flex-wrap gap-2">
        {props.edit ? (
          <Link
            href={`/change-requests/${props.number}/edit`}
            className={buttonClass.secondary}
            title={props.edit.kind === "revise" ? `Saving your edit creates revision ${props.edit.nextRevision} and drops the approvals so far.` : undefined}
          >
            {props.edit.kind === "revise" ? `Edit (new revision ${props.edit.nextRevision})` : "Edit"}
          </Link>
        ) : null}
        {props.maySubmit ? (
          <form action={submit}>
            <button type="submit" disabled={submitting} className={buttonClass.primary}>
              {submitting ? "Submitting…" : "Submit for review"}
            </button>
          </form>
        ) : null}
        {props.mayCancel ? (
          <button type="button" onClick={() => dialog.current?.showModal()} className={buttonClass.secondary}>
            Cancel change request
          </button>
        ) : null}
      </div>
      <div aria-live="polite" className="text-sm empty:hidden">
        {submitted?.ok ? (
          <p role="status" className="text-emerald-800">
            Submitted for review.
          </p>
        ) : null}
        {error ? (
          <p role="alert" className="max-w-md rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200">
            {error}
          </p>
        ) : null}
      </div>

      {props.mayCancel ? (
        <dialog
          ref={dialog}
          aria-labelledby="cancel-title"
          className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-lg p-0 shadow-xl backdrop:bg-slate-900/40"
        >
          <form action={cancel} className="space-y-4 p-5">
            <h2 id="cancel-title" className="text-base font-semibold text-slate-900">
              Cancel CR-{props.number}?
            </h2>
            <p className="text-sm text-slate-600">
              A cancelled change request cannot be reopened; its approvals and gates stay in the history. To change it instead, edit it.
            </p>
            <div>
              <label htmlFor="cancel-reason" className="block text-sm font-medium text-slate-800">
                Reason <span className="font-normal text-slate-500">(recorded in the audit log)</span>
              </label>
              <textarea id="cancel-reason" name="reason" rows={3} maxLength={2000} className={`mt-1 ${inputClass}`} />
            </div>
            {cancelled && !cancelled.ok ? (
              <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-900 ring-1 ring-inset ring-rose-200">
                {cancelled.error.message}
              </p>
            ) : null}
            <div className="flex flex-wrap justify-end gap-2">
              <button type="button" onClick={() => dialog.current?.close()} className={buttonClass.secondary}>
                Keep it
              </button>
              <button type="submit" disabled={cancelling} className={buttonClass.danger}>
                {cancelling ? "Cancelling…" : "Yes, cancel it"}
              </button>
            </div>
          </form>
        </dialog>
      ) : null}
    </div>
  );
}
