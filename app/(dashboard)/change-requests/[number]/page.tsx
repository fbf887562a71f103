import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { CrStateBadge, RiskTierBadge } from "@/app/_components/badges";
import { Badge, Card, PageHeader, Time } from "@/app/_components/ui";
import { may } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { evalSetsOfService } from "@/lib/canary/queries";
import { requiredGates, sensitiveDomainsTouched, STATE_LABELS } from "@/lib/changes";
import { isOfflineGate } from "@/lib/changes/evidence";
import { getChangeRequestDetail, type ChangeRequestDetail, type RevisionDetail } from "@/lib/changes/queries";
import { ApprovalNeeds, ApprovalsList, policySentence } from "./_review/approvals";
import { ComponentChanges } from "./_review/component-changes";
import { DecisionPanel } from "./_review/decision-panel";
import { EvidenceUpload } from "./_review/evidence-upload";
import { GatesChecklist } from "./_review/gates-checklist";
import { LifecycleActions } from "./_review/lifecycle-actions";
import { RehearseRollback } from "./_review/rehearse-rollback";
import { RevisionHistory } from "./_review/revision-history";
import { AddFailingCases } from "./_rollout/add-failing-cases";
import { RolloutSection } from "./_rollout/rollout-section";

type Props = {
  params: Promise<{ number: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const label = "text-xs font-semibold uppercase tracking-wide text-slate-500";
/** States in which results may still be attached to the current revision's offline gate. */
const EVIDENCE_STATES = ["in_review", "changes_requested", "approved"];

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { number } = await props.params;
  return { title: `CR-${number}` };
}

export default async function ChangeRequestPage(props: Props) {
  const actor = await requirePageActor();
  const [{ number: raw }, search] = await Promise.all([props.params, props.searchParams]);
  const number = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  const detail = Number.isSafeInteger(number) ? await getChangeRequestDetail({ actor, number }) : null;
  if (!detail) notFound();

  const { changeRequest: cr, service, revisions, viewer } = detail;
  const current = revisions.find((r) => r.revision === cr.currentRevision) ?? revisions.at(-1);
  if (!current) notFound();
  const requested = Number(first(search.revision));
  const shown = revisions.find((r) => r.revision === requested) ?? current;
  const missingRevision = first(search.revision) !== undefined && shown.revision !== requested;
  const isCurrent = shown.revision === current.revision;
  const full = first(search.full) === "1";
  const toggleFullHref = (anchor: string) => {
    const q = new URLSearchParams();
    if (!isCurrent) q.set("revision", String(shown.revision));
    if (!full) q.set("full", "1");
    const qs = q.toString();
    return `/change-requests/${cr.number}${qs ? `?${qs}` : ""}#${anchor}`;
  };

  const actions = viewer.allowedActions;
  const edit = actions.includes("edit")
    ? ({ kind: "edit", nextRevision: cr.currentRevision } as const)
    : actions.includes("revise")
      ? ({ kind: "revise", nextRevision: cr.currentRevision + 1 } as const)
      : null;
  const maySubmit = actions.includes("submit");
  const mayCancel = actions.includes("cancel");

  const currentGates = detail.gatesByRevision.get(current.revision) ?? [];
  const offlineGate = currentGates.find((g) => isOfflineGate(g.type));
  const showUpload = isCurrent && viewer.maySubmitEvidence && EVIDENCE_STATES.includes(cr.state) && offlineGate;
  const rollbackPlanGate = currentGates.find((g) => g.type === "rollback_plan");
  const showRehearse = isCurrent && viewer.mayRehearse && EVIDENCE_STATES.includes(cr.state) && rollbackPlanGate;
  const showDecision = isCurrent && (viewer.mayDecide || viewer.myDecision !== null);

  return (
    <>
      <PageHeader
        eyebrow={
          <>
            <Link href="/change-requests" className="hover:underline">
              Change requests
            </Link>{" "}
            /{" "}
            <Link href={`/change-requests?service=${encodeURIComponent(service.slug)}`} className="font-mono hover:underline">
              {service.slug}
            </Link>{" "}
            / <span className="font-mono text-slate-700">CR-{cr.number}</span>
          </>
        }
        title={shown.title}
        description={
          <span className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1.5">
            <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
            <RiskTierBadge tier={cr.riskTier} />
            <span>
              Revision <span className="font-medium text-slate-900">{shown.revision}</span> of {revisions.length}
            </span>
            <span>by {detail.author?.name ?? "unknown author"}</span>
            <span>
              updated <Time value={cr.updatedAt} />
            </span>
            {cr.state === "in_review" && detail.approvalStatus.needs.length > 0 ? (
              <span className="basis-full text-amber-800">
                Waiting for {detail.approvalStatus.needs.join("; ")}
                {viewer.approvalWouldHelp ? " — your approval counts" : ""}
              </span>
            ) : null}
          </span>
        }
        actions={
          edit || maySubmit || mayCancel ? (
            <LifecycleActions
              changeRequestId={cr.id}
              number={cr.number}
              lockVersion={cr.lockVersion}
              edit={edit}
              maySubmit={maySubmit}
              mayCancel={mayCancel}
            />
          ) : null
        }
      />

      {cr.state === "paused" && cr.rolloutHold ? (
        <div
          role="status"
          data-testid="hold-banner"
          data-kind={cr.rolloutHold.kind}
          className={`mb-6 rounded-md px-4 py-3 text-sm ring-1 ring-inset ${cr.rolloutHold.kind === "frozen" ? "bg-rose-50 text-rose-900 ring-rose-200" : "bg-amber-50 text-amber-900 ring-amber-200"}`}
        >
          <p className="font-semibold">
            {cr.rolloutHold.kind === "frozen"
              ? `Rollout frozen at the ${cr.rolloutHold.stagePercent ?? "?"}% stage by ${cr.rolloutHold.by}: the canary share went back to the stable release.`
              : `Rollout paused at ${cr.rolloutHold.stagePercent ?? "?"}% by ${cr.rolloutHold.by}.`}{" "}
            <Time value={new Date(cr.rolloutHold.at)} />
          </p>
          {cr.rolloutHold.failing?.length ? (
            <ul className="mt-1 list-disc space-y-0.5 pl-5">
              {cr.rolloutHold.failing.map((f) => (
                <li key={f}>{f}</li>
              ))}
            </ul>
          ) : (
            <p className="mt-1">{cr.rolloutHold.reason}</p>
          )}
          <Link href={`/change-requests/${cr.number}/canary`} className="mt-1 inline-block font-semibold underline underline-offset-2">
            Canary analysis
          </Link>
          {cr.rolloutHold.kind === "frozen" && may(actor.role, "evalSet.manage") ? (
            <AddFailingCases changeRequestId={cr.id} evalSets={await evalSetsOfService(cr.serviceId)} />
          ) : null}
        </div>
      ) : ["rolling_out", "promoted"].includes(cr.state) ? (
        <p className="mb-6 text-sm">
          <Link href={`/change-requests/${cr.number}/canary`} className="font-medium text-indigo-700 hover:underline">
            Canary analysis →
          </Link>
        </p>
      ) : null}
      {missingRevision ? (
        <Notice>
          CR-{cr.number} has no revision {first(search.revision)}; showing the current revision {current.revision}.
        </Notice>
      ) : null}
      {!isCurrent && shown.supersededBy ? (
        <Notice>
          You are looking at revision {shown.revision}, replaced by revision {shown.supersededBy.revision} at <Time value={shown.supersededBy.at} />.
          Decisions on it no longer count.{" "}
          <Link href={`/change-requests/${cr.number}`} className="font-semibold underline underline-offset-2">
            Review the current revision {current.revision}
          </Link>
        </Notice>
      ) : null}

      <div className="grid grid-cols-1 gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0 space-y-6">
          <RiskCard revision={shown} />
          <AboutCard revision={shown} sensitiveDomains={detail.settings.sensitiveDomains} />

          <section id="changes" aria-labelledby="changes-heading" className="scroll-mt-4">
            <h2 id="changes-heading" className="mb-3 flex flex-wrap items-baseline gap-x-2 text-base font-semibold text-slate-900">
              Component changes
              <span className="text-sm font-normal text-slate-500">
                revision {shown.revision} · from the version live when it was proposed to the proposed one
              </span>
            </h2>
            <ComponentChanges serviceSlug={service.slug} changes={shown.changes} full={full} toggleFullHref={toggleFullHref} />
          </section>

          <Card title={<span id="gates-heading">Gates · revision {shown.revision}</span>}>
            <GatesChecklist
              tier={shown.tier}
              gates={detail.gatesByRevision.get(shown.revision)}
              settings={detail.settings}
              submitted={cr.state !== "draft" || !isCurrent}
            />
            {showRehearse && rollbackPlanGate ? (
              <div className="mt-4 border-t border-slate-100 pt-4">
                <RehearseRollback changeRequestId={cr.id} revision={current.revision} gateStatus={rollbackPlanGate.status} />
              </div>
            ) : null}
          </Card>

          {showUpload && offlineGate ? (
            <EvidenceUpload
              changeRequestId={cr.id}
              gate={offlineGate.type as "offline_eval" | "offline_smoke"}
              gateLabel={requiredGates(current.tier).find((g) => g.type === offlineGate.type)?.label ?? offlineGate.type}
              revision={current.revision}
              gatePassed={offlineGate.status === "passed"}
            />
          ) : null}
        </div>

        <aside className="min-w-0 space-y-6" aria-label="Review">
          {isCurrent ? <RolloutSection actor={actor} detail={detail} current={current} now={new Date()} /> : null}
          <Card title={`Review · revision ${current.revision}`}>
            <div className="space-y-4">
              <ApprovalNeeds state={cr.state} tier={cr.riskTier} progress={detail.approvalProgress} revision={current.revision} />
              <p className="text-xs text-slate-500">{policySentence(cr.riskTier)}</p>
              {showDecision ? (
                <DecisionPanel
                  key={current.revision}
                  changeRequestId={cr.id}
                  number={cr.number}
                  revision={current.revision}
                  mayDecide={viewer.mayDecide}
                  myDecision={viewer.myDecision ? { decision: viewer.myDecision.decision, createdAt: viewer.myDecision.createdAt } : null}
                  approvalHint={approvalHint(detail)}
                />
              ) : isCurrent && viewer.decideRefusal && cr.state === "in_review" ? (
                <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">{viewer.decideRefusal}</p>
              ) : cr.state !== "in_review" && cr.state !== "draft" ? (
                <p className="text-sm text-slate-600">
                  {STATE_LABELS[cr.state]}: {cr.state === "changes_requested" || cr.state === "rejected" ? "review resumes when the author submits again." : "the review is over."}
                </p>
              ) : null}
            </div>
          </Card>
          <Card title={`Decisions (${detail.approvals.length})`}>
            <ApprovalsList approvals={detail.approvals} currentRevision={current.revision} />
          </Card>
        </aside>
      </div>

      <Card className="mt-6" padded={false} title={`Revision history (${revisions.length})`}>
        <RevisionHistory number={cr.number} revisions={revisions} shown={shown.revision} approvals={detail.approvals} />
      </Card>
    </>
  );
}

/** Says so when this reviewer's approval is recorded but cannot complete the review by itself. */
function approvalHint(detail: ChangeRequestDetail): string | null {
  const { viewer, approvalStatus: status } = detail;
  if (!viewer.mayDecide || viewer.approvalWouldHelp) return null;
  const rest = status.needs.join("; ");
  return rest ? `Your approval will be recorded, but it cannot provide what is still missing: ${rest}.` : null;
}

function Notice(props: { children: ReactNode }) {
  return <p className="mb-6 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">{props.children}</p>;
}

function RiskCard(props: { revision: RevisionDetail }) {
  const r = props.revision;
  const gates = requiredGates(r.tier);
  return (
    <Card
      title="Risk tier"
      actions={
        <span data-testid="risk-tier" data-tier={r.tier} className="text-sm">
          <RiskTierBadge tier={r.tier} />
        </span>
      }
    >
      <h3 className={`${label} mb-1.5`}>Why</h3>
      <ul data-testid="risk-reasons" className="list-disc space-y-1 pl-5 text-sm text-slate-800">
        {r.riskReasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <p className="mt-3 text-xs text-slate-500">
        Computed by Changegate from the components, the touched domains and the declared security impact; the author cannot lower it.
        Required gates: {gates.filter((g) => g.type !== "canary").map((g) => g.label).join(", ")}; canary{" "}
        {gates.filter((g) => g.type === "canary").map((g) => `${g.canaryPercent}%`).join(" → ")}.
      </p>
    </Card>
  );
}

function AboutCard(props: { revision: RevisionDetail; sensitiveDomains: string[] }) {
  const r = props.revision;
  const sensitive = new Set(sensitiveDomainsTouched(r.touchedDomains, props.sensitiveDomains));
  return (
    <Card title="About this change">
      {r.description ? (
        <p className="whitespace-pre-wrap break-words text-sm leading-relaxed text-slate-800">{r.description}</p>
      ) : (
        <p className="text-sm text-slate-500">No description.</p>
      )}
      <dl className="mt-4 grid grid-cols-1 gap-x-8 gap-y-4 border-t border-slate-100 pt-4 text-sm sm:grid-cols-2">
        <Fact name="Touched domains">
          {r.touchedDomains.length === 0 ? (
            <span className="text-slate-500">none declared</span>
          ) : (
            <span className="flex flex-wrap gap-1.5">
              {r.touchedDomains.map((d) =>
                sensitive.has(d.trim().toLowerCase()) ? (
                  <Badge key={d} tone="danger" title="Sensitive for this service">
                    {d} · sensitive
                  </Badge>
                ) : (
                  <Badge key={d}>{d}</Badge>
                ),
              )}
            </span>
          )}
        </Fact>
        <Fact name="Security impact">
          {r.securityImpact ? <Badge tone="danger">Declared</Badge> : <span className="text-slate-700">None declared</span>}
        </Fact>
        <Fact name="Expected metric shift">{r.expectedMetricShift || <span className="text-slate-500">not stated</span>}</Fact>
        <Fact name="Rollback plan">{r.rollbackPlan || <span className="text-slate-500">not written</span>}</Fact>
      </dl>
    </Card>
  );
}

function Fact(props: { name: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className={label}>{props.name}</dt>
      <dd className="mt-1 whitespace-pre-wrap break-words text-slate-800">{props.children}</dd>
    </div>
  );
}
