import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { CrStateBadge, RiskTierBadge } from "@/app/_components/badges";
import { ButtonLink, Card, EmptyState, Mono, PageHeader, Time } from "@/app/_components/ui";
import { requirePageActor } from "@/lib/auth/session";
import type { MetricResult } from "@/lib/canary/analysis";
import { formatCount, formatSetting } from "@/lib/canary/format";
import type { MetricId } from "@/lib/canary/metrics";
import { getCanaryView, type CanaryView } from "@/lib/canary/view";
import { versionTable } from "@/lib/canary/view-model";
import { getChangeRequestDetail } from "@/lib/changes/queries";
import { RolloutSection } from "../_rollout/rollout-section";
import { CanaryCharts, type ChartsData } from "./_components/canary-charts";
import { may } from "@/lib/auth/permissions";
import { evalSetsOfService } from "@/lib/canary/queries";
import { AddFailingCases } from "../_rollout/add-failing-cases";
import { HoldBanner } from "./_components/hold-banner";
import { StageLadder } from "./_components/stage-ladder";
import { METRIC_VERDICT, StageVerdict, VerdictTable } from "./_components/verdict";
import { VersionBreakdown } from "./_components/version-breakdown";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ number: string }> };

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { number } = await props.params;
  return { title: `CR-${number} canary` };
}

/**
 * The canary analysis of a change request's rollout (SPEC §3, issue 5 item 5): where it is on
 * the ladder, the current (or last) stage's verdict per metric against the 7-day baseline, the
 * metrics over time and the traffic by component version. Everyone signed in may read it; the
 * operator's controls come from RolloutSection, which checks the role itself.
 */
export default async function CanaryPage(props: Props) {
  const actor = await requirePageActor();
  const { number: raw } = await props.params;
  const number = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  const detail = Number.isSafeInteger(number) ? await getChangeRequestDetail({ actor, number }) : null;
  if (!detail) notFound();
  const { changeRequest: cr, service, revisions } = detail;
  const current = revisions.find((r) => r.revision === cr.currentRevision) ?? revisions.at(-1);
  if (!current) notFound();
  const now = new Date();
  const view = await getCanaryView({ actor, changeRequest: cr, now });
  const crHref = `/change-requests/${cr.number}`;
  const started = view.stageIndex !== null;
  const hasCanaryData = (view.comparison?.canaryRequests ?? 0) > 0 || (view.charts?.metrics.some((m) => m.points.some((p) => p.requests > 0)) ?? false);
  // An ended rollout whose events are gone: its gates (above) say how each stage was judged then.
  const nothingStored = started && view.asOfKind === "end" && !hasCanaryData;

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
            /{" "}
            <Link href={crHref} className="font-mono hover:underline">
              CR-{cr.number}
            </Link>{" "}
            / <span className="text-slate-700">Canary</span>
          </>
        }
        title={current.title}
        description={
          <span className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1.5">
            <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
            <RiskTierBadge tier={cr.riskTier} />
            <span>
              Service <span className="font-medium text-slate-900">{service.name}</span>
            </span>
            <span data-testid="canary-headline" className="font-medium text-slate-900">
              {view.headline}
            </span>
          </span>
        }
        actions={<ButtonLink href={crHref}>← CR-{cr.number}</ButtonLink>}
      />

      {cr.rolloutHold && (cr.state === "paused" || cr.state === "rolled_back") ? <HoldBanner hold={cr.rolloutHold} state={cr.state} /> : null}
      {cr.rolloutHold?.kind === "frozen" && may(actor.role, "evalSet.manage") ? (
        <div className="-mt-2 mb-6 rounded-md bg-white px-4 py-3 text-sm text-slate-700 ring-1 ring-inset ring-slate-200">
          <p>Turn the frozen stage&apos;s failing requests into eval cases, so the next revision&apos;s offline evaluation covers them.</p>
          <AddFailingCases changeRequestId={cr.id} evalSets={await evalSetsOfService(cr.serviceId)} />
        </div>
      ) : null}

      <Card title="Canary ladder" className="mb-6">
        <StageLadder steps={view.ladder} />
        <p className="mt-3 text-xs text-slate-500">{ladderNote(view)}</p>
      </Card>

      <div className="mb-6 flex flex-col gap-6 xl:flex-row xl:items-start">
        <div className="min-w-0 flex-1 space-y-6">
          {!started ? (
            <EmptyState title="No canary has run for this change request yet">
              <p>{notStartedNote(cr.state, view)}</p>
            </EmptyState>
          ) : nothingStored ? (
            <EmptyState title="No outcome events from this canary are stored">
              <p>
                Changegate has no rollups for this change request’s canary releases ({view.canaryReleaseIds.join(", ")}) between the start and the end of
                its rollout, so there is nothing to chart or judge again. The ladder above shows how each stage was judged at the time.
              </p>
            </EmptyState>
          ) : view.judgement ? (
            <Card title={`Stage ${view.stageIndex! + 1} of ${view.stageCount} · ${view.stagePercent}% — verdict`}>
              <StageVerdict judgement={view.judgement} asOf={asOfNote(view)} />
              <Windows view={view} />
            </Card>
          ) : null}
        </div>
        <aside aria-label="Rollout controls" className="min-w-0 space-y-6 empty:hidden xl:w-[22rem] xl:shrink-0">
          <RolloutSection actor={actor} detail={detail} current={current} now={now} />
        </aside>
      </div>

      {started && view.judgement && !nothingStored ? (
        <div className="space-y-6">
          <Card title={`Verdict per metric · ${view.stagePercent}% stage`}>
            <VerdictTable metrics={view.judgement.metrics} alpha={view.settings.canary.alpha} />
            <p data-testid="canary-method" className="mt-3 text-xs text-slate-600">
              <span className="font-semibold text-slate-700">Method.</span> {view.method} Delta is canary − baseline; the baseline is the stable
              release over the 7 days before the stage, as a traffic-weighted average.
            </p>
          </Card>
          <Card title="Canary vs baseline over time">
            <ChartsSection view={view} serviceSlug={service.slug} />
          </Card>
          <Card title={`By component version · ${view.stagePercent}% stage`}>
            <Versions view={view} highlightKinds={current.changes.map((c) => c.kind)} />
          </Card>
        </div>
      ) : null}
    </>
  );
}

function ladderNote(view: CanaryView): string {
  const c = view.settings.canary;
  const mode =
    view.settings.canaryAdvance === "manual"
      ? "Manual mode: a passing stage waits for an operator to advance it."
      : "Changegate advances a stage by itself when its verdict passes, and freezes the rollout when one fails.";
  return `Each stage is judged after at least ${formatCount(c.minStageMinutes)} ${c.minStageMinutes === 1 ? "minute" : "minutes"} and ${formatCount(c.minStageRequests)} canary requests; a clear regression can fail it from ${formatCount(c.minFailEvidenceRequests)} requests. ${mode}`;
}

function notStartedNote(state: string, view: CanaryView): string {
  const first = view.ladder[0]?.percent;
  switch (state) {
    case "approved":
      return `It is approved. An operator starts the rollout from the change request page; its first stage sends ${first}% of traffic to the canary, and this page follows it from there.`;
    case "draft":
    case "in_review":
    case "changes_requested":
      return "A rollout starts once the change request is approved and its pre-canary gates have passed.";
    case "rejected":
    case "cancelled":
      return `It was ${state} before any rollout.`;
    default:
      return "No canary release of it is recorded.";
  }
}

function asOfNote(view: CanaryView): ReactNode {
  switch (view.asOfKind) {
    case "freeze":
      return (
        <>
          As judged at the freeze, <Time value={view.asOf} />.
        </>
      );
    case "end":
      return (
        <>
          The last stage, as it stood when the rollout ended (<Time value={view.asOf} />).
        </>
      );
    default:
      return (
        <>
          As of <Time value={view.asOf} />. The canary judge re-evaluates running rollouts by itself; reload for the latest.
        </>
      );
  }
}

function Windows(props: { view: CanaryView }) {
  const { comparison, stageStartedAt } = props.view;
  if (!comparison || !stageStartedAt) return null;
  return (
    <div className="mt-4 space-y-2 border-t border-slate-100 pt-3 text-xs text-slate-600">
      <p>
        <span className="font-semibold text-slate-700">Canary:</span> {formatCount(comparison.canaryRequests)} requests since{" "}
        <Time value={comparison.canaryFrom} />
        {comparison.canaryFrom.getTime() !== stageStartedAt.getTime() ? ", the stage's first whole minute" : ""}.{" "}
        <span className="font-semibold text-slate-700">Baseline:</span> the stable release, {formatCount(comparison.baselineRequests)} requests from{" "}
        <Time value={comparison.baselineFrom} /> to <Time value={comparison.baselineTo} />.
      </p>
      {comparison.baselineRequests === 0 ? (
        <p data-testid="no-baseline" className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-inset ring-amber-200">
          No baseline: the stable release reported no outcome events in the 7 days before this stage, so there is nothing to compare the canary with.
          Every judged metric stays “not enough data” until the stable release has a week of events.
        </p>
      ) : null}
    </div>
  );
}

function ChartsSection(props: { view: CanaryView; serviceSlug: string }) {
  const { view } = props;
  const charts = view.charts;
  const anyCanary = charts?.metrics.some((m) => m.points.some((p) => p.requests > 0)) ?? false;
  if (!charts || !anyCanary) {
    return (
      <EmptyState title="No outcome events from the canary yet">
        <p>
          Services report them through <Mono>POST /api/v1/events</Mono> (with the SDK’s batching sender). To see this page work with demo data, the
          simulator sends traffic as an LLM service would: <Mono>npm run simulate -- --service {props.serviceSlug} --scenario healthy</Mono>.
        </p>
      </EmptyState>
    );
  }
  const verdicts = new Map<MetricId, MetricResult>(view.judgement?.metrics.map((m) => [m.metric, m]) ?? []);
  const data: ChartsData = {
    from: charts.from.getTime(),
    to: charts.to.getTime(),
    bucketMinutes: charts.bucketMinutes,
    marks: charts.marks.map((m) => ({ t: m.at.getTime(), label: m.label })),
    metrics: charts.metrics.map((m) => ({ ...m, verdict: METRIC_VERDICT[verdicts.get(m.metric)?.verdict ?? "info"] })),
  };
  return (
    <>
      <CanaryCharts data={data} />
      <p className="mt-4 text-xs text-slate-500">
        Times in UTC. The bold line is the value the verdict uses: the canary’s totals since its stage began. The shaded range is how much the stable
        release moved from day to day over its 7 days (mean ± 2 standard deviations of the daily values); thresholds are in the table above.
      </p>
    </>
  );
}

function Versions(props: { view: CanaryView; highlightKinds: string[] }) {
  const { view } = props;
  const table = versionTable(view.versions, { highlightKinds: props.highlightKinds });
  if (table.rows.length === 0) {
    return (
      <p className="text-sm text-slate-600">
        No raw outcome events from this stage’s canary{view.asOfKind === "end" ? ` are stored (they are kept ${formatSetting(view.settings.outcomeRetentionDays)} days)` : " yet"}.
      </p>
    );
  }
  const base = (id: MetricId) => view.judgement?.metrics.find((m) => m.metric === id)?.baseline ?? null;
  const baseline = view.comparison && view.comparison.baselineRequests > 0 ? { resolved: base("resolved_rate"), falseRefusal: base("false_refusal_rate"), policyViolation: base("policy_violation_rate") } : null;
  return (
    <>
      <VersionBreakdown table={table} baseline={baseline} />
      <p className="mt-3 text-xs text-slate-500">
        The component versions each canary event reported, in the judged window (since the stage&apos;s first whole minute){table.kinds.length < 5 ? "; only the components this change request touches, or that differ between rows, are shown" : ""}.
      </p>
    </>
  );
}
