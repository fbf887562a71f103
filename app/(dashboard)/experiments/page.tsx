import type { Metadata } from "next";
import { count, desc, eq } from "drizzle-orm";
import { Badge, Card, DataTable, PageHeader, Time, td, th, type Tone } from "@/app/_components/ui";
import { getDb } from "@/db/client";
import { experimentArms, experiments, services } from "@/db/schema";
import { type Actor, requirePageActor } from "@/lib/auth/session";
import { assertMayView } from "@/lib/components/queries";

export const metadata: Metadata = { title: "Experiments" };

// Read-only listing until the experiments workflow brings its own lib/experiments/ queries.
async function listExperiments(params: { actor: Actor }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [rows, arms] = await Promise.all([
    db
      .select({
        id: experiments.id,
        key: experiments.key,
        name: experiments.name,
        hypothesis: experiments.hypothesis,
        status: experiments.status,
        primaryMetric: experiments.primaryMetric,
        guardrailMetrics: experiments.guardrailMetrics,
        startedAt: experiments.startedAt,
        endedAt: experiments.endedAt,
        createdAt: experiments.createdAt,
        serviceSlug: services.slug,
      })
      .from(experiments)
      .innerJoin(services, eq(services.id, experiments.serviceId))
      .orderBy(desc(experiments.createdAt)),
    db.select({ experimentId: experimentArms.experimentId, n: count() }).from(experimentArms).groupBy(experimentArms.experimentId),
  ]);
  return rows.map((r) => ({ ...r, arms: arms.find((a) => a.experimentId === r.id)?.n ?? 0 }));
}

const STATUS_TONE: Record<string, Tone> = { draft: "neutral", running: "info", stopped: "warning", concluded: "success" };

export default async function ExperimentsPage() {
  const actor = await requirePageActor();
  const rows = await listExperiments({ actor });

  return (
    <>
      <PageHeader
        title="Experiments"
        description="Traffic splits between versions or bundles, judged by a decision rule fixed before they start."
      />
      {rows.length === 0 ? (
        <section className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-8">
          <h2 className="text-sm font-semibold text-slate-900">No experiments yet</h2>
          <p className="mt-1 max-w-3xl text-sm text-slate-600">
            Nothing has been run here, so there are no reports to read. This is what an experiment will give you:
          </p>
          <ul className="mt-4 grid grid-cols-1 gap-3 text-sm text-slate-700 md:grid-cols-2">
            <li className="rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
              <span className="font-medium text-slate-900">A fair split.</span> Traffic is divided between two or more arms
              (whole bundles or single component versions) by a deterministic hash of the experiment and the subject, so each
              user stays in one arm.
            </li>
            <li className="rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
              <span className="font-medium text-slate-900">A rule fixed up front.</span> The primary metric, guardrail metrics
              and the decision rule are set before the start, and the horizon is enforced so peeking cannot inflate false
              positives.
            </li>
            <li className="rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
              <span className="font-medium text-slate-900">A report for product owners.</span> Per arm: sample size, value and
              95% interval; the difference with its interval and <span className="whitespace-nowrap">p-value</span>; a sample-ratio-mismatch check; the sample still
              needed; cost and latency deltas; and the decision: ship, <span className="whitespace-nowrap">don’t ship</span> or keep running.
            </li>
            <li className="rounded-md bg-slate-50 p-3 ring-1 ring-inset ring-slate-200">
              <span className="font-medium text-slate-900">Judged answers.</span> For sampled requests answered by both
              versions, a judge model compares the two answers in random order and records win, loss or tie with its reason.
            </li>
          </ul>
        </section>
      ) : (
        <Card padded={false} title={`${rows.length} experiment${rows.length === 1 ? "" : "s"}, newest first`}>
          <DataTable label="Experiments">
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={`${th} whitespace-nowrap`}>Experiment</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Service</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Status</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Primary metric</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Arms</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Started</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Ended</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((e) => (
                <tr key={e.id}>
                  <td className={`${td} min-w-64`}>
                    <div className="font-medium text-slate-900">{e.name}</div>
                    <div className="font-mono text-xs text-slate-500">{e.key}</div>
                    {e.hypothesis ? <div className="mt-1 text-xs text-slate-600">{e.hypothesis}</div> : null}
                  </td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>{e.serviceSlug}</td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Badge tone={STATUS_TONE[e.status] ?? "neutral"}>{e.status}</Badge>
                  </td>
                  <td className={`${td} whitespace-nowrap font-mono text-xs`}>
                    {e.primaryMetric}
                    {e.guardrailMetrics.length > 0 ? (
                      <div className="mt-0.5 font-sans text-slate-500">+ {e.guardrailMetrics.length} guardrails</div>
                    ) : null}
                  </td>
                  <td className={td}>{e.arms}</td>
                  <td className={`${td} whitespace-nowrap`}>{e.startedAt ? <Time value={e.startedAt} /> : "—"}</td>
                  <td className={`${td} whitespace-nowrap`}>{e.endedAt ? <Time value={e.endedAt} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        </Card>
      )}
    </>
  );
}
