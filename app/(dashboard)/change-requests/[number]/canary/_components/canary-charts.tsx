"use client";

import { Area, CartesianGrid, ComposedChart, Line, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge, type Tone } from "@/app/_components/ui";
import { formatCount, formatMetricValue } from "@/lib/canary/format";
import type { MetricUnit } from "@/lib/canary/metrics";
import { timeTicks, type ChartPoint, type MetricChart } from "@/lib/canary/view-model";

/**
 * Canary against its baseline over time, one chart per metric: the canary per bucket (thin),
 * its running value since the stage began (what the judge sees, bold), the 7-day baseline
 * (dashed) and the baseline's day-to-day band (mean ± 2 sd, shaded). Stage starts are marked.
 */

export interface ChartsData {
  from: number;
  to: number;
  bucketMinutes: number;
  marks: { t: number; label: string }[];
  metrics: (MetricChart & { verdict: { label: string; tone: Tone } })[];
}

const COLORS = {
  canary: "#a5b4fc",
  cumulative: "#4338ca",
  baseline: "#475569",
  band: "#cbd5e1",
  mark: "#94a3b8",
};

const DAY_MS = 86_400_000;

function timeFormatter(spanMs: number): (t: number) => string {
  const format =
    spanMs <= 1.5 * DAY_MS
      ? new Intl.DateTimeFormat("en-US", { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      : new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });
  return (t) => format.format(new Date(t));
}

const tooltipTime = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

function bucketLabel(minutes: number): string {
  if (minutes < 60) return minutes === 1 ? "per minute" : `per ${minutes} minutes`;
  if (minutes < 1440) return minutes === 60 ? "per hour" : `per ${minutes / 60} hours`;
  return "per day";
}

export function CanaryCharts(props: { data: ChartsData }) {
  const { data } = props;
  const rules = data.metrics.filter((m) => m.kind === "rule");
  const guards = data.metrics.filter((m) => m.kind === "guard");
  const per = bucketLabel(data.bucketMinutes);
  return (
    <div className="space-y-5">
      <ChartLegend per={per} />
      <div className="grid grid-cols-1 gap-x-6 gap-y-5 lg:grid-cols-2">
        {rules.map((m) => (
          <MetricChartPanel key={m.metric} chart={m} data={data} height={220} />
        ))}
      </div>
      <div>
        <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500">Guard metrics</h3>
        <div className="grid grid-cols-1 gap-x-5 gap-y-4 sm:grid-cols-2 xl:grid-cols-3">
          {guards.map((m) => (
            <MetricChartPanel key={m.metric} chart={m} data={data} height={150} compact />
          ))}
        </div>
      </div>
    </div>
  );
}

function ChartLegend(props: { per: string }) {
  const item = "inline-flex items-center gap-1.5";
  return (
    <ul aria-label="Legend" className="flex flex-wrap gap-x-4 gap-y-1.5 text-xs text-slate-700">
      <li className={item}>
        <span aria-hidden className="inline-block h-0.5 w-5 rounded" style={{ background: COLORS.canary }} />
        Canary, {props.per}
      </li>
      <li className={item}>
        <span aria-hidden className="inline-block h-1 w-5 rounded" style={{ background: COLORS.cumulative }} />
        Canary, since the stage began (judged)
      </li>
      <li className={item}>
        <span aria-hidden className="inline-block w-5 border-t-2 border-dashed" style={{ borderColor: COLORS.baseline }} />
        Baseline: stable release, 7 days before the stage
      </li>
      <li className={item}>
        <span aria-hidden className="inline-block h-3 w-5 rounded-sm" style={{ background: COLORS.band }} />
        Baseline day-to-day range (± 2 sd)
      </li>
      <li className={item}>
        <span aria-hidden className="inline-block h-3 w-0 border-l border-dashed" style={{ borderColor: COLORS.mark }} />
        Stage start
      </li>
    </ul>
  );
}

function unitName(unit: MetricUnit): string {
  return unit === "rate" ? "%" : unit === "usd" ? "USD" : "ms";
}

function MetricChartPanel(props: { chart: ChartsData["metrics"][number]; data: ChartsData; height: number; compact?: boolean }) {
  const { chart, data, height, compact } = props;
  // A closing point at the window's end, so the baseline and its band reach the right edge.
  const points: ChartPoint[] = [
    ...chart.points,
    { t: data.to, canary: null, cumulative: null, requests: 0, cumulativeRequests: 0, baseline: chart.baseline, band: chart.band ? [chart.band.lo, chart.band.hi] : null },
  ];
  // Dots only where a line has too few points to read as a line.
  const canaryDots = chart.points.filter((p) => p.canary !== null).length < 12;
  const cumulativeDots = chart.points.filter((p) => p.cumulative !== null).length < 12;
  const formatTime = timeFormatter(data.to - data.from);
  const ticks = chart.ticks;
  // The unit is in the title; milliseconds without it keep the axis narrow.
  const format = (v: number) => (chart.unit === "ms" ? formatCount(v) : formatMetricValue(chart.unit, v));
  return (
    <figure data-testid="metric-chart" data-metric={chart.metric} className="min-w-0">
      <figcaption className="mb-1 flex flex-wrap items-center justify-between gap-x-2 gap-y-1">
        <span className={`${compact ? "text-xs" : "text-sm"} font-medium text-slate-900`}>
          {chart.label} <span className="font-normal text-slate-500">({unitName(chart.unit)})</span>
        </span>
        <Badge tone={chart.verdict.tone}>{chart.verdict.label}</Badge>
      </figcaption>
      <div style={{ height }} className="w-full">
        <ResponsiveContainer width="100%" height="100%" minWidth={0}>
          {/* Room on the right for half a time label: the last tick can sit on the domain's end. */}
          <ComposedChart data={points} margin={{ top: 14, right: 18, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={[data.from, data.to]}
              ticks={timeTicks(data.from, data.to, compact ? 3 : 5)}
              tickFormatter={formatTime}
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickLine={false}
              axisLine={{ stroke: "#cbd5e1" }}
              interval={0}
            />
            <YAxis
              ticks={ticks.length ? ticks : undefined}
              domain={ticks.length ? [ticks[0]!, ticks[ticks.length - 1]!] : ["auto", "auto"]}
              allowDataOverflow
              tickFormatter={format}
              tick={{ fontSize: 11, fill: "#64748b" }}
              tickLine={false}
              axisLine={false}
              width={chart.unit === "usd" ? 60 : 48}
              tickCount={compact ? 3 : 5}
            />
            <Area dataKey="band" stroke="none" fill={COLORS.band} fillOpacity={0.5} isAnimationActive={false} activeDot={false} name="Baseline range" />
            <Line dataKey="baseline" stroke={COLORS.baseline} strokeWidth={1.5} strokeDasharray="6 4" dot={false} activeDot={false} isAnimationActive={false} name="Baseline" />
            <Line dataKey="canary" stroke={COLORS.canary} strokeWidth={1.25} dot={canaryDots ? { r: 2, fill: COLORS.canary } : false} connectNulls={false} isAnimationActive={false} name="Canary" />
            <Line dataKey="cumulative" stroke={COLORS.cumulative} strokeWidth={2.25} dot={cumulativeDots ? { r: 2.5, fill: COLORS.cumulative } : false} connectNulls isAnimationActive={false} name="Since stage start" />
            {data.marks.map((m) => (
              <ReferenceLine
                key={`${m.t}-${m.label}`}
                x={m.t}
                stroke={COLORS.mark}
                strokeDasharray="2 3"
                label={{ value: m.label, position: "insideTopLeft", fontSize: 10, fill: "#64748b", offset: 4 }}
              />
            ))}
            <Tooltip content={(p) => <ChartTooltip active={p.active} payload={p.payload} unit={chart.unit} />} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

function ChartTooltip(props: { active: boolean | undefined; payload: readonly { payload?: unknown }[] | undefined; unit: MetricUnit }) {
  const point = props.payload?.[0]?.payload as ChartPoint | undefined;
  if (!props.active || !point || (point.requests === 0 && point.cumulative === null)) return null;
  const f = (v: number | null) => (v === null ? "—" : formatMetricValue(props.unit, v));
  return (
    <div className="rounded-md bg-white px-3 py-2 text-xs shadow-lg ring-1 ring-slate-200">
      <p className="mb-1 font-medium text-slate-900">{tooltipTime.format(new Date(point.t))} UTC</p>
      <dl className="grid grid-cols-[auto_auto] gap-x-3 gap-y-0.5 tabular-nums">
        <dt className="text-slate-500">Canary, this bucket</dt>
        <dd className="text-right text-slate-900">
          {point.canary === null && point.requests > 0 ? "too few" : f(point.canary)}{" "}
          <span className="text-slate-500">({formatCount(point.requests)} req.)</span>
        </dd>
        <dt className="text-slate-500">Since the stage began</dt>
        <dd className="text-right font-medium text-indigo-800">
          {f(point.cumulative)} <span className="font-normal text-slate-500">({formatCount(point.cumulativeRequests)} req.)</span>
        </dd>
        <dt className="text-slate-500">Baseline (7-day)</dt>
        <dd className="text-right text-slate-900">{f(point.baseline)}</dd>
        {point.band ? (
          <>
            <dt className="text-slate-500">Day-to-day range</dt>
            <dd className="text-right text-slate-900">
              {f(point.band[0])} – {f(point.band[1])}
            </dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}
