import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { Card, EmptyState, Mono, PageHeader, buttonClass, inputClass } from "@/app/_components/ui";
import { auditPageOfEntry, listAuditEntries, type AuditFilters } from "@/lib/audit/queries";
import { requirePageActor } from "@/lib/auth/session";
import { AuditEntriesTable } from "./entries-table";
import { FILTER_KEYS, auditHref } from "./links";
import { auditTargetLabels } from "./target-labels";
import { VerifyChain } from "./verify-chain";

export const metadata: Metadata = { title: "Audit log · Changegate" };

// 25 keeps a page of cards on a phone to a scrollable length; the pager reaches the rest.
const PAGE_SIZE = 25;

type SearchParams = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

/** A real calendar day written YYYY-MM-DD (so 2026-02-31 is not one). */
function isIsoDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The filters in the URL; dates that are not YYYY-MM-DD days are left out and reported. */
function filtersOf(params: SearchParams): { filters: AuditFilters; badDates: { from?: string; to?: string } } {
  const filters: AuditFilters = {};
  const badDates: { from?: string; to?: string } = {};
  for (const key of FILTER_KEYS) {
    const value = first(params[key]);
    if (value) filters[key] = value;
  }
  for (const key of ["from", "to"] as const) {
    const value = filters[key];
    if (value && !isIsoDay(value)) {
      badDates[key] = value;
      delete filters[key];
    }
  }
  return { filters, badDates };
}

export default async function AuditPage(props: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePageActor("audit.view");
  const params = await props.searchParams;
  // `at` jumps to one entry (from the chain verdict): the unfiltered page that holds it.
  const at = Number(first(params.at));
  const focusId = Number.isSafeInteger(at) && at > 0 ? at : undefined;
  const { filters, badDates } = focusId ? { filters: {}, badDates: {} } : filtersOf(params);
  const page = focusId
    ? await auditPageOfEntry({ actor, id: focusId, pageSize: PAGE_SIZE })
    : Number(first(params.page)) || 1;

  const listing = await listAuditEntries({ actor, filters, page, pageSize: PAGE_SIZE });
  const targetLabels = await auditTargetLabels({ actor, entries: listing.entries });
  const filtered = Object.keys(filters).length > 0;
  const firstShown = listing.total === 0 ? 0 : (listing.page - 1) * listing.pageSize + 1;
  const lastShown = Math.min(listing.page * listing.pageSize, listing.total);

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change in Changegate, who made it, when and why, with the state before and after. The database refuses edits and deletions, and each entry carries the hash of the one before it."
      />

      <Card title="Integrity" className="mb-6">
        <p className="mb-3 text-sm text-slate-600">
          Verification recomputes every entry’s hash from its contents and checks it links to the entry before it, so an
          altered, removed, inserted or reordered entry shows up as the first place the chain breaks.
        </p>
        <VerifyChain />
      </Card>

      {focusId ? (
        <p className="mb-6 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
          Showing{" "}
          <a href={`#entry-${focusId}`} className="font-semibold underline underline-offset-2">
            entry #{focusId}
          </a>{" "}
          among its neighbours (unfiltered, page {listing.page}).{" "}
          <Link href="/audit" className="font-medium underline underline-offset-2">
            Back to the newest entries
          </Link>
        </p>
      ) : null}

      <Card title="Filters" className="mb-6">
        <Form action="/audit" className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <FilterSelect label="Action" name="action" value={filters.action} options={listing.options.actions} all="All actions" />
          <FilterSelect label="Actor" name="actor" value={filters.actor} options={listing.options.actors} all="Everyone" />
          <FilterSelect label="Target type" name="targetType" value={filters.targetType} options={listing.options.targetTypes} all="All targets" />
          <FilterSelect
            label="Service"
            name="service"
            value={filters.service}
            options={listing.options.services.map((s) => s.slug)}
            all="All services"
          />
          <DateFilter
            name="from"
            label="From (UTC date)"
            value={badDates.from ?? filters.from}
            invalid={Boolean(badDates.from)}
          />
          <DateFilter
            name="to"
            label="To (UTC date, inclusive)"
            value={badDates.to ?? filters.to}
            invalid={Boolean(badDates.to)}
          />
          {filters.targetId ? <input type="hidden" name="targetId" value={filters.targetId} /> : null}
          <div className="flex flex-wrap items-center gap-2 sm:col-span-2 sm:self-start sm:pt-5">
            <button type="submit" className={buttonClass.primary}>
              Apply filters
            </button>
            {filtered ? (
              <Link href="/audit" className={buttonClass.secondary}>
                Clear
              </Link>
            ) : null}
            {filters.targetId ? (
              <span className="truncate text-xs text-slate-600">
                Target <Mono>{filters.targetId}</Mono>
              </span>
            ) : null}
          </div>
        </Form>
      </Card>

      {listing.total === 0 ? (
        <EmptyState title={filtered ? "No entries match these filters" : "The audit log is empty"}>
          {filtered ? (
            <>
              Widen the date range or{" "}
              <Link href="/audit" className="font-medium text-indigo-600 hover:text-indigo-500">
                clear the filters
              </Link>
              .
            </>
          ) : (
            "Entries appear here as soon as anyone changes something."
          )}
        </EmptyState>
      ) : (
        <Card
          padded={false}
          title={
            <span aria-live="polite">
              {firstShown.toLocaleString("en-US")}–{lastShown.toLocaleString("en-US")} of {listing.total.toLocaleString("en-US")}{" "}
              {filtered ? "matching entries" : "entries"}, newest first
            </span>
          }
        >
          <AuditEntriesTable entries={listing.entries} focusId={focusId} targetLabels={targetLabels} />
          <Pagination filters={filters} page={listing.page} pageCount={listing.pageCount} />
        </Card>
      )}
    </>
  );
}

/**
 * A day typed as YYYY-MM-DD, the form the page shows dates in. (A native date input would show
 * it in the browser's locale, e.g. mm/dd/yyyy, beside UTC dates written the other way round.)
 */
function DateFilter(props: { name: "from" | "to"; label: string; value?: string; invalid: boolean }) {
  const id = `filter-${props.name}`;
  const hint = `${id}-error`;
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {props.label}
      </label>
      <input
        id={id}
        type="text"
        name={props.name}
        defaultValue={props.value}
        placeholder="YYYY-MM-DD"
        inputMode="numeric"
        autoComplete="off"
        pattern="\d{4}-\d{2}-\d{2}"
        title="A date as YYYY-MM-DD, for example 2026-11-01"
        aria-invalid={props.invalid || undefined}
        aria-describedby={props.invalid ? hint : undefined}
        className={`mt-1 font-mono ${inputClass} aria-invalid:ring-rose-500`}
      />
      {props.invalid ? (
        <p id={hint} className="mt-1 text-xs text-rose-700">
          “{props.value}” is not a date written <span className="whitespace-nowrap">YYYY-MM-DD</span>, so it was not applied.
        </p>
      ) : null}
    </div>
  );
}

function FilterSelect(props: { label: string; name: string; value?: string; options: string[]; all: string }) {
  const id = `filter-${props.name}`;
  // A value from the URL that no entry has (yet) stays selectable, so the form shows what is applied.
  const options = props.value && !props.options.includes(props.value) ? [props.value, ...props.options] : props.options;
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {props.label}
      </label>
      <select id={id} name={props.name} defaultValue={props.value ?? ""} className={`mt-1 ${inputClass}`}>
        <option value="">{props.all}</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </div>
  );
}

function Pagination({ filters, page, pageCount }: { filters: AuditFilters; page: number; pageCount: number }) {
  if (pageCount <= 1) return null;
  const link = "rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset ring-slate-300 hover:bg-slate-50";
  const off = "rounded-md px-3 py-1.5 text-sm font-medium text-slate-400 ring-1 ring-inset ring-slate-200";
  return (
    <nav aria-label="Audit log pages" className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-3">
      {page > 1 ? (
        <Link href={auditHref(filters, page - 1)} className={link} rel="prev">
          ← Newer
        </Link>
      ) : (
        <span className={off} aria-disabled="true">
          ← Newer
        </span>
      )}
      <span className="text-sm text-slate-600">
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={auditHref(filters, page + 1)} className={link} rel="next">
          Older →
        </Link>
      ) : (
        <span className={off} aria-disabled="true">
          Older →
        </span>
      )}
    </nav>
  );
}
