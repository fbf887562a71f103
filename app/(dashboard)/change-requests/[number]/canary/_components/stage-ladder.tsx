import { Badge, type Tone } from "@/app/_components/ui";
import type { LadderStep, LadderStepStatus } from "@/lib/canary/view-model";

/** The tier's canary ladder then the promotion, with where the rollout is and each gate's reason. */

const STATUS: Record<LadderStepStatus, { label: string; tone: Tone }> = {
  passed: { label: "Passed", tone: "success" },
  waived: { label: "Waived", tone: "neutral" },
  failed: { label: "Failed", tone: "danger" },
  running: { label: "Running", tone: "info" },
  passed_waiting: { label: "Passed · waiting", tone: "success" },
  paused: { label: "Paused", tone: "warning" },
  frozen: { label: "Frozen", tone: "danger" },
  rolled_back: { label: "Rolled back", tone: "danger" },
  pending: { label: "Not started", tone: "neutral" },
  not_reached: { label: "Not reached", tone: "neutral" },
  promoted: { label: "Promoted", tone: "success" },
};

const FRAME: Record<LadderStep["position"], string> = {
  done: "bg-white ring-slate-200",
  current: "bg-indigo-50/50 ring-2 ring-indigo-500",
  upcoming: "bg-slate-50 ring-slate-200",
};

export function StageLadder(props: { steps: LadderStep[] }) {
  return (
    <ol data-testid="stage-ladder" aria-label="Canary stages" className="flex flex-col gap-2 sm:flex-row sm:items-stretch">
      {props.steps.map((step, i) => {
        const status = STATUS[step.status];
        const failed = step.status === "failed" || step.status === "frozen" || step.status === "rolled_back";
        return (
          <li
            key={step.key}
            data-percent={step.percent}
            data-position={step.position}
            data-status={step.status}
            aria-current={step.position === "current" ? "step" : undefined}
            className="flex min-w-0 flex-1 flex-col sm:flex-row sm:items-stretch"
          >
            <div className={`min-w-0 flex-1 rounded-md px-3 py-2.5 ring-1 ring-inset ${failed && step.position === "current" ? "bg-rose-50/60 ring-2 ring-rose-500" : FRAME[step.position]}`}>
              <div className="flex flex-wrap items-baseline justify-between gap-x-2 gap-y-1">
                <span className={`text-lg font-semibold tabular-nums ${step.position === "upcoming" ? "text-slate-500" : "text-slate-900"}`}>{step.percent}%</span>
                <Badge tone={status.tone}>{status.label}</Badge>
              </div>
              <p className="text-xs font-medium text-slate-500">
                {step.label}
                {step.position === "current" && step.status !== "promoted" ? " · current" : ""}
              </p>
              {step.reason ? (
                <p className="mt-1 line-clamp-4 text-xs text-slate-700" title={step.reason}>
                  {step.reason}
                </p>
              ) : null}
            </div>
            {i < props.steps.length - 1 ? (
              <span aria-hidden className="self-center px-1 text-slate-400 max-sm:rotate-90 max-sm:py-0.5">
                →
              </span>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
