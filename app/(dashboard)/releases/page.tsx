import type { Metadata } from "next";
import Link from "next/link";
import { Card, EmptyState, Mono, PageHeader, Time } from "@/app/_components/ui";
import { Id } from "@/app/_components/badges";
import { requirePageActor } from "@/lib/auth/session";
import { listServicesForReleases } from "@/lib/releases/queries";

export const metadata: Metadata = { title: "Releases" };

export default async function ReleasesIndexPage() {
  const actor = await requirePageActor();
  const rows = await listServicesForReleases({ actor });

  return (
    <>
      <PageHeader
        title="Releases"
        description="Each service’s release manifests: immutable records of its whole bundle, written by every deploy, promotion and rollback."
      />
      {rows.length === 0 ? (
        <EmptyState title="No services yet">
          Services appear here once they exist. For the demo, run <Mono>npm run db:seed</Mono>; for real use, create the
          first admin with <Mono>npm run db:create-admin</Mono> and register your services.
        </EmptyState>
      ) : (
        <ul className="grid grid-cols-1 gap-4 md:grid-cols-2">
          {rows.map(({ service, pointer, manifestCount, tenantCount }) => {
            const href = `/services/${encodeURIComponent(service.slug)}/releases`;
            return (
              <li key={service.id}>
                <Card className="h-full">
                  <div className="flex flex-wrap items-baseline justify-between gap-2">
                    <h2 className="text-base font-semibold text-slate-900">
                      <Link href={href} className="hover:underline">
                        {service.name}
                      </Link>
                    </h2>
                    <span className="font-mono text-xs text-slate-500">{service.slug}</span>
                  </div>
                  {service.description ? <p className="mt-1 text-sm text-slate-600">{service.description}</p> : null}
                  <dl className="mt-4 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
                    <dt className="text-slate-500">Stable</dt>
                    <dd className="min-w-0 truncate">{pointer ? <Id>{pointer.stableReleaseId}</Id> : <span className="text-slate-500">no release yet</span>}</dd>
                    <dt className="text-slate-500">Canary</dt>
                    <dd className="min-w-0 truncate">
                      {pointer?.canaryReleaseId ? (
                        <>
                          <Id>{pointer.canaryReleaseId}</Id> <span className="text-xs font-semibold text-sky-800">{pointer.canaryPercent}%</span>
                        </>
                      ) : (
                        <span className="text-slate-500">none</span>
                      )}
                    </dd>
                    <dt className="text-slate-500">Manifests</dt>
                    <dd>{manifestCount}</dd>
                    <dt className="text-slate-500">Tenants</dt>
                    <dd>{tenantCount}</dd>
                    {pointer ? (
                      <>
                        <dt className="text-slate-500">Pointer</dt>
                        <dd className="text-slate-600">
                          rev {pointer.revision}, <Time value={pointer.updatedAt} />
                        </dd>
                      </>
                    ) : null}
                  </dl>
                  <div className="mt-4">
                    <Link href={href} className="text-sm font-medium text-indigo-700 hover:text-indigo-500 hover:underline">
                      Open releases →
                    </Link>
                  </div>
                </Card>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
