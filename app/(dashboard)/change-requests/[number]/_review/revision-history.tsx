import Link from "next/link";
import { RiskTierBadge } from "@/app/_components/badges";
import { Badge, Time } from "@/app/_components/ui";
import type { ApprovalDetail, RevisionDetail } from "@/lib/changes/queries";

/** Every revision, newest first: who made it, its tier, what it changed, and what replaced it. */
export function RevisionHistory(props: { number: number; revisions: RevisionDetail[]; shown: number; approvals: ApprovalDetail[] }) {
  const newestFirst = [...props.revisions].reverse();
  return (
    <ol className="divide-y divide-slate-100" aria-label="Revisions, newest first">
      {newestFirst.map((r) => {
        const decisions = props.approvals.filter((a) => a.revision === r.revision);
        const approved = decisions.filter((a) => a.decision === "approved").length;
        const isShown = r.revision === props.shown;
        return (
          <li key={r.revision} data-testid="revision" className={`px-4 py-3 text-sm ${isShown ? "bg-indigo-50/50" : ""}`}>
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <span className="font-semibold text-slate-900">Revision {r.revision}</span>
              {r.supersededBy ? null : <Badge tone="info">current</Badge>}
              <RiskTierBadge tier={r.tier} />
              <span className="text-xs text-slate-500">
                <Time value={r.createdAt} /> · {r.authorName ?? "unknown author"}
              </span>
              <span className="text-xs sm:ml-auto">
                {isShown ? (
                  <span className="font-medium text-indigo-800" aria-current="page">
                    Showing
                  </span>
                ) : (
                  <Link
                    href={r.supersededBy ? `/change-requests/${props.number}?revision=${r.revision}#changes` : `/change-requests/${props.number}#changes`}
                    className="font-medium text-indigo-700 hover:underline"
                  >
                    View revision {r.revision}
                  </Link>
                )}
              </span>
            </div>
            <ul className="mt-1.5 list-disc space-y-0.5 pl-5 text-slate-700">
              {r.whatChanged.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
            <p className="mt-1.5 text-xs text-slate-500">
              {decisions.length === 0 ? "No decisions" : `${decisions.length} decision${decisions.length === 1 ? "" : "s"}, ${approved} approval${approved === 1 ? "" : "s"}`}
              {r.supersededBy ? (
                <>
                  {" "}
                  · replaced by revision {r.supersededBy.revision} at <Time value={r.supersededBy.at} />
                  {approved > 0 ? "; its approvals were dropped" : ""}
                </>
              ) : null}
            </p>
          </li>
        );
      })}
    </ol>
  );
}
