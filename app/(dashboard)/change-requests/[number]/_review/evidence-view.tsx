import { Badge } from "@/app/_components/ui";
import {
  isOfflineGate,
  judgeOfflineEvidence,
  offlineEvalResultSchema,
  thresholdsFromSettings,
  type OfflineEvalResult,
} from "@/lib/changes/evidence";
import { EvidenceChecks } from "./evidence-checks";
import type { ServiceSettings } from "@/lib/services/settings";

/**
 * One piece of gate evidence, expanded: for offline evaluation results, the segments, the
 * regressions, the latency and token-cost deltas, the user-visible changes and the checks that
 * passed or failed the gate. Anything else (a rehearsal report, an older CI format) is shown
 * as the values it reported.
 */

const label = "text-xs font-semibold uppercase tracking-wide text-slate-500";
const pct = (x: number, digits = 1) => `${x.toFixed(digits)}%`;
const signed = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(1)}%`;

export function EvidenceView(props: { payload: Record<string, unknown>; gateType: string; settings: ServiceSettings }) {
  const parsed = offlineEvalResultSchema.safeParse(props.payload);
  if (!parsed.success || !isOfflineGate(props.gateType)) return <ReportedValues payload={props.payload} />;
  const result = parsed.data;
  const thresholds = thresholdsFromSettings(props.settings);
  const verdict = judgeOfflineEvidence({ gate: props.gateType, result, thresholds });
  return (
    <div className="space-y-5">
      <RunMeta result={result} />
      <Segments result={result} minPassRate={thresholds.minPassRate} />
      <Deltas result={result} maxLatencyPct={thresholds.maxLatencyIncreasePct} maxCostPct={thresholds.maxCostIncreasePct} />
      <Regressions result={result} />
      <UserVisibleChanges items={result.userVisibleChanges} />
      <div>
        <h4 className={`${label} mb-2`}>Checks against the service’s thresholds today</h4>
        <EvidenceChecks checks={verdict.checks} />
      </div>
    </div>
  );
}

function RunMeta(props: { result: OfflineEvalResult }) {
  const { evalSet, commit, runUrl } = props.result;
  if (!evalSet && !commit && !runUrl) return null;
  return (
    <p className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600">
      {evalSet ? (
        <span>
          Eval set <span className="font-mono text-slate-800">{evalSet}</span>
        </span>
      ) : null}
      {commit ? (
        <span>
          Commit <span className="font-mono text-slate-800">{commit}</span>
        </span>
      ) : null}
      {runUrl ? (
        <a href={runUrl} className="font-medium text-indigo-700 hover:underline" rel="noreferrer noopener" target="_blank">
          CI run ↗
        </a>
      ) : null}
    </p>
  );
}

function Segments(props: { result: OfflineEvalResult; minPassRate: number }) {
  const min = props.minPassRate * 100;
  return (
    <div>
      <h4 className={`${label} mb-2`}>Results by segment</h4>
      <div className="overflow-x-auto rounded-md ring-1 ring-slate-200">
        <table className="min-w-full text-sm" aria-label="Results by segment">
          <thead className="bg-slate-50 text-left text-xs text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-1.5 font-semibold">Segment</th>
              <th scope="col" className="px-3 py-1.5 text-right font-semibold">Passed</th>
              <th scope="col" className="px-3 py-1.5 text-right font-semibold">Pass rate</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {props.result.segments.map((s) => {
              const rate = (s.passed * 100) / s.total;
              const below = rate < min - 1e-9;
              return (
                <tr key={s.name} className={below ? "bg-rose-50/60" : undefined}>
                  <td className="px-3 py-1.5 font-mono text-xs text-slate-800">{s.name}</td>
                  <td className="whitespace-nowrap px-3 py-1.5 text-right tabular-nums text-slate-700">
                    {s.passed.toLocaleString("en-US")} / {s.total.toLocaleString("en-US")}
                  </td>
                  <td className={`whitespace-nowrap px-3 py-1.5 text-right tabular-nums font-medium ${below ? "text-rose-700" : "text-slate-900"}`}>
                    {pct(rate)}
                    {below ? <span className="sr-only"> (below {pct(min, 0)})</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Deltas(props: { result: OfflineEvalResult; maxLatencyPct: number; maxCostPct: number }) {
  // Green when cheaper or faster, amber when worse but within the limit, red beyond it.
  const tone = (x: number, max: number) => (x > max ? "text-rose-700" : x > 0 ? "text-amber-700" : "text-emerald-700");
  const items = [
    { name: "Latency vs current", value: props.result.latencyDeltaPct, max: props.maxLatencyPct },
    { name: "Token cost vs current", value: props.result.tokenCostDeltaPct, max: props.maxCostPct },
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:max-w-md">
      {items.map((d) => (
        <div key={d.name} className="rounded-md bg-slate-50 px-3 py-2 ring-1 ring-inset ring-slate-200">
          <dt className="text-xs text-slate-500">{d.name}</dt>
          <dd className={`text-base font-semibold tabular-nums ${tone(d.value, d.max)}`}>
            {signed(d.value)}
            <span className="block text-xs font-normal text-slate-500">limit +{d.max}%</span>
          </dd>
        </div>
      ))}
    </dl>
  );
}

const SEVERITY_TONE = { critical: "danger", major: "warning", minor: "neutral" } as const;

function Regressions(props: { result: OfflineEvalResult }) {
  const list = props.result.regressions;
  return (
    <div>
      <h4 className={`${label} mb-2`}>Top regressions versus the current version ({list.length})</h4>
      {list.length === 0 ? (
        <p className="text-sm text-slate-600">None reported.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
          {list.slice(0, 20).map((r, i) => (
            <li key={`${r.caseId}-${i}`} className="flex flex-col gap-1 px-3 py-2 text-sm sm:flex-row sm:items-start sm:gap-3">
              <span className="flex shrink-0 items-center gap-2">
                <Badge tone={SEVERITY_TONE[r.severity]}>{r.severity}</Badge>
                <span className="break-all font-mono text-xs text-slate-800">{r.caseId}</span>
              </span>
              <span className="min-w-0 text-slate-700">
                {r.segment ? <span className="mr-1 text-xs text-slate-500">[{r.segment}]</span> : null}
                {r.summary}
              </span>
            </li>
          ))}
          {list.length > 20 ? <li className="px-3 py-2 text-xs text-slate-500">…and {list.length - 20} more in the CI run.</li> : null}
        </ul>
      )}
    </div>
  );
}

function UserVisibleChanges(props: { items: string[] }) {
  return (
    <div>
      <h4 className={`${label} mb-2`}>Expected user-visible changes</h4>
      {props.items.length === 0 ? (
        <p className="text-sm text-slate-600">None reported.</p>
      ) : (
        <ul className="list-disc space-y-1 pl-5 text-sm text-slate-700">
          {props.items.map((item, i) => (
            <li key={i}>{item}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

const KEY_LABELS: Record<string, string> = {
  passRate: "Pass rate",
  cases: "Cases",
  regressions: "Regressions",
  latencyDeltaMs: "Latency delta (ms)",
  costDeltaPct: "Cost delta (%)",
  missingFields: "Missing fields",
  missingVersions: "Missing versions",
  checkedKinds: "Component kinds checked",
};

/** Evidence in a shape other than offline eval results: each reported value, readable. */
function ReportedValues(props: { payload: Record<string, unknown> }) {
  const entries = Object.entries(props.payload);
  if (entries.length === 0) return <p className="text-sm text-slate-600">No details were attached.</p>;
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
      {entries.map(([key, value]) => (
        <div key={key} className="min-w-0">
          <dt className="text-xs text-slate-500">{KEY_LABELS[key] ?? key}</dt>
          <dd className="break-words font-mono text-xs text-slate-800">{formatValue(key, value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function formatValue(key: string, value: unknown): string {
  if (key === "passRate" && typeof value === "number" && value <= 1) return pct(value * 100);
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  if (typeof value === "object" && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" · ");
  }
  return String(value);
}
