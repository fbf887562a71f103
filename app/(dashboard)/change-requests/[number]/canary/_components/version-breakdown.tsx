import { kindLabel } from "@/app/_components/badges";
import { stacked } from "@/app/_components/ui";
import { formatCount, formatMetricValue } from "@/lib/canary/format";
import type { VersionTable } from "@/lib/canary/view-model";

/**
 * The stage's canary traffic by the component versions its events carried (a rollback of one
 * component mid-stage shows up as a second row), beside the stable baseline's rates.
 */

const rate = (v: number | null) => (v === null ? "—" : formatMetricValue("rate", v));

export function VersionBreakdown(props: { table: VersionTable; baseline: { resolved: number | null; falseRefusal: number | null; policyViolation: number | null } | null }) {
  const { table, baseline } = props;
  const columns = [...table.kinds.map(kindLabel), "Requests", "Resolved rate", "False refusal rate", "Policy violation rate"];
  const first = table.kinds.length;
  return (
    <div className={stacked.wrapper}>
      <table data-testid="version-breakdown" aria-label="Canary traffic by component version" className={stacked.table}>
        <thead className={stacked.head}>
          <tr>
            {columns.map((c, i) => (
              <th key={c} scope="col" className={`${stacked.th} ${i >= first ? "text-right" : ""}`}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={stacked.body}>
          {table.rows.map((row) => (
            <tr key={row.key} className={stacked.row}>
              {table.kinds.map((kind, i) => (
                <td key={kind} data-label={columns[i]} className={stacked.cell}>
                  <span className="font-mono text-xs text-slate-900">{row.versions[kind] ?? "—"}</span>
                </td>
              ))}
              <td data-label="Requests" className={`${stacked.cell} tabular-nums md:text-right`}>
                {formatCount(row.requests)} <span className="text-slate-500">({formatMetricValue("rate", row.share)})</span>
              </td>
              <td data-label="Resolved rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(row.resolvedRate)}
              </td>
              <td data-label="False refusal rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(row.falseRefusalRate)}
              </td>
              <td data-label="Policy violation rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(row.policyViolationRate)}
              </td>
            </tr>
          ))}
          {baseline ? (
            <tr className={`${stacked.row} bg-slate-50 text-slate-600`}>
              <td colSpan={Math.max(1, table.kinds.length)} data-label="Compared with" className={`${stacked.cell} ${stacked.wide} italic`}>
                Stable baseline (7-day)
              </td>
              <td data-label="Requests" className={`${stacked.cell} md:text-right`}>
                —
              </td>
              <td data-label="Resolved rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(baseline.resolved)}
              </td>
              <td data-label="False refusal rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(baseline.falseRefusal)}
              </td>
              <td data-label="Policy violation rate" className={`${stacked.cell} tabular-nums md:text-right`}>
                {rate(baseline.policyViolation)}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
