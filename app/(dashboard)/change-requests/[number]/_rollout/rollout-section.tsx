import { TZDate } from "@date-fns/tz";
import { format } from "date-fns";
import { RollbackButton } from "@/app/(dashboard)/services/[service]/releases/rollback-dialog";
import { Badge, Card } from "@/app/_components/ui";
import { may } from "@/lib/auth/permissions";
import type { Actor } from "@/lib/auth/session";
import { WINDOW_BOUND_TIERS, canaryLadder, deployWindowStatus, preCanaryGates } from "@/lib/changes";
import type { ChangeRequestDetail, GateWithEvidence, RevisionDetail } from "@/lib/changes/queries";
import { getServiceReleases } from "@/lib/releases/queries";
import Link from "next/link";
import { PromoteRolloutForm, StartRolloutForm } from "./rollout-panel";
import { AdvanceStageForm, HoldForm } from "./stage-controls";

/**
 * The operator's part of a change request page: start an approved rollout, follow a rolling-out
 * one, promote it or roll back one of its components. Nothing for roles that may do none of it;
 * the actions check the role again.
 */
export async function RolloutSection(props: { actor: Actor; detail: ChangeRequestDetail; current: RevisionDetail; now: Date }) {
  const { actor, detail, current, now } = props;
  const { changeRequest: cr, service, settings } = detail;
  const mayOperate = may(actor.role, "release.operate");
  const mayRollback = may(actor.role, "release.rollback");
  if (!mayOperate && !mayRollback) return null;
  // rolled_back too: the rollback dialog that got it there stays open to report its outcome.
  if (cr.state !== "approved" && cr.state !== "rolling_out" && cr.state !== "paused" && cr.state !== "rolled_back") return null;

  // Only the pointer's revision and canary percent are needed; the history is not.
  const releases = await getServiceReleases({ actor, serviceSlug: service.slug, historyLimit: 1 });
  const pointer = releases?.pointer ?? null;
  const pointerRevision = pointer?.revision ?? null;

  if (cr.state === "approved") {
    if (!mayOperate) return null;
    const gates = detail.gatesByRevision.get(current.revision) ?? [];
    const checks = preCanaryGates(cr.riskTier).map((required) => {
      const row: GateWithEvidence | undefined = gates.find((g) => g.type === required.type);
      const status = row?.status ?? "missing";
      return { label: required.label, status, passed: status === "passed" || status === "waived" };
    });
    const open = checks.filter((c) => !c.passed);
    const windowBound = WINDOW_BOUND_TIERS.includes(cr.riskTier);
    const window = windowBound ? deployWindowStatus({ now, timeZone: service.timeZone, window: settings.deployWindow, holidays: settings.holidays }) : null;
    const local = (at: Date, pattern: string) => format(new TZDate(at.getTime(), service.timeZone), pattern);
    const windowLine = !window
      ? null
      : window.open
        ? `open until ${window.closesAt ? local(window.closesAt, "HH:mm") : settings.deployWindow.end} ${service.timeZone}`
        : `closed${window.nextOpensAt ? `: opens ${local(window.nextOpensAt, "EEE HH:mm")} ${service.timeZone}` : ""}`;
    const offerEmergency = !!window && !window.open && may(actor.role, "release.emergencyOverride");

    return (
      <Card title="Start rollout">
        <div data-testid="rollout-panel" className="space-y-4 text-sm">
          <div>
            <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">Pre-canary gates · revision {current.revision}</h3>
            <ul aria-label="Pre-canary gates" className="space-y-1">
              {checks.map((c) => (
                <li key={c.label} className="flex items-center justify-between gap-2" data-passed={c.passed}>
                  <span className="text-slate-800">{c.label}</span>
                  <Badge tone={c.passed ? "success" : "warning"}>{c.passed ? "passed" : c.status}</Badge>
                </li>
              ))}
            </ul>
          </div>
          {window ? (
            <p data-testid="deploy-window" data-open={window.open} title={window.reason} className="text-slate-700">
              Deploy window: <span className={window.open ? "font-medium text-emerald-700" : "font-medium text-amber-800"}>{windowLine}</span>
            </p>
          ) : null}
          <StartRolloutForm
            changeRequestId={cr.id}
            lockVersion={cr.lockVersion}
            expectedPointerRevision={pointerRevision}
            offerEmergency={offerEmergency}
            blocked={open.length ? `Waiting for ${open.map((c) => c.label).join(", ")}.` : null}
          />
        </div>
      </Card>
    );
  }

  // rolling_out, paused (by an operator, or frozen by the canary judge), or just rolled back
  const rolling = cr.state === "rolling_out";
  const paused = cr.state === "paused";
  const hold = cr.rolloutHold;
  const ladder = canaryLadder(cr.riskTier);
  const stage = cr.canaryStage ?? 0;
  const percent = pointer?.canaryPercent ?? ladder[stage] ?? 0;
  const atLastStage = stage >= ladder.length - 1;
  const stageGate = (detail.gatesByRevision.get(current.revision) ?? []).find((g) => g.type === "canary" && g.canaryPercent === ladder[stage]);
  const stagePassed = stageGate?.status === "passed";
  const stageLine = `stage ${Math.min(stage + 1, ladder.length)} of ${ladder.length}`;
  return (
    <Card title="Rollout">
      <div data-testid="rollout-panel" className="space-y-4 text-sm">
        <div className="space-y-1">
          <p data-testid="rollout-stage" className="font-medium text-slate-900">
            {rolling ? `Canary ${percent}% — ${stageLine}` : paused ? `${hold?.kind === "frozen" ? "Frozen" : "Paused"} at ${hold?.stagePercent ?? ladder[stage]}% — canary share now ${percent}%` : "Rolled back"}
          </p>
          {rolling ? (
            <p className="text-xs text-slate-500">
              Ladder {ladder.map((p) => `${p}%`).join(" → ")} → 100%.{" "}
              {settings.canaryAdvance === "manual"
                ? "Manual mode: a passing stage waits for an operator to advance it."
                : "Changegate advances each stage when its canary verdict passes, and freezes the rollout when one fails."}
            </p>
          ) : null}
        </div>
        {paused && hold ? (
          <div
            data-testid="rollout-hold"
            data-kind={hold.kind}
            className={hold.kind === "frozen" ? "rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200" : "rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-inset ring-amber-200"}
          >
            <p className="font-medium">
              {hold.kind === "frozen" ? `Frozen by ${hold.by}` : `Paused by ${hold.by}`} at {format(new TZDate(Date.parse(hold.at), service.timeZone), "HH:mm")} {service.timeZone}
            </p>
            {hold.failing?.length ? (
              <ul className="mt-1 list-disc space-y-0.5 pl-5">
                {hold.failing.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
            ) : (
              <p className="mt-1">{hold.reason}</p>
            )}
          </div>
        ) : null}
        {cr.state !== "rolled_back" ? (
          <Link href={`/change-requests/${cr.number}/canary`} className="inline-block font-medium text-indigo-700 hover:underline">
            Canary analysis →
          </Link>
        ) : null}
        {rolling && mayOperate ? (
          <div className="space-y-3 border-t border-slate-100 pt-3">
            {atLastStage && stagePassed ? (
              <PromoteRolloutForm changeRequestId={cr.id} lockVersion={cr.lockVersion} expectedPointerRevision={pointerRevision} />
            ) : !atLastStage && stagePassed ? (
              <AdvanceStageForm changeRequestId={cr.id} lockVersion={cr.lockVersion} stage={stage} nextPercent={ladder[stage + 1]!} />
            ) : (
              <p className="text-xs text-slate-500">
                The {ladder[stage]}% stage can {atLastStage ? "be promoted to 100%" : "advance"} once its canary verdict passes.
              </p>
            )}
            <HoldForm mode="pause" changeRequestId={cr.id} lockVersion={cr.lockVersion} />
          </div>
        ) : null}
        {paused && mayOperate ? (
          <div className="border-t border-slate-100 pt-3">
            <HoldForm mode="resume" changeRequestId={cr.id} lockVersion={cr.lockVersion} frozen={hold?.kind === "frozen"} />
          </div>
        ) : null}
        {mayRollback ? (
          <ul aria-label="Component rollbacks" className="space-y-2 border-t border-slate-100 pt-3">
            {current.changes.map((c) => (
              <li key={c.kind} className="flex flex-wrap items-center justify-between gap-2">
                <span className="text-slate-700">
                  {c.kind}: {c.from ? `${c.from.label} → ${c.to.label}` : `new ${c.to.label}`}
                </span>
                <RollbackButton
                  size="sm"
                  serviceId={service.id}
                  expectedPointerRevision={pointerRevision}
                  label={`Roll back ${c.kind} to ${c.from?.label ?? "previous version"}`}
                  target={(rolling || paused) && c.from ? { scope: "component", kind: c.kind, toVersionId: c.from.id, toLabel: c.from.label } : null}
                />
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </Card>
  );
}
