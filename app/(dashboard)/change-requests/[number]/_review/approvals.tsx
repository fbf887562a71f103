import { Badge, Time, type Tone } from "@/app/_components/ui";
import { ROLE_LABELS } from "@/lib/auth/permissions";
import { APPROVAL_REQUIREMENTS, type ChangeRequestState } from "@/lib/changes";
import type { ApprovalDetail, ApprovalProgress } from "@/lib/changes/queries";
import type { RiskTier } from "@/lib/components/kinds";

/** Who decided what on which revision, and who still must approve the current one. */

const DECISION: Record<ApprovalDetail["decision"], { label: string; tone: Tone }> = {
  approved: { label: "Approved", tone: "success" },
  changes_requested: { label: "Changes requested", tone: "warning" },
  rejected: { label: "Rejected", tone: "danger" },
};

const COUNT = ["no", "one", "two", "three"];

export function policySentence(tier: RiskTier): string {
  const r = APPROVAL_REQUIREMENTS[tier];
  const n = `${COUNT[r.approvals] ?? r.approvals} approval${r.approvals === 1 ? "" : "s"}`;
  return r.securityApprovals > 0
    ? `${tier[0]!.toUpperCase()}${tier.slice(1)} risk needs ${n} from two people other than the author, one of them a security reviewer.`
    : `${tier[0]!.toUpperCase()}${tier.slice(1)} risk needs ${n} from someone other than the author.`;
}

/** "Who still must approve" (test id approval-needs), in the approval policy's words. */
export function ApprovalNeeds(props: { state: ChangeRequestState; tier: RiskTier; progress: ApprovalProgress; revision: number }) {
  const { state, progress } = props;
  let body;
  if (state === "draft") body = <p>Nobody yet: reviewers see it once the author submits it for review.</p>;
  else if (state === "cancelled") body = <p>Nobody: the change request was cancelled.</p>;
  else if (progress.needs.length === 0) {
    body = <p className="font-medium text-emerald-800">Nobody: the approvals for revision {props.revision} are complete.</p>;
  } else {
    body = (
      <ul className="list-disc space-y-1 pl-5">
        {progress.needs.map((need) => (
          <li key={need}>{need[0]!.toUpperCase() + need.slice(1)}</li>
        ))}
      </ul>
    );
  }
  const tone = progress.blockedBy
    ? "bg-rose-50 ring-rose-200 text-rose-950"
    : state === "draft" || state === "cancelled"
      ? "bg-slate-50 ring-slate-200 text-slate-800"
      : progress.needs.length
        ? "bg-amber-50 ring-amber-200 text-amber-950"
        : "bg-emerald-50 ring-emerald-200 text-emerald-950";
  return (
    <div data-testid="approval-needs" className={`rounded-md px-3 py-2.5 text-sm ring-1 ring-inset ${tone}`}>
      <div className="mb-1 flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide opacity-80">Still must approve</h3>
        <span className="text-xs tabular-nums">
          {progress.approvals} of {progress.required} approvals
          {progress.requiredSecurity > 0 ? ` · security ${Math.min(progress.securityApprovals, progress.requiredSecurity)} of ${progress.requiredSecurity}` : ""}
        </span>
      </div>
      {body}
    </div>
  );
}

export function ApprovalsList(props: { approvals: ApprovalDetail[]; currentRevision: number }) {
  if (props.approvals.length === 0) return <p className="text-sm text-slate-600">No decisions yet.</p>;
  const revisions = [...new Set(props.approvals.map((a) => a.revision))].sort((a, b) => b - a);
  return (
    <div className="space-y-4">
      {revisions.map((rev) => {
        const list = props.approvals.filter((a) => a.revision === rev).reverse();
        const old = rev < props.currentRevision;
        return (
          <div key={rev}>
            <h3 className="mb-1.5 flex flex-wrap items-center gap-2 text-xs font-semibold uppercase tracking-wide text-slate-500">
              Revision {rev}
              {old ? <span className="font-normal normal-case tracking-normal text-slate-500">— no longer counts (replaced by a newer revision)</span> : null}
            </h3>
            <ul className={`space-y-2 ${old ? "opacity-70" : ""}`} aria-label={`Decisions on revision ${rev}`}>
              {list.map((a) => (
                <li key={a.id} data-testid="approval" data-decision={a.decision} className="rounded-md bg-white px-3 py-2 text-sm ring-1 ring-inset ring-slate-200">
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <Badge tone={DECISION[a.decision].tone}>{DECISION[a.decision].label}</Badge>
                    <span className="font-medium text-slate-900">{a.reviewerName ?? "unknown reviewer"}</span>
                    <span className="text-xs text-slate-500">{ROLE_LABELS[a.reviewerRole]}</span>
                  </div>
                  {a.comment ? <p className="mt-1.5 whitespace-pre-wrap break-words text-slate-700">{a.comment}</p> : null}
                  <p className="mt-1 text-xs text-slate-500">
                    <Time value={a.createdAt} /> · revision {a.revision}
                  </p>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </div>
  );
}
