import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { asc, eq } from "drizzle-orm";
import { Badge, Card, DataTable, EmptyState, PageHeader, Time, td, th, type Tone } from "@/app/_components/ui";
import { getDb } from "@/db/client";
import { evalCases, evalSets, services } from "@/db/schema";
import { type Actor, requirePageActor } from "@/lib/auth/session";
import { assertMayView, isUuid } from "@/lib/components/queries";

export const metadata: Metadata = { title: "Eval set" };

// Read-only until the evaluation workflow brings its own lib/ queries.
async function getEvalSet(params: { actor: Actor; id: string }) {
  assertMayView(params.actor);
  if (!isUuid(params.id)) return null;
  const db = await getDb();
  const [set] = await db
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
    .where(eq(evalSets.id, params.id))
    .limit(1);
  if (!set) return null;
  const cases = await db.select().from(evalCases).where(eq(evalCases.evalSetId, set.id)).orderBy(asc(evalCases.createdAt), asc(evalCases.id));
  return { ...set, cases };
}

const SOURCE_TONE: Record<string, Tone> = { incident: "danger", canary: "warning", experiment: "accent", manual: "neutral" };

/** A case input: chat messages when it has them, the rest as small key/value lines. */
function CaseInput(props: { input: Record<string, unknown> }) {
  const { messages, ...rest } = props.input;
  const chat = Array.isArray(messages)
    ? messages.filter((m): m is { role: string; content: string } => typeof m?.role === "string" && typeof m?.content === "string")
    : null;
  if (!chat || chat.length === 0) {
    return <pre className="whitespace-pre-wrap break-words font-mono text-xs text-slate-800">{JSON.stringify(props.input, null, 2)}</pre>;
  }
  return (
    <div className="space-y-1.5">
      {chat.map((m, i) => (
        <p key={i} className="text-slate-900">
          <span className="mr-1.5 text-xs font-semibold uppercase tracking-wide text-slate-500">{m.role}</span>
          {m.content}
        </p>
      ))}
      {Object.keys(rest).length > 0 ? (
        <p className="text-xs text-slate-500">
          {Object.entries(rest).map(([k, v], i) => (
            <span key={k}>
              {i > 0 ? " · " : null}
              {k}: <span className="font-mono">{typeof v === "string" ? v : JSON.stringify(v)}</span>
            </span>
          ))}
        </p>
      ) : null}
    </div>
  );
}

export default async function EvalSetPage(props: { params: Promise<{ id: string }> }) {
  const actor = await requirePageActor();
  const { id } = await props.params;
  const set = await getEvalSet({ actor, id });
  if (!set) notFound();

  return (
    <>
      <PageHeader
        eyebrow={
          <>
            <Link href="/eval-sets" className="hover:underline">
              Eval sets
            </Link>{" "}
            / <span className="font-mono">{set.serviceSlug}</span>
          </>
        }
        title={set.name}
        description={set.description || undefined}
      />
      {set.cases.length === 0 ? (
        <EmptyState title="This eval set has no cases yet">Cases are added from incidents, failing canary requests and experiments.</EmptyState>
      ) : (
        <Card padded={false} title={`${set.cases.length} case${set.cases.length === 1 ? "" : "s"}`}>
          <ul aria-label={`Cases of ${set.name}`} className="divide-y divide-slate-100 md:hidden">
            {set.cases.map((c) => (
              <li key={c.id} className="space-y-2 px-4 py-3 text-sm">
                <CaseInput input={c.input} />
                <p>
                  <span className="block text-xs font-semibold uppercase tracking-wide text-slate-500">Expected</span>
                  <span className="text-slate-800">{c.expectedBehavior}</span>
                </p>
                <div className="flex flex-wrap items-center gap-2 text-xs">
                  <Badge tone={SOURCE_TONE[c.source] ?? "neutral"}>{c.source}</Badge>
                  {c.sourceRef ? <span className="font-mono text-slate-500">{c.sourceRef}</span> : null}
                  {c.failureLabel ? <span className="font-mono text-slate-700">guards: {c.failureLabel}</span> : null}
                </div>
              </li>
            ))}
          </ul>
          <div className="hidden md:block">
          <DataTable label={`Cases of ${set.name}`}>
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={`${th} whitespace-nowrap`}>Input</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Expected behaviour</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Guards against</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Source</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Added</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {set.cases.map((c) => (
                <tr key={c.id}>
                  <td className={`${td} min-w-72 max-w-md`}>
                    <CaseInput input={c.input} />
                  </td>
                  <td className={`${td} min-w-64 max-w-md`}>{c.expectedBehavior}</td>
                  <td className={`${td} whitespace-nowrap`}>
                    {c.failureLabel ? <span className="font-mono text-xs text-slate-800">{c.failureLabel}</span> : <span className="text-slate-400">—</span>}
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Badge tone={SOURCE_TONE[c.source] ?? "neutral"}>{c.source}</Badge>
                    {c.sourceRef ? <div className="mt-1 font-mono text-xs text-slate-500">{c.sourceRef}</div> : null}
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Time value={c.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
          </div>
        </Card>
      )}
    </>
  );
}
