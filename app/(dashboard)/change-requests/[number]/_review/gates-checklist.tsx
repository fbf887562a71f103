import { Badge, Time, type Tone } from "@/app/_components/ui";
import { requiredGates, type RequiredGate } from "@/lib/changes";
import { isOfflineGate, thresholdsFromSettings } from "@/lib/changes/evidence";
import type { GateWithEvidence } from "@/lib/changes/queries";
import type { RiskTier } from "@/lib/components/kinds";
import type { ServiceSettings } from "@/lib/services/settings";
import { EvidenceView } from "./evidence-view";

/**
 * The gates of one revision as a checklist a reviewer scans: a mark and status per gate, why it
 * stands there, and the latest evidence, expandable. A revision that was never submitted shows the
 * gates it will need, not started.
 */

const STATUS: Record<string, { tone: Tone; mark: string; markClass: string; label: string }> = {
  passed: { tone: "success", mark: "✓", markClass: "bg-emerald-600 text-white", label: "Passed" },
  failed: { tone: "danger", mark: "✗", markClass: "bg-rose-600 text-white", label: "Failed" },
  waived: { tone: "neutral", mark: "–", markClass: "bg-slate-400 text-white", label: "Waived" },
  pending: { tone: "warning", mark: "", markClass: "bg-white ring-2 ring-inset ring-slate-300", label: "Pending" },
};

const SOURCE: Record<string, string> = { api: "CI (API token)", upload: "upload", system: "Changegate" };

const keyOf = (g: { type: string; canaryPercent: number | null | undefined }) => (g.type === "canary" ? `canary:${g.canaryPercent}` : g.type);

/** What passes an offline gate for this service, with its numbers. */
function offlineThresholds(type: string, settings: ServiceSettings): string {
  const t = thresholdsFromSettings(settings);
  const rate = `${Number((t.minPassRate * 100).toFixed(2))}%`;
  if (type === "offline_smoke") return `Passes with at least ${rate} of cases passing overall and no critical regression.`;
  return `Passes with at least ${rate} of cases passing overall and in every segment, at most ${t.maxRegressions} regressions and none critical, latency at most +${t.maxLatencyIncreasePct}% and token cost at most +${t.maxCostIncreasePct}%.`;
}

export function GatesChecklist(props: { tier: RiskTier; gates: GateWithEvidence[] | undefined; settings: ServiceSettings; submitted: boolean }) {
  const ladder = requiredGates(props.tier);
  const gates = props.gates ?? [];
  if (gates.length === 0) {
    return (
      <>
        <p className="mb-3 text-sm text-slate-600">
          {props.submitted
            ? "No gates were recorded for this revision."
            : "Gates start once the change request is submitted for review. A " + props.tier + "-risk change will need:"}
        </p>
        <ol className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" data-testid="gates">
          {ladder.map((g) => (
            <GateRow key={g.key} info={g} status="pending" reason={g.passesWhen} settings={props.settings} statusLabel="Not started" />
          ))}
        </ol>
      </>
    );
  }
  const passed = gates.filter((g) => g.status === "passed" || g.status === "waived").length;
  return (
    <>
      <p className="mb-3 text-sm text-slate-600">
        <span className="font-semibold text-slate-900">
          {passed} of {gates.length}
        </span>{" "}
        gates passed. Canary stages run during the rollout, after approval.
      </p>
      <ol className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" data-testid="gates">
        {gates.map((gate) => {
          const info = ladder.find((g) => g.key === keyOf(gate)) ?? {
            key: keyOf(gate) as RequiredGate["key"],
            type: gate.type,
            label: gate.type,
            passesWhen: "",
          };
          return <GateRow key={gate.id} info={info} status={gate.status} reason={gate.statusReason} gate={gate} settings={props.settings} />;
        })}
      </ol>
    </>
  );
}

function GateRow(props: {
  info: RequiredGate;
  status: string;
  reason: string;
  gate?: GateWithEvidence;
  settings: ServiceSettings;
  statusLabel?: string;
}) {
  const { info, gate } = props;
  const status = STATUS[props.status] ?? STATUS.pending!;
  const evidence = gate?.latestEvidence ?? null;
  const criteria = isOfflineGate(info.type) ? offlineThresholds(info.type, props.settings) : info.passesWhen;
  return (
    <li data-testid="gate" data-gate={info.key} data-status={props.status} className="px-3 py-3 sm:px-4">
      <div className="flex items-start gap-3">
        <span
          aria-hidden="true"
          className={`mt-0.5 inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-bold ${status.markClass}`}
        >
          {status.mark}
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1">
            <h3 className="text-sm font-semibold text-slate-900">{info.label}</h3>
            <Badge tone={props.statusLabel ? "neutral" : status.tone}>{props.statusLabel ?? status.label}</Badge>
          </div>
          {props.reason && props.reason !== criteria ? <p className="mt-1 text-sm text-slate-700">{props.reason}</p> : null}
          {criteria ? <p className="mt-1 text-xs text-slate-500">{criteria}</p> : null}
          {gate && gate.status !== "pending" ? (
            <p className="mt-1 text-xs text-slate-500">
              Updated <Time value={gate.updatedAt} />
            </p>
          ) : null}
          {evidence ? (
            <details className="group mt-2 rounded-md bg-slate-50 ring-1 ring-inset ring-slate-200">
              <summary className="flex cursor-pointer list-none flex-wrap items-center gap-x-2 gap-y-1 px-3 py-2 text-sm marker:hidden">
                <span aria-hidden="true" className="text-slate-400 transition group-open:rotate-90">
                  ▸
                </span>
                <span className="font-medium text-slate-800">Evidence</span>
                <Badge tone={evidence.passed ? "success" : "danger"}>{evidence.passed ? "passed" : "failed"}</Badge>
                <span className="min-w-0 flex-1 basis-60 text-slate-700">
                  {/* The gate's reason usually is this verdict: say where it came from instead of repeating it. */}
                  {evidence.summary === props.reason ? (
                    <span className="text-xs text-slate-500">what was submitted and how it was judged</span>
                  ) : (
                    evidence.summary
                  )}
                </span>
              </summary>
              <div className="border-t border-slate-200 bg-white px-3 py-3">
                <p className="mb-3 text-xs text-slate-500">
                  From {SOURCE[evidence.source] ?? evidence.source}
                  {evidence.submittedByName ? ` by ${evidence.submittedByName}` : ""}, <Time value={evidence.createdAt} />
                  {gate && gate.evidenceCount > 1 ? ` · latest of ${gate.evidenceCount} results` : ""}
                </p>
                <EvidenceView payload={evidence.payload} gateType={info.type} settings={props.settings} />
              </div>
            </details>
          ) : gate && isOfflineGate(info.type) && gate.status === "pending" ? (
            <p className="mt-1 text-xs text-amber-800">No results yet.</p>
          ) : null}
        </div>
      </div>
    </li>
  );
}
