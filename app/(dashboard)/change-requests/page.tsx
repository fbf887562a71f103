import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { Card, DataTable, EmptyState, PageHeader, Time, buttonClass, inputClass, td, th } from "@/app/_components/ui";
import { CrStateBadge, RiskTierBadge, crStateLabel } from "@/app/_components/badges";
import { requirePageActor } from "@/lib/auth/session";
import { CHANGE_REQUEST_STATES, isChangeRequestState, listChangeRequests, listServices } from "@/lib/releases/queries";

export const metadata: Metadata = { title: "Change requests" };

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

export default async function ChangeRequestsPage(props: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePageActor();
  const search = await props.searchParams;
  const services = await listServices({ actor });

  const serviceSlug = first(search.service);
  const stateParam = first(search.state);
  const service = serviceSlug ? services.find((s) => s.slug === serviceSlug) : undefined;
  const state = stateParam && isChangeRequestState(stateParam) ? stateParam : undefined;
  const unknownService = Boolean(serviceSlug && !service);
  const unknownState = Boolean(stateParam && !state);
  const filtered = Boolean(serviceSlug || stateParam);

  const rows = unknownService || unknownState ? [] : await listChangeRequests({ actor, serviceId: service?.id, state });

  return (
    <>
      <PageHeader
        title="Change requests"
        description="Proposals to move components of a service from one version to another, with their risk tier and where they are in review and rollout."
      />

      <Card className="mb-6">
        <Form action="/change-requests" className="flex flex-col gap-3 sm:flex-row sm:items-end">
          <div className="min-w-0 sm:w-64">
            <label htmlFor="filter-service" className="block text-xs font-medium text-slate-700">
              Service
            </label>
            <select id="filter-service" name="service" defaultValue={service?.slug ?? ""} className={`mt-1 ${inputClass}`}>
              <option value="">All services</option>
              {services.map((s) => (
                <option key={s.id} value={s.slug}>
                  {s.slug}
                </option>
              ))}
            </select>
          </div>
          <div className="min-w-0 sm:w-56">
            <label htmlFor="filter-state" className="block text-xs font-medium text-slate-700">
              State
            </label>
            <select id="filter-state" name="state" defaultValue={state ?? ""} className={`mt-1 ${inputClass}`}>
              <option value="">All states</option>
              {CHANGE_REQUEST_STATES.map((s) => (
                <option key={s} value={s}>
                  {crStateLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div className="flex gap-2">
            <button type="submit" className={buttonClass.primary}>
              Filter
            </button>
            {filtered ? (
              <Link href="/change-requests" className={buttonClass.secondary}>
                Clear
              </Link>
            ) : null}
          </div>
        </Form>
      </Card>

      {unknownService || unknownState ? (
        <EmptyState title={unknownService ? `There is no service “${serviceSlug}”` : `“${stateParam}” is not a change request state`}>
          Pick one from the filter, or{" "}
          <Link href="/change-requests" className="font-medium text-indigo-600 hover:text-indigo-500">
            show all change requests
          </Link>
          .
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title={filtered ? "No change requests match these filters" : "No change requests yet"}>
          {filtered ? (
            <Link href="/change-requests" className="font-medium text-indigo-600 hover:text-indigo-500">
              Show all change requests
            </Link>
          ) : (
            "Change requests appear here once someone proposes a change to a component."
          )}
        </EmptyState>
      ) : (
        <Card padded={false} title={`${rows.length} change request${rows.length === 1 ? "" : "s"}, most recently updated first`}>
          <ul className="divide-y divide-slate-100 md:hidden" aria-label="Change requests">
            {rows.map((cr) => (
              <li key={cr.id} className="px-4 py-3 text-sm">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-mono text-xs text-slate-800">CR-{cr.number}</span>
                  <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
                  <RiskTierBadge tier={cr.riskTier} />
                </div>
                <p className="mt-1 text-slate-900">
                  {cr.title}
                  {cr.currentRevision > 1 ? <span className="ml-2 text-xs text-slate-500">rev {cr.currentRevision}</span> : null}
                </p>
                <p className="mt-1 text-xs text-slate-500">
                  <span className="font-mono">{cr.serviceSlug}</span> · {cr.authorName ?? "unknown author"} · <Time value={cr.updatedAt} />
                </p>
              </li>
            ))}
          </ul>
          <div className="hidden md:block">
          <DataTable label="Change requests">
            <thead className="bg-slate-50">
              <tr>
                <th scope="col" className={`${th} whitespace-nowrap`}>CR</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Title</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Service</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>State</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Risk</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Author</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Updated</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((cr) => (
                <tr key={cr.id}>
                  <td className={`${td} whitespace-nowrap font-mono text-xs text-slate-800`}>CR-{cr.number}</td>
                  <td className={`${td} min-w-64 text-slate-900`}>
                    {cr.title}
                    {cr.currentRevision > 1 ? <span className="ml-2 text-xs text-slate-500">rev {cr.currentRevision}</span> : null}
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Link
                      href={`/services/${encodeURIComponent(cr.serviceSlug)}/releases`}
                      className="font-mono text-xs text-indigo-700 hover:underline"
                    >
                      {cr.serviceSlug}
                    </Link>
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    <RiskTierBadge tier={cr.riskTier} />
                  </td>
                  <td className={`${td} whitespace-nowrap`}>{cr.authorName ?? "—"}</td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Time value={cr.updatedAt} />
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
