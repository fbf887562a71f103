import type { Metadata } from "next";
import Link from "next/link";
import { Card, DataTable, EmptyState, KeepTokens, Mono, PageHeader, Time, td, th } from "@/app/_components/ui";
import {
  CrStateBadge,
  Id,
  ReleaseKindBadge,
  RiskTierBadge,
  ShortHash,
  kindLabel,
  relativeTime,
  versionHref,
} from "@/app/_components/badges";
import { may } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { rollbackTimeKpiByService, type ServiceRollbackKpi } from "@/lib/releases/rollback-queries";
import { TagCauseForm } from "./services/[service]/releases/tag-cause-form";
import {
  type ServiceBundle,
  listChangeRequests,
  listRecentManifests,
  listServiceBundles,
  listUntaggedRollbacks,
} from "@/lib/releases/queries";
import type { Actor } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Overview" };

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";

export default async function OverviewPage() {
  const actor = await requirePageActor();
  const now = new Date();
  const [bundles, untagged, kpis] = await Promise.all([
    listServiceBundles({ actor }),
    listUntaggedRollbacks({ actor, limit: 20 }),
    rollbackTimeKpiByService({ actor, now }),
  ]);
  const mayTag = may(actor.role, "rollback.tag");

  if (bundles.length === 0) {
    return (
      <>
        <PageHeader title="Overview" />
        <EmptyState title="No services yet">
          <p>
            Changegate shows each LLM service’s live bundle here once it has one. To explore with demo data, run{" "}
            <Mono>npm run db:seed</Mono> and reload. For real use, create the first admin with{" "}
            <Mono>npm run db:create-admin</Mono>, then register your services.
          </p>
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader
        title="Overview"
        description="What each service serves right now, and what changed lately."
      />
      <div className="space-y-6">
        <RollbackTimeCard kpis={kpis} />
        {untagged.length > 0 ? <UntaggedRollbacks rows={untagged} now={now} mayTag={mayTag} /> : null}
        {bundles.map((bundle) => (
          <ServiceCard key={bundle.service.id} bundle={bundle} actor={actor} now={now} />
        ))}
      </div>
    </>
  );
}

async function ServiceCard(props: { bundle: ServiceBundle; actor: Actor; now: Date }) {
  const { service, pointer, stable, canary } = props.bundle;
  const [manifests, changes] = await Promise.all([
    listRecentManifests({ actor: props.actor, serviceId: service.id, limit: 5 }),
    listChangeRequests({ actor: props.actor, serviceId: service.id, limit: 5 }),
  ]);
  const releasesHref = `/services/${encodeURIComponent(service.slug)}/releases`;

  return (
    <Card
      padded={false}
      title={
        <span className="flex flex-wrap items-baseline gap-x-2">
          <Link href={releasesHref} className="hover:underline">
            {service.name}
          </Link>
          <span className="font-mono text-xs font-normal text-slate-500">{service.slug}</span>
        </span>
      }
      actions={
        <Link href={releasesHref} className={`text-sm ${link}`}>
          Releases →
        </Link>
      }
    >
      {/* Pointer state: what a request resolves to right now. */}
      <div className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-slate-100 bg-slate-50/60 px-4 py-2.5 text-sm">
        {pointer ? (
          <>
            <span className="flex items-center gap-2">
              <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">Stable</span>
              <Id>{pointer.stableReleaseId}</Id>
            </span>
            <span className="flex items-center gap-2">
              <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">Canary</span>
              {pointer.canaryReleaseId ? (
                <>
                  <Id>{pointer.canaryReleaseId}</Id>
                  <span className="rounded bg-sky-100 px-1.5 py-0.5 text-xs font-semibold text-sky-800">{pointer.canaryPercent}%</span>
                  {pointer.canaryTenants.length > 0 ? (
                    <span className="text-xs text-slate-600">{pointer.canaryTenants.join(", ")}</span>
                  ) : null}
                </>
              ) : (
                <span className="text-slate-500">none</span>
              )}
            </span>
            <span className="text-xs text-slate-500">
              pointer rev {pointer.revision} · updated <span title={pointer.updatedAt.toISOString()}>{relativeTime(pointer.updatedAt, props.now)}</span> by{" "}
              {pointer.updatedBy.replace(/\s*<[^>]*>$/, "")}
            </span>
          </>
        ) : (
          <span className="text-slate-600">No release yet: this service has no active pointer, so it serves nothing from Changegate.</span>
        )}
      </div>

      <div className="grid grid-cols-1 lg:grid-cols-5">
        <div className="min-w-0 lg:col-span-3 lg:border-r lg:border-slate-100">
          <h3 className="px-4 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500">Live bundle</h3>
          {stable && stable.components.length > 0 ? (
            <>
            <ul className="mt-1 divide-y divide-slate-100 md:hidden" aria-label={`${service.name}: live component versions`}>
              {stable.components.map((c) => (
                // Label column wide enough for "Tool permissions" on one line; the value column
                // always has the version on its first line and hash + age on its second.
                <li key={c.kind} className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-x-2 px-4 py-2 text-sm">
                  <span className="whitespace-nowrap text-slate-600">{kindLabel(c.kind)}</span>
                  <span className="min-w-0">
                    <Link href={versionHref(service.slug, c.kind, c.versionId)} className={`${link} whitespace-nowrap`}>
                      {c.label}
                    </Link>
                    <span className="mt-0.5 flex flex-wrap items-center gap-x-1.5 text-xs text-slate-500">
                      <ShortHash hash={c.contentHash} />
                      <span className="whitespace-nowrap" title={c.liveSince.toISOString()}>
                        live {relativeTime(c.liveSince, props.now)}
                      </span>
                    </span>
                  </span>
                </li>
              ))}
            </ul>
            <div className="hidden md:block">
            <DataTable label={`${service.name}: live component versions`}>
              <thead>
                <tr>
                  <th scope="col" className={`${th} whitespace-nowrap`}>Component</th>
                  <th scope="col" className={`${th} whitespace-nowrap`}>Version</th>
                  <th scope="col" className={`${th} whitespace-nowrap`}>Hash</th>
                  <th scope="col" className={`${th} whitespace-nowrap`}>Live since</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {stable.components.map((c) => {
                  const inCanary = canary?.components.find((x) => x.kind === c.kind && x.versionId !== c.versionId);
                  return (
                    <tr key={c.kind}>
                      <td className={`${td} whitespace-nowrap text-slate-600`}>{kindLabel(c.kind)}</td>
                      <td className={`${td} whitespace-nowrap`}>
                        <Link href={versionHref(service.slug, c.kind, c.versionId)} className={link}>
                          {c.label}
                        </Link>
                        {inCanary ? (
                          <span className="ml-2 text-xs text-sky-700">
                            canary:{" "}
                            <Link href={versionHref(service.slug, c.kind, inCanary.versionId, c.versionId)} className="font-medium hover:underline">
                              {inCanary.label}
                            </Link>
                          </span>
                        ) : null}
                      </td>
                      <td className={td}>
                        <ShortHash hash={c.contentHash} />
                      </td>
                      <td className={`${td} whitespace-nowrap text-slate-600`}>
                        <Time value={c.liveSince} /> <span className="text-xs text-slate-500">({relativeTime(c.liveSince, props.now)})</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </DataTable>
            </div>
            </>
          ) : (
            <p className="px-4 py-3 text-sm text-slate-600">No stable release yet.</p>
          )}
          <h3 className="border-t border-slate-100 px-4 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500">
            Change requests
          </h3>
          {changes.length === 0 ? (
            <p className="px-4 py-3 text-sm text-slate-600">No change requests yet.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {changes.map((cr) => (
                <li key={cr.id} className="px-4 py-2 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <span className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
                      <span className="whitespace-nowrap font-mono text-xs text-slate-700">CR-{cr.number}</span>
                      <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
                      <RiskTierBadge tier={cr.riskTier} />
                    </span>
                    <span className="shrink-0 whitespace-nowrap pt-0.5 text-xs text-slate-500" title={cr.updatedAt.toISOString()}>
                      {relativeTime(cr.updatedAt, props.now)}
                    </span>
                  </div>
                  <p className="mt-0.5 break-words text-slate-700">
                    <KeepTokens text={cr.title} />
                  </p>
                </li>
              ))}
            </ul>
          )}
          <div className="border-t border-slate-100 px-4 py-2 text-right">
            <Link href={`/change-requests?service=${encodeURIComponent(service.slug)}`} className={`text-xs ${link}`}>
              All change requests for {service.slug} →
            </Link>
          </div>
        </div>

        <div className="min-w-0 border-t border-slate-100 lg:col-span-2 lg:border-t-0">
          <h3 className="px-4 pt-3 text-xs font-semibold uppercase tracking-wide text-slate-500">Recent releases</h3>
          {manifests.length === 0 ? (
            <p className="px-4 py-3 text-sm text-slate-600">No releases yet.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {manifests.map((m) => (
                <li key={m.id} className="px-4 py-2 text-sm">
                  {/* Every row: kind and id left, time right; CR, canary share and reason below. */}
                  <div className="flex items-start justify-between gap-2">
                    <span className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
                      <ReleaseKindBadge kind={m.kind} />
                      <span className="whitespace-nowrap">
                        <Id>{m.id}</Id>
                      </span>
                    </span>
                    <span className="shrink-0 whitespace-nowrap pt-0.5 text-xs text-slate-500" title={m.createdAt.toISOString()}>
                      {relativeTime(m.createdAt, props.now)}
                    </span>
                  </div>
                  <p className="mt-0.5 line-clamp-3 break-words text-slate-600" title={m.reason}>
                    {m.changeRequestNumber ? (
                      <>
                        <span className="whitespace-nowrap font-mono text-xs text-slate-700">CR-{m.changeRequestNumber}</span>
                        {" · "}
                      </>
                    ) : null}
                    {m.kind === "deploy" && m.canaryPercent < 100 ? (
                      <>
                        <span className="whitespace-nowrap text-xs font-medium text-sky-800">{m.canaryPercent}% canary</span>
                        {" · "}
                      </>
                    ) : null}
                    <KeepTokens text={m.reason} />
                  </p>
                </li>
              ))}
            </ul>
          )}

        </div>
      </div>
    </Card>
  );
}

/** 850 → "850 ms", 12_400 → "12.4 s", 190_000 → "3.2 min". */
function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

function RollbackTimeCard(props: { kpis: ServiceRollbackKpi[] }) {
  return (
    <Card padded={false} title="Rollback time (30 days)">
      <div className="overflow-x-auto">
        <table aria-label="Rollback time per service, last 30 days" className="min-w-full divide-y divide-slate-200 text-sm">
          <thead>
            <tr>
              <th scope="col" className={`${th} whitespace-nowrap`}>Service</th>
              <th scope="col" className={`${th} whitespace-nowrap text-right`}>Rollbacks</th>
              <th scope="col" className={`${th} whitespace-nowrap`}>Click → flip</th>
              <th scope="col" className={`${th} whitespace-nowrap`}>Alarm → flip</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {props.kpis.map((k) => (
              <tr key={k.serviceId}>
                <td className={`${td} whitespace-nowrap`}>
                  <Link href={`/services/${encodeURIComponent(k.serviceSlug)}/releases`} className={link}>
                    {k.serviceSlug}
                  </Link>
                </td>
                <td className={`${td} text-right tabular-nums`}>{k.count}</td>
                <td className={`${td} whitespace-nowrap tabular-nums`}>
                  {k.clickToFlip ? (
                    <>
                      median {duration(k.clickToFlip.medianMs)} <span className="text-slate-400">·</span> worst {duration(k.clickToFlip.worstMs)}
                    </>
                  ) : (
                    <span className="text-slate-400">no rollbacks</span>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap tabular-nums`}>
                  {k.alarmToFlip ? (
                    <>
                      median {duration(k.alarmToFlip.medianMs)} <span className="text-slate-400">·</span> worst {duration(k.alarmToFlip.worstMs)}
                      <span className="ml-1 text-xs text-slate-500">({k.alarmToFlip.count} with an alarm)</span>
                    </>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function UntaggedRollbacks(props: { rows: Awaited<ReturnType<typeof listUntaggedRollbacks>>; now: Date; mayTag: boolean }) {
  return (
    <Card
      padded={false}
      title={
        <span className="flex items-center gap-2">
          Untagged rollbacks
          <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900">{props.rows.length}</span>
        </span>
      }
    >
      <p className="px-4 pt-3 text-sm text-slate-600">
        Each rollback needs its regression cause tagged so the same failure is caught earlier next time. They stay listed
        here until someone tags them.
      </p>
      <ul className="divide-y divide-slate-100 md:hidden" aria-label="Rollbacks without a cause tag">
        {props.rows.map((r) => (
          <li key={r.id} className="px-4 py-2.5 text-sm">
            <div className="flex flex-wrap items-center gap-x-2">
              <Link href={`/services/${encodeURIComponent(r.serviceSlug)}/releases`} className={link}>
                {r.serviceSlug}
              </Link>
              <span className="text-slate-700">{r.scope === "component" && r.kind ? kindLabel(r.kind) : "Whole bundle"}</span>
              {r.changeRequestNumber ? <span className="font-mono text-xs text-slate-500">CR-{r.changeRequestNumber}</span> : null}
            </div>
            <p className="mt-0.5 text-slate-700">
              <KeepTokens text={r.reason} />
            </p>
            <p className="mt-0.5 text-xs text-slate-500">
              {r.actorLabel.replace(/\s*<[^>]*>$/, "")}, <Time value={r.flippedAt} /> ({relativeTime(r.flippedAt, props.now)})
            </p>
            {props.mayTag ? (
              <div className="mt-2">
                <TagCauseForm rollbackId={r.id} />
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      <div className="hidden md:block">
      <DataTable label="Rollbacks without a cause tag">
        <thead>
          <tr>
            <th scope="col" className={`${th} whitespace-nowrap`}>Service</th>
            <th scope="col" className={`${th} whitespace-nowrap`}>Rolled back</th>
            <th scope="col" className={`${th} whitespace-nowrap`}>Reason</th>
            <th scope="col" className={`${th} whitespace-nowrap`}>When</th>
            <th scope="col" className={`${th} whitespace-nowrap`}>Who</th>
            {props.mayTag ? <th scope="col" className={`${th} whitespace-nowrap`}>Cause</th> : null}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {props.rows.map((r) => (
            <tr key={r.id}>
              <td className={`${td} whitespace-nowrap`}>
                <Link href={`/services/${encodeURIComponent(r.serviceSlug)}/releases`} className={link}>
                  {r.serviceSlug}
                </Link>
              </td>
              <td className={`${td} whitespace-nowrap`}>
                {r.scope === "component" && r.kind ? kindLabel(r.kind) : "Whole bundle"}
                {r.changeRequestNumber ? <span className="ml-1 font-mono text-xs text-slate-500">CR-{r.changeRequestNumber}</span> : null}
              </td>
              <td className={`${td} min-w-48`}>{r.reason}</td>
              <td className={`${td} whitespace-nowrap`}>
                <Time value={r.flippedAt} /> <span className="text-xs text-slate-500">({relativeTime(r.flippedAt, props.now)})</span>
              </td>
              <td className={`${td} whitespace-nowrap`}>{r.actorLabel.replace(/\s*<[^>]*>$/, "")}</td>
              {props.mayTag ? (
                <td className={td}>
                  <TagCauseForm rollbackId={r.id} />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </DataTable>
      </div>
    </Card>
  );
}
