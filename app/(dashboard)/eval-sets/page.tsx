import type { Metadata } from "next";
import Link from "next/link";
import { asc, count, eq } from "drizzle-orm";
import { Card, EmptyState, PageHeader, Time } from "@/app/_components/ui";
import { getDb } from "@/db/client";
import { evalCases, evalSets, services } from "@/db/schema";
import { type Actor, requirePageActor } from "@/lib/auth/session";
import { assertMayView } from "@/lib/components/queries";

export const metadata: Metadata = { title: "Eval sets" };

// Read-only listing until the evaluation workflow brings its own lib/ queries.
async function listEvalSets(params: { actor: Actor }) {
  assertMayView(params.actor);
  const db = await getDb();
  const [sets, counts] = await Promise.all([
    db
      .select({
        id: evalSets.id,
        name: evalSets.name,
        description: evalSets.description,
        createdAt: evalSets.createdAt,
        serviceSlug: services.slug,
        serviceName: services.name,
      })
      .from(evalSets)
      .innerJoin(services, eq(services.id, evalSets.serviceId))
      .orderBy(asc(services.slug), asc(evalSets.name)),
    db.select({ evalSetId: evalCases.evalSetId, n: count() }).from(evalCases).groupBy(evalCases.evalSetId),
  ]);
  return sets.map((s) => ({ ...s, cases: counts.find((c) => c.evalSetId === s.id)?.n ?? 0 }));
}

export default async function EvalSetsPage() {
  const actor = await requirePageActor();
  const sets = await listEvalSets({ actor });
  const byService = new Map<string, typeof sets>();
  for (const s of sets) byService.set(s.serviceSlug, [...(byService.get(s.serviceSlug) ?? []), s]);

  return (
    <>
      <PageHeader
        title="Eval sets"
        description="Cases each change must keep passing: an input, the behaviour expected, the failure it guards against and where it came from (incident, canary, experiment)."
      />
      {sets.length === 0 ? (
        <EmptyState title="No eval sets yet">
          Evaluation sets collect the conversations that went wrong once, so offline-eval gates can check every change against
          them. They appear here once a service has one.
        </EmptyState>
      ) : (
        <div className="space-y-6">
          {[...byService.entries()].map(([slug, rows]) => (
            <Card
              key={slug}
              padded={false}
              title={
                <span className="flex flex-wrap items-baseline gap-x-2">
                  {rows[0]?.serviceName}
                  <span className="font-mono text-xs font-normal text-slate-500">{slug}</span>
                </span>
              }
            >
              <ul aria-label={`Eval sets of ${slug}`} className="divide-y divide-slate-100">
                {rows.map((s) => (
                  <li key={s.id} className="px-4 py-3 text-sm">
                    <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
                      <Link href={`/eval-sets/${s.id}`} className="font-medium text-indigo-700 hover:text-indigo-500 hover:underline">
                        {s.name}
                      </Link>
                      <span className="text-slate-600 tabular-nums">
                        {s.cases} case{s.cases === 1 ? "" : "s"}
                      </span>
                      <span className="text-xs text-slate-500">
                        created <Time value={s.createdAt} />
                      </span>
                    </div>
                    {s.description ? <p className="mt-1 max-w-3xl text-slate-600">{s.description}</p> : null}
                  </li>
                ))}
              </ul>
            </Card>
          ))}
        </div>
      )}
    </>
  );
}
