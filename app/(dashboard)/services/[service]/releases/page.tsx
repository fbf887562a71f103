import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge, Card, DataTable, KeepTokens, PageHeader, Time, buttonClass, inputClass, td, th } from "@/app/_components/ui";
import { Id, ReleaseKindBadge, ShortHash, kindLabel, relativeTime, versionHref } from "@/app/_components/badges";
import { may } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { isComponentKind } from "@/lib/components/kinds";
import { diffManifests } from "@/lib/components/diff";
import { getManifestWithComponents, getServiceReleases, type LiveComponent, type ManifestListRow } from "@/lib/releases/queries";
import { RollbackButton } from "./rollback-dialog";

type Props = {
  params: Promise<{ service: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export async function generateMetadata(props: Props): Promise<Metadata> {
  const { service } = await props.params;
  return { title: `Releases · ${service}` };
}

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";
const label = "text-xs font-semibold uppercase tracking-wide text-slate-500";
const thn = `${th} whitespace-nowrap`;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

/** "Ada Admin <admin@example.com>" → "Ada Admin" (the full label stays in the tooltip). */
function who(actorLabel: string) {
  return <span title={actorLabel}>{actorLabel.replace(/\s*<[^>]*>$/, "")}</span>;
}

export default async function ServiceReleasesPage(props: Props) {
  const actor = await requirePageActor();
  const { service: slug } = await props.params;
  const search = await props.searchParams;
  const data = await getServiceReleases({ actor, serviceSlug: slug });
  if (!data) notFound();
  const { service, pointer, stable, canary, history } = data;
  const now = new Date();

  // Compare two manifests of this service (?a=…&b=…); ids from elsewhere are refused with a message.
  const a = first(search.a);
  const b = first(search.b);
  const [manifestA, manifestB] =
    a && b
      ? await Promise.all([
          getManifestWithComponents({ actor, serviceId: service.id, releaseId: a }),
          getManifestWithComponents({ actor, serviceId: service.id, releaseId: b }),
        ])
      : [null, null];
  const defaultA = stable?.replacesReleaseId ?? history[1]?.id ?? "";
  const defaultB = stable?.id ?? history[0]?.id ?? "";
  const tenantName = (s: string) => data.tenants.find((t) => t.slug === s)?.name ?? s;
  // The buttons are a convenience; the server checks the role again on every rollback.
  const mayRollback = may(actor.role, "release.rollback") && !!pointer;
  const expectedPointerRevision = pointer?.revision ?? null;
  const componentRollback = (c: LiveComponent) =>
    mayRollback && isComponentKind(c.kind) ? (
      <RollbackButton
        size="sm"
        serviceId={service.id}
        expectedPointerRevision={expectedPointerRevision}
        label={`Roll back ${c.kind} to ${c.rollbackTargetLabel ?? "previous version"}`}
        target={
          c.rollbackTargetVersionId && c.rollbackTargetVersionId !== c.versionId
            ? { scope: "component", kind: c.kind, toVersionId: c.rollbackTargetVersionId, toLabel: c.rollbackTargetLabel ?? "the previous version" }
            : null
        }
      />
    ) : null;
  const bundleRollback = (m: ManifestListRow) =>
    mayRollback && m.id !== pointer?.stableReleaseId && m.id !== pointer?.canaryReleaseId ? (
      <RollbackButton
        size="sm"
        serviceId={service.id}
        expectedPointerRevision={expectedPointerRevision}
        label="Roll back to this release"
        target={{ scope: "bundle", toReleaseId: m.id }}
      />
    ) : null;

  return (
    <>
      <PageHeader
        eyebrow={
          <>
            <Link href="/releases" className="hover:underline">
              Releases
            </Link>{" "}
            / <span className="font-mono">{service.slug}</span>
          </>
        }
        title={service.name}
        description={service.description || undefined}
      />

      <div className="space-y-6">
        <Card title="Active pointer">
          {pointer ? (
            <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-4">
              <div className="min-w-0">
                <dt className={label}>Stable release</dt>
                <dd className="mt-1 truncate">
                  <Id>{pointer.stableReleaseId}</Id>
                </dd>
              </div>
              <div className="min-w-0">
                <dt className={label}>Canary</dt>
                <dd className="mt-1">
                  {pointer.canaryReleaseId ? (
                    <span className="flex flex-wrap items-center gap-2">
                      <Id>{pointer.canaryReleaseId}</Id>
                      <Badge tone="info">{pointer.canaryPercent}% of traffic</Badge>
                    </span>
                  ) : (
                    <span className="text-slate-500">No canary: all traffic gets the stable release</span>
                  )}
                </dd>
              </div>
              <div className="min-w-0">
                <dt className={label}>Canary tenants</dt>
                <dd className="mt-1 text-slate-700">
                  {!pointer.canaryReleaseId
                    ? "—"
                    : pointer.canaryTenants.length > 0
                      ? pointer.canaryTenants.map(tenantName).join(", ")
                      : "All tenants"}
                </dd>
              </div>
              <div className="min-w-0">
                <dt className={label}>Pointer revision</dt>
                <dd className="mt-1 text-slate-700">
                  <span className="font-mono">rev {pointer.revision}</span> · {who(pointer.updatedBy)},{" "}
                  <Time value={pointer.updatedAt} /> <span className="text-xs text-slate-500">({relativeTime(pointer.updatedAt, now)})</span>
                </dd>
              </div>
            </dl>
          ) : (
            <p className="text-sm text-slate-600">
              This service has no active pointer yet: nothing is released. The first deploy creates it.
            </p>
          )}
        </Card>

        <Card
          padded={false}
          title={
            stable ? (
              <span className="flex flex-wrap items-center gap-2">
                Live release <Id>{stable.id}</Id>
                <ReleaseKindBadge kind={stable.kind} />
              </span>
            ) : (
              "Live release"
            )
          }
        >
          {stable ? (
            <>
              <p className="px-4 pt-3 text-sm text-slate-600">
                <KeepTokens text={stable.reason} /> <span className="text-slate-400">·</span> {who(stable.actorLabel)}, <Time value={stable.createdAt} />
              </p>
              <ul className="divide-y divide-slate-100 md:hidden" aria-label="Component versions in the live release">
                {stable.components.map((c) => {
                  const inCanary = canary?.components.find((x) => x.kind === c.kind && x.versionId !== c.versionId);
                  return (
                    <li key={c.kind} className="grid grid-cols-[7.5rem_minmax(0,1fr)] gap-x-2 px-4 py-2.5 text-sm">
                      <span className="whitespace-nowrap text-slate-600">{kindLabel(c.kind)}</span>
                      <div className="min-w-0">
                        <div className="flex flex-wrap items-center gap-x-1.5 gap-y-1">
                          <Link href={versionHref(service.slug, c.kind, c.versionId)} className={`${link} whitespace-nowrap`}>
                            {c.label}
                          </Link>
                          <ShortHash hash={c.contentHash} />
                        </div>
                        {/* Each fact is one unbreakable piece; the line wraps between them, never inside a label. */}
                        <div className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-500">
                          <span className="whitespace-nowrap">
                            since <Time value={c.liveSince} />
                          </span>
                          {c.rollbackTargetVersionId && c.rollbackTargetVersionId !== c.versionId ? (
                            <span className="whitespace-nowrap">
                              {"rollback to "}
                              <Link href={versionHref(service.slug, c.kind, c.versionId, c.rollbackTargetVersionId)} className={link}>
                                {c.rollbackTargetLabel ?? "previous version"}
                              </Link>
                            </span>
                          ) : null}
                          {inCanary ? (
                            <span className="whitespace-nowrap">
                              {"canary "}
                              <Link href={versionHref(service.slug, c.kind, inCanary.versionId, c.versionId)} className="font-medium text-sky-700 hover:underline">
                                {inCanary.label}
                              </Link>
                            </span>
                          ) : null}
                        </div>
                        <div className="mt-2 empty:hidden">{componentRollback(c)}</div>
                      </div>
                    </li>
                  );
                })}
              </ul>
              <div className="hidden md:block">
              <DataTable label="Component versions in the live release">
                <thead>
                  <tr>
                    <th scope="col" className={thn}>Component</th>
                    <th scope="col" className={thn}>Version</th>
                    <th scope="col" className={thn}>Hash</th>
                    <th scope="col" className={thn}>Live since</th>
                    <th scope="col" className={thn}>Rollback target</th>
                    {canary ? <th scope="col" className={thn}>In canary ({pointer?.canaryPercent ?? canary.canaryPercent}%)</th> : null}
                    {mayRollback ? <th scope="col" className={thn}><span className="sr-only">Rollback</span></th> : null}
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {stable.components.map((c) => {
                    const inCanary = canary?.components.find((x) => x.kind === c.kind);
                    return (
                      <tr key={c.kind}>
                        <td className={`${td} whitespace-nowrap text-slate-600`}>{kindLabel(c.kind)}</td>
                        <td className={`${td} whitespace-nowrap`}>
                          <Link href={versionHref(service.slug, c.kind, c.versionId)} className={link}>
                            {c.label}
                          </Link>
                        </td>
                        <td className={td}>
                          <ShortHash hash={c.contentHash} />
                        </td>
                        <td className={`${td} whitespace-nowrap text-slate-600`}>
                          <Time value={c.liveSince} />
                        </td>
                        <td className={`${td} whitespace-nowrap`}>
                          {c.rollbackTargetVersionId === c.versionId ? (
                            <span className="text-slate-400" title="The rollback target is the live version itself">same as live</span>
                          ) : c.rollbackTargetVersionId ? (
                            <Link
                              href={versionHref(service.slug, c.kind, c.versionId, c.rollbackTargetVersionId)}
                              className={link}
                              title={`Diff ${c.label} against ${c.rollbackTargetLabel ?? "its rollback target"}`}
                            >
                              {c.rollbackTargetLabel ?? "previous version"}
                            </Link>
                          ) : (
                            <span className="text-slate-400">none</span>
                          )}
                        </td>
                        {canary ? (
                          <td className={`${td} whitespace-nowrap`}>
                            {!inCanary ? (
                              <span className="text-slate-400">—</span>
                            ) : inCanary.versionId === c.versionId ? (
                              <span className="text-slate-500">same</span>
                            ) : (
                              <Link href={versionHref(service.slug, c.kind, inCanary.versionId, c.versionId)} className="font-medium text-sky-700 hover:underline">
                                {inCanary.label}
                              </Link>
                            )}
                          </td>
                        ) : null}
                        {mayRollback ? <td className={`${td} whitespace-nowrap text-right`}>{componentRollback(c)}</td> : null}
                      </tr>
                    );
                  })}
                </tbody>
              </DataTable>
              </div>
            </>
          ) : (
            <p className="p-4 text-sm text-slate-600">No stable release yet.</p>
          )}
        </Card>

        <div id="compare" className="scroll-mt-4">
          <Card title="Compare two releases">
            {history.length < 2 ? (
              <p className="text-sm text-slate-600">Comparing needs at least two release manifests; this service has {history.length}.</p>
            ) : (
              <>
                <Form action={`/services/${encodeURIComponent(service.slug)}/releases`} className="flex flex-col gap-3 sm:flex-row sm:items-end">
                  <ManifestSelect id="compare-a" name="a" label="From (older)" value={a ?? defaultA} history={history} />
                  <ManifestSelect id="compare-b" name="b" label="To (newer)" value={b ?? defaultB} history={history} />
                  <button type="submit" className={`${buttonClass.secondary} shrink-0`}>
                    Compare
                  </button>
                </Form>
                {a && b ? (
                  manifestA && manifestB ? (
                    <ManifestComparison serviceSlug={service.slug} a={manifestA} b={manifestB} />
                  ) : (
                    <p role="alert" className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
                      {[!manifestA ? a : null, !manifestB ? b : null]
                        .filter(Boolean)
                        .map((id) => `“${id}”`)
                        .join(" and ")}{" "}
                      {manifestA || manifestB ? "is not a release" : "are not releases"} of {service.slug}. Pick releases from the lists.
                    </p>
                  )
                ) : null}
              </>
            )}
          </Card>
        </div>

        <Card padded={false} title={`Manifest history (${history.length})`}>
          <ul className="divide-y divide-slate-100 md:hidden" aria-label="Release manifests, newest first">
            {history.map((m) => (
              <li key={m.id} className="px-4 py-3 text-sm">
                <div className="flex flex-wrap items-center gap-2">
                  <ReleaseKindBadge kind={m.kind} />
                  <span className="whitespace-nowrap">
                    <Id>{m.id}</Id>
                  </span>
                  {m.canaryPercent < 100 ? <span className="whitespace-nowrap text-xs text-slate-500">{m.canaryPercent}% canary</span> : null}
                  <LiveBadge id={m.id} stableId={pointer?.stableReleaseId} canaryId={pointer?.canaryReleaseId} />
                </div>
                <p className="mt-1 break-words text-slate-700">
                  {m.changeRequestNumber ? (
                    <>
                      <span className="whitespace-nowrap font-mono text-xs text-slate-600">CR-{m.changeRequestNumber}</span>
                      {" · "}
                    </>
                  ) : null}
                  <KeepTokens text={m.reason} />
                </p>
                <p className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-500">
                  <span className="whitespace-nowrap">
                    {who(m.actorLabel)}, <Time value={m.createdAt} />
                  </span>
                  {m.replacesReleaseId ? (
                    <Link
                      href={compareHref(m)}
                      className={`${link} whitespace-nowrap`}
                      aria-label={`Compare ${m.id} with the release it replaces, ${m.replacesReleaseId}`}
                    >
                      diff with previous
                    </Link>
                  ) : null}
                </p>
                {bundleRollback(m) ? <div className="mt-2">{bundleRollback(m)}</div> : null}
              </li>
            ))}
          </ul>
          <div className="hidden md:block">
            <DataTable label="Release manifests, newest first">
              <thead>
                <tr>
                  <th scope="col" className={thn}>Release</th>
                  <th scope="col" className={thn}>Kind</th>
                  <th scope="col" className={thn}>Reason</th>
                  <th scope="col" className={thn}>By</th>
                  <th scope="col" className={thn}>Replaces</th>
                  {mayRollback ? <th scope="col" className={thn}><span className="sr-only">Rollback</span></th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {history.map((m) => (
                  <tr key={m.id} className={m.id === pointer?.stableReleaseId ? "bg-emerald-50/40" : m.id === pointer?.canaryReleaseId ? "bg-sky-50/50" : ""}>
                    <td className={`${td} whitespace-nowrap`}>
                      <Id>{m.id}</Id> <LiveBadge id={m.id} stableId={pointer?.stableReleaseId} canaryId={pointer?.canaryReleaseId} />
                    </td>
                    <td className={`${td} whitespace-nowrap`}>
                      <ReleaseKindBadge kind={m.kind} />
                      {m.canaryPercent < 100 ? <span className="ml-1 text-xs text-slate-500">{m.canaryPercent}%</span> : null}
                    </td>
                    <td className={`${td} min-w-72`}>
                      {m.changeRequestNumber ? (
                        <>
                          <span className="whitespace-nowrap font-mono text-xs text-slate-600">CR-{m.changeRequestNumber}</span>
                          {" · "}
                        </>
                      ) : null}
                      <KeepTokens text={m.reason} />
                    </td>
                    <td className={`${td} whitespace-nowrap`}>
                      <div>{who(m.actorLabel)}</div>
                      <div className="text-xs text-slate-500">
                        <Time value={m.createdAt} />
                      </div>
                    </td>
                    <td className={`${td} whitespace-nowrap`}>
                      {m.replacesReleaseId ? (
                        <>
                          <Id>{m.replacesReleaseId}</Id>
                          <div>
                            <Link
                              href={compareHref(m)}
                              className={`whitespace-nowrap text-xs ${link}`}
                              aria-label={`Compare ${m.id} with the release it replaces, ${m.replacesReleaseId}`}
                            >
                              diff with previous
                            </Link>
                          </div>
                        </>
                      ) : (
                        <span className="text-slate-400">—</span>
                      )}
                    </td>
                    {mayRollback ? <td className={`${td} whitespace-nowrap text-right`}>{bundleRollback(m)}</td> : null}
                  </tr>
                ))}
              </tbody>
            </DataTable>
          </div>
        </Card>
      </div>
    </>
  );
}

function compareHref(m: ManifestListRow): string {
  return `?a=${encodeURIComponent(m.replacesReleaseId ?? "")}&b=${encodeURIComponent(m.id)}#compare`;
}

function LiveBadge(props: { id: string; stableId?: string; canaryId?: string | null }) {
  if (props.id === props.stableId) return <Badge tone="success">stable</Badge>;
  if (props.id === props.canaryId) return <Badge tone="info">canary</Badge>;
  return null;
}

function ManifestSelect(props: { id: string; name: string; label: string; value: string; history: ManifestListRow[] }) {
  return (
    <div className="min-w-0 flex-1">
      <label htmlFor={props.id} className="block text-xs font-medium text-slate-700">
        {props.label}
      </label>
      <select id={props.id} name={props.name} defaultValue={props.value} className={`mt-1 font-mono ${inputClass}`}>
        {props.history.map((m) => (
          <option key={m.id} value={m.id}>
            {m.id} · {m.kind}
          </option>
        ))}
      </select>
    </div>
  );
}

type ManifestWithComponents = NonNullable<Awaited<ReturnType<typeof getManifestWithComponents>>>;

function ManifestComparison(props: { serviceSlug: string; a: ManifestWithComponents; b: ManifestWithComponents }) {
  const rows = diffManifests(props.a.components, props.b.components);
  const changed = rows.filter((r) => r.status !== "same").length;
  return (
    <div className="mt-4">
      <p className="mb-2 text-sm text-slate-700" aria-live="polite">
        {props.a.id === props.b.id
          ? "The same release on both sides."
          : changed === 0
            ? "Both releases carry the same component versions."
            : `${changed} of ${rows.length} components differ.`}
      </p>
      <div className="-mx-4 border-t border-slate-100">
        <DataTable label={`Components of ${props.a.id} compared with ${props.b.id}`}>
          <thead>
            <tr>
              <th scope="col" className={thn}>Component</th>
              <th scope="col" className={thn}>
                <span className="font-mono normal-case">{props.a.id}</span>
              </th>
              <th scope="col" className={thn}>
                <span className="font-mono normal-case">{props.b.id}</span>
              </th>
              <th scope="col" className={thn}>Change</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((r) => (
              <tr key={r.kind} className={r.status === "same" ? "" : "bg-amber-50/50"}>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{kindLabel(r.kind)}</td>
                <td className={`${td} whitespace-nowrap`}>
                  {r.from ? (
                    <Link href={versionHref(props.serviceSlug, r.kind, r.from.versionId)} className={link}>
                      {r.from.label}
                    </Link>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  {r.to ? (
                    <Link href={versionHref(props.serviceSlug, r.kind, r.to.versionId)} className={link}>
                      {r.to.label}
                    </Link>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  {r.status === "same" ? (
                    <span className="text-slate-500">same</span>
                  ) : r.status === "changed" && r.from && r.to ? (
                    <Link href={versionHref(props.serviceSlug, r.kind, r.to.versionId, r.from.versionId)} className={link}>
                      changed · view diff
                    </Link>
                  ) : (
                    <Badge tone="warning">{r.status}</Badge>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </div>
    </div>
  );
}
