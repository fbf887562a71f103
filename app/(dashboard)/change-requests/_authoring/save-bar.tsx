import Link from "next/link";
import { buttonClass } from "@/app/_components/ui";

/**
 * The form's buttons. A draft can be saved or submitted; a submitted change request only gets a
 * new revision, which always goes back to review.
 */
export function SaveBar(props: {
  pending: boolean;
  intent: "draft" | "submit";
  /** The revision saving creates, when saving adds one; null for a new request or a draft. */
  revision: number | null;
  cancelHref: string;
}) {
  const { pending, intent, revision } = props;
  return (
    <div className="shrink-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      {revision ? (
        <p className="mb-3 text-xs text-slate-600">
          Saving creates revision {revision}, sends it to review and drops the current approvals.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        {revision ? null : (
          <button type="submit" name="intent" value="draft" disabled={pending} className={`${buttonClass.secondary} flex-1`}>
            {pending && intent === "draft" ? "Saving…" : "Save draft"}
          </button>
        )}
        <button type="submit" name="intent" value="submit" disabled={pending} className={`${buttonClass.primary} flex-1`}>
          {pending && intent === "submit" ? "Submitting…" : revision ? `Submit revision ${revision}` : "Submit for review"}
        </button>
      </div>
      <Link href={props.cancelHref} className="mt-3 block text-center text-xs font-medium text-slate-500 hover:text-slate-800">
        Cancel
      </Link>
    </div>
  );
}
