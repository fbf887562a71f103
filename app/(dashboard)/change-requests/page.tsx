import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, ButtonLink, Card, DataTable, EmptyState, PageHeader, Time, buttonClass, inputClass, td, th } from "@/app/_components/ui";
import { CrStateBadge, RiskTierBadge, crStateLabel } from "@/app/_components/badges";
import { ROLE_LABELS, may } from "@/lib/auth/permissions";
import { requirePageActor } from "@/lib/auth/session";
import { CHANGE_REQUEST_STATES, RISK_TIERS, type ChangeRequestState } from "@/lib/changes";
import { listChangeRequests, type ApprovalProgress, type ChangeRequestListRow } from "@/lib/changes/queries";
import type { RiskTier } from "@/lib/components/kinds";
import { listServices } from "@/lib/releases/queries";

export const metadata: Metadata = { title: "Change requests" };

type SearchParams = Record<string, string | string[] | undefined>;

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

const isState = (v: string): v is ChangeRequestState => (CHANGE_REQUEST_STATES as readonly string[]).includes(v);
const isTier = (v: string): v is RiskTier => (RISK_TIERS as readonly string[]).includes(v);

export default async function ChangeRequestsPage(props: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePageActor();
  const search = await props.searchParams;
  const mayReview = may(actor.role, "changeRequest.review");
  const services = await listServices({ actor });

  const serviceParam = first(search.service);
  const stateParam = first(search.state);
  const tierParam = first(search.tier);
  const waitingForMe = first(search.waiting) === "1";
  const service = serviceParam ? services.find((s) => s.slug === serviceParam) : undefined;
  const state = stateParam && isState(stateParam) ? stateParam : undefined;
  const tier = tierParam && isTier(tierParam) ? tierParam : undefined;

  const problem =
    serviceParam && !service ? `There is no service “${serviceParam}”`
    : stateParam && !state ? `“${stateParam}” is not a change request state`
    : tierParam && !tier ? `“${tierParam}” is not a risk tier (low, medium or high)`
    : null;
  const filtered = Boolean(serviceParam || stateParam || tierParam || waitingForMe);

  const [rows, waitingCount] = await Promise.all([
    problem ? Promise.resolve([]) : listChangeRequests({ actor, filters: { service: service?.slug, state, tier, waitingForMe } }),
    mayReview ? listChangeRequests({ actor, filters: { waitingForMe: true } }).then((r) => r.length) : Promise.resolve(0),
  ]);

  return (
    <>
      <PageHeader
        title="Change requests"
        description="Proposals to move components of a service from one version to another, with their risk tier, their review and where they are in the rollout."
        actions={may(actor.role, "changeRequest.create") ? <ButtonLink href="/change-requests/new" variant="primary">New change request</ButtonLink> : null}
      />

      <Card className="mb-6">
        <Form action="/change-requests" className="flex flex-col gap-3 md:flex-row md:flex-wrap md:items-end">
          <FilterSelect id="filter-service" name="service" label="Service" value={service?.slug} all="All services">
            {services.map((s) => (
              <option key={s.id} value={s.slug}>
                {s.slug}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect id="filter-state" name="state" label="State" value={state} all="All states">
            {CHANGE_REQUEST_STATES.map((s) => (
              <option key={s} value={s}>
                {crStateLabel(s)}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect id="filter-tier" name="tier" label="Risk tier" value={tier} all="All tiers">
            {RISK_TIERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </FilterSelect>
          {mayReview ? (
            <label className="flex items-center gap-2 rounded-md px-1 py-2 text-sm text-slate-800 md:pb-2.5">
              <input
                type="checkbox"
                name="waiting"
                value="1"
                defaultChecked={waitingForMe}
                className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
              />
              Waiting for me
              {waitingCount > 0 ? <Badge tone="accent">{waitingCount}</Badge> : null}
            </label>
          ) : null}
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

      {problem ? (
        <EmptyState title={problem}>
          Pick one from the filters, or{" "}
          <Link href="/change-requests" className={link}>
            show all change requests
          </Link>
          .
        </EmptyState>
      ) : rows.length === 0 ? (
        <EmptyState title={emptyTitle({ waitingForMe, mayReview, service: service?.slug, state, tier })}>
          {waitingForMe && !mayReview ? (
            <>
              Your role ({ROLE_LABELS[actor.role]}) does not review change requests, so nothing waits for you here.{" "}
            </>
          ) : waitingForMe ? (
            <>
              A change request waits for you when it is in review, someone else wrote it, you have not decided on its current revision, and
              your approval is still needed (a high-risk change that only lacks its security approval waits for a security reviewer).{" "}
            </>
          ) : null}
          {filtered ? (
            <Link href="/change-requests" className={link}>
              Show all change requests
            </Link>
          ) : (
            "Change requests appear here once someone proposes a change to a component."
          )}
        </EmptyState>
      ) : (
        <ChangeRequestTable rows={rows} waitingForMe={waitingForMe} />
      )}
    </>
  );
}

function emptyTitle(f: { waitingForMe: boolean; mayReview: boolean; service?: string; state?: ChangeRequestState; tier?: RiskTier }): string {
  if (f.waitingForMe) {
    if (!f.mayReview) return "Nothing waits for your review";
    return f.service || f.state || f.tier ? "Nothing matching these filters is waiting for you" : "Nothing is waiting for your review";
  }
  const what = [f.state ? crStateLabel(f.state).toLowerCase() : null, f.tier ? `${f.tier}-risk` : null].filter(Boolean).join(" ");
  if (!f.service && !what) return "No change requests yet";
  return `No ${what ? `${what} ` : ""}change requests${f.service ? ` for ${f.service}` : ""}`;
}

function FilterSelect(props: { id: string; name: string; label: string; value?: string; all: string; children: ReactNode }) {
  return (
    <div className="min-w-0 md:w-52">
      <label htmlFor={props.id} className="block text-xs font-medium text-slate-700">
        {props.label}
      </label>
      <select id={props.id} name={props.name} defaultValue={props.value ?? ""} className={`mt-1 ${inputClass}`}>
        <option value="">{props.all}</option>
        {props.children}
      </select>
    </div>
  );
}

function Approvals(props: { progress: ApprovalProgress | null; state: ChangeRequestState; inline?: boolean }) {
  const p = props.progress;
  if (props.state === "cancelled") return <span className="text-slate-400">—</span>;
  if (!p) return <span className="whitespace-nowrap text-slate-400">not submitted</span>;
  const tone = p.blockedBy ? "text-rose-700" : p.satisfied ? "text-emerald-700" : "text-slate-700";
  const [count, ...notes] = p.summary.split(", ");
  return (
    <span className={tone} title={p.needs.length ? `Waiting for ${p.needs.join("; ")}` : "Approvals complete"}>
      <span className="whitespace-nowrap font-medium tabular-nums">{count}</span>
      {notes.length ? (
        <span className={props.inline ? "" : "block whitespace-nowrap text-xs"}>{`${props.inline ? ", " : ""}${notes.join(", ")}`}</span>
      ) : null}
    </span>
  );
}

/** Date over time, so the column stays narrow; the title carries the exact ISO time. */
function CompactTime(props: { value: Date }) {
  const iso = props.value.toISOString();
  return (
    <time dateTime={iso} title={iso} className="whitespace-nowrap tabular-nums">
      {iso.slice(0, 10)}
      <span className="block text-xs text-slate-500">{iso.slice(11, 16)} UTC</span>
    </time>
  );
}

function ChangeRequestTable(props: { rows: ChangeRequestListRow[]; waitingForMe: boolean }) {
  const { rows } = props;
  const title = `${rows.length} change request${rows.length === 1 ? "" : "s"}${props.waitingForMe ? " waiting for your review" : ""}, most recently updated first`;
  return (
    <Card padded={false} title={title}>
      <ul className="divide-y divide-slate-100 md:hidden" aria-label="Change requests">
        {rows.map((cr) => (
          <li key={cr.id} className="px-4 py-3 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <span className="font-mono text-xs text-slate-800">CR-{cr.number}</span>
              <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
              <RiskTierBadge tier={cr.tier} />
            </div>
            <Link href={`/change-requests/${cr.number}`} className={`mt-1 block ${link}`}>
              {cr.title}
            </Link>
            <p className="mt-1 text-xs text-slate-500">
              <span className="font-mono">{cr.serviceSlug}</span> · {cr.authorName ?? "unknown author"} · rev {cr.revision} ·{" "}
              <Time value={cr.updatedAt} />
            </p>
            <p className="mt-1 text-xs">
              <span className="text-slate-500">Approvals </span>
              <Approvals progress={cr.approvals} state={cr.state} inline />
            </p>
          </li>
        ))}
      </ul>
      <div className="hidden md:block">
        <DataTable label="Change requests">
          <thead className="bg-slate-50">
            <tr>
              {["Change request", "State", "Risk", "Author", "Rev", "Approvals", "Updated"].map((h) => (
                <th key={h} scope="col" className={`${th} whitespace-nowrap`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((cr) => (
              <tr key={cr.id} className="hover:bg-slate-50/70">
                <td className={`${td} min-w-72`}>
                  <Link href={`/change-requests/${cr.number}`} className={link}>
                    {cr.title}
                  </Link>
                  <span className="mt-0.5 block text-xs text-slate-500">
                    <span className="font-mono text-slate-700">CR-{cr.number}</span> ·{" "}
                    <Link href={`/change-requests?service=${encodeURIComponent(cr.serviceSlug)}`} className="font-mono hover:underline">
                      {cr.serviceSlug}
                    </Link>
                  </span>
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  <CrStateBadge state={cr.state} canaryStage={cr.canaryStage} />
                </td>
                <td className={`${td} whitespace-nowrap`}>
                  <RiskTierBadge tier={cr.tier} />
                </td>
                <td className={`${td} whitespace-nowrap`}>{cr.authorName ?? "—"}</td>
                <td className={`${td} whitespace-nowrap tabular-nums`}>{cr.revision}</td>
                <td className={td}>
                  <Approvals progress={cr.approvals} state={cr.state} />
                </td>
                <td className={td}>
                  <CompactTime value={cr.updatedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </div>
    </Card>
  );
}
