import type { ReactNode } from "react";
import { Badge, stacked, type Tone } from "@/app/_components/ui";
import type { MetricResult, StageJudgement } from "@/lib/canary/analysis";
import { formatCount, formatDeltaInterval, formatMetricDelta, formatMetricValue, formatRelative, formatSetting } from "@/lib/canary/format";

/**
 * The stage verdict and the per-metric table (SPEC §3): canary, 7-day baseline, delta, its
 * always-valid confidence interval, the verdict and the sample still needed; the rule's four
 * metrics first, then the guards.
 */

export const METRIC_VERDICT: Record<MetricResult["verdict"], { label: string; tone: Tone }> = {
  pass: { label: "Pass", tone: "success" },
  fail: { label: "Fail", tone: "danger" },
  insufficient: { label: "Not enough data", tone: "warning" },
  info: { label: "Shown only", tone: "neutral" },
};

const STAGE_VERDICT: Record<StageJudgement["verdict"], { label: string; tone: Tone }> = {
  pass: { label: "Stage passes", tone: "success" },
  fail: { label: "Stage fails", tone: "danger" },
  insufficient: { label: "Not enough data yet", tone: "warning" },
};

export function MetricVerdictBadge(props: { verdict: MetricResult["verdict"]; title?: string }) {
  const v = METRIC_VERDICT[props.verdict];
  return (
    <Badge tone={v.tone} title={props.title}>
      {v.label}
    </Badge>
  );
}

/** The stage's verdict in words: its badge, its reasons and what it still needs. */
export function StageVerdict(props: { judgement: StageJudgement; asOf: ReactNode }) {
  const { judgement: j } = props;
  const v = STAGE_VERDICT[j.verdict];
  const needs: string[] = [];
  if (j.verdict === "insufficient") {
    if (j.minutesStillNeeded > 0) needs.push(`${formatCount(j.minutesStillNeeded)} more ${j.minutesStillNeeded === 1 ? "minute" : "minutes"}`);
    if (j.sampleStillNeeded === null) needs.push("more canary requests than can be estimated now (the difference is too close to its threshold to call)");
    else if (j.sampleStillNeeded > 0) needs.push(`${formatCount(j.sampleStillNeeded)} more canary requests`);
  }
  return (
    <div data-testid="stage-verdict" data-verdict={j.verdict} className="space-y-2 text-sm">
      <p className="flex flex-wrap items-center gap-2">
        <Badge tone={v.tone}>{v.label}</Badge>
        <span className="text-slate-600">{props.asOf}</span>
      </p>
      <ul className={`list-disc space-y-1 pl-5 ${j.verdict === "fail" ? "text-rose-900" : "text-slate-800"}`}>
        {j.reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      {needs.length ? (
        <p data-testid="still-needed" className="text-slate-700">
          <span className="font-medium text-slate-900">Before this stage can decide:</span> {needs.join(" and ")}.
        </p>
      ) : null}
    </div>
  );
}

function SampleNeeded(props: { m: MetricResult }) {
  const { m } = props;
  if (m.verdict !== "insufficient") return "—";
  if (m.cause === "no_baseline") return "needs a baseline";
  if (m.sampleStillNeeded === null) return m.cause === "no_canary_data" ? "—" : "cannot tell yet";
  if (m.sampleStillNeeded > 0) return formatCount(m.sampleStillNeeded);
  return (
    <>
      0 <span className="block text-xs text-slate-500">waits for time</span>
    </>
  );
}

/** The delta, its relative size for $ and ms, and its confidence interval beneath. */
function Delta(props: { m: MetricResult; confidence: string }) {
  const { m } = props;
  if (m.delta === null) return "—";
  return (
    <>
      <span className="text-slate-900">{formatMetricDelta(m.unit, m.delta)}</span>
      {m.unit !== "rate" && m.deltaRelative !== null ? <span className="text-slate-500"> ({formatRelative(m.deltaRelative)})</span> : null}
      {m.ci ? (
        <span data-testid="delta-ci" className="block text-xs text-slate-500" title={m.pValue === null ? undefined : `always-valid p-value ${m.pValue.toPrecision(3)}`}>
          {props.confidence} CI <span className="whitespace-nowrap">{formatDeltaInterval(m.unit, m.ci)}</span>
        </span>
      ) : null}
    </>
  );
}

/** Eight columns: tighter cell padding than the shared table's on wide screens. */
const tight = "md:px-2.5 md:first:pl-4 md:last:pr-4";

const value = (m: MetricResult, v: number | null) => (v === null ? "—" : formatMetricValue(m.unit, v));

export function VerdictTable(props: { metrics: MetricResult[]; alpha: number }) {
  const rules = props.metrics.filter((m) => m.kind === "rule");
  const guards = props.metrics.filter((m) => m.kind === "guard");
  const confidence = `${formatSetting((1 - props.alpha) * 100)}%`;
  const columns = ["Metric", "Canary", "Baseline (7-day)", `Delta · ${confidence} CI`, "Threshold", "Verdict", "Sample still needed"];
  return (
    <div className={stacked.wrapper}>
      <table data-testid="verdict-table" aria-label="Canary verdict per metric" className={stacked.table}>
        <thead className={stacked.head}>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" className={`${stacked.th} ${tight} ${i > 0 && i < 4 ? "text-right" : ""}`}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={stacked.body}>
          {rules.map((m) => (
            <MetricRow key={m.metric} m={m} columns={columns} confidence={confidence} />
          ))}
          <tr className="max-md:block">
            <th
              colSpan={columns.length}
              scope="rowgroup"
              className="bg-slate-50 px-4 py-1.5 text-left text-xs font-medium text-slate-600 max-md:block"
            >
              Guard metrics — shown beside the rule; each decides only when the service gives it a threshold.
            </th>
          </tr>
          {guards.map((m) => (
            <MetricRow key={m.metric} m={m} columns={columns} confidence={confidence} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MetricRow(props: { m: MetricResult; columns: string[]; confidence: string }) {
  const { m, columns } = props;
  const cell = `${stacked.cell} ${tight}`;
  const num = `${cell} tabular-nums md:text-right md:whitespace-nowrap`;
  return (
    <tr data-metric={m.metric} data-verdict={m.verdict} className={`${stacked.row} ${m.verdict === "fail" ? "bg-rose-50/60" : ""}`}>
      <td data-label={columns[0]} className={`${cell} ${stacked.wide}`}>
        <span className="font-medium text-slate-900">{m.label}</span>{" "}
        {m.kind === "guard" ? (
          <span className="ml-1 rounded bg-slate-100 px-1 py-px align-middle text-[10px] font-semibold uppercase tracking-wide text-slate-500">guard</span>
        ) : null}
        <span className="block font-mono text-[11px] text-slate-500">{m.metric}</span>
      </td>
      <td data-label={columns[1]} className={`${num} font-medium text-slate-900`}>
        {value(m, m.canary)}
      </td>
      <td data-label={columns[2]} className={num}>
        {value(m, m.baseline)}
      </td>
      <td data-label={columns[3]} className={`${cell} tabular-nums md:text-right`}>
        <Delta m={m} confidence={props.confidence} />
      </td>
      <td data-label={columns[4]} className={cell}>
        {m.threshold ? m.threshold.label : <span className="text-slate-500">none set</span>}
      </td>
      <td data-label={columns[5]} className={cell}>
        <MetricVerdictBadge verdict={m.verdict} title={m.reason} />
      </td>
      <td data-label={columns[6]} className={`${cell} tabular-nums`} title={m.verdict === "insufficient" ? m.reason : undefined}>
        <SampleNeeded m={m} />
      </td>
    </tr>
  );
}
