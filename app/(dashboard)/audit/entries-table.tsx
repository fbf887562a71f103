import Link from "next/link";
import { Badge, KeepTokens, th } from "@/app/_components/ui";
import type { AuditListEntry } from "@/lib/audit/queries";
import { EntryChanges } from "./entry-changes";
import { auditHref } from "./links";
import { targetKey } from "./target-labels";

// Seven columns must fit beside the sidebar at 1440px, so cells are a little tighter than the
// shared ones. Below 1400px (where Reason and Change would shrink to ribbons) each row becomes a
// labelled card (same DOM, so #entry-N anchors work).
const head = th.replace("px-4", "px-2");
const cell =
  "px-2 py-2 align-top text-slate-700 max-[1400px]:block max-[1400px]:px-0 max-[1400px]:py-1 " +
  "max-[1400px]:before:mb-0.5 max-[1400px]:before:block max-[1400px]:before:text-[11px] max-[1400px]:before:font-semibold max-[1400px]:before:uppercase " +
  "max-[1400px]:before:tracking-wide max-[1400px]:before:text-slate-500 max-[1400px]:before:content-[attr(data-label)]";

/**
 * Fixed widths (the header row sets them), each just wide enough for the column's longest
 * unbreakable token: a date, an email, "component_version.", a release id, "incident-assistant"
 * (43.75rem together). Reason gets a little over half of what is left and Change the rest.
 */
const COLUMNS = [
  { name: "Time", width: "min-[1400px]:w-[6.25rem]" },
  { name: "Actor", width: "min-[1400px]:w-[10.25rem]" },
  { name: "Action", width: "min-[1400px]:w-[9.25rem]" },
  { name: "Target", width: "min-[1400px]:w-[10.25rem]" },
  { name: "Service", width: "min-[1400px]:w-[7.75rem]" },
  { name: "Reason", width: "min-[1400px]:w-[calc((100%-43.75rem)*0.53)]" },
  { name: "Change", width: "" },
];

export function AuditEntriesTable({
  entries,
  focusId,
  targetLabels,
}: {
  entries: AuditListEntry[];
  focusId?: number;
  /** Readable names of change-request and component-version targets, by targetKey(). */
  targetLabels?: Map<string, string>;
}) {
  return (
    <div className="min-[1400px]:overflow-x-auto">
      <table aria-label="Audit log entries" className="min-w-full text-sm max-[1400px]:block min-[1400px]:table-fixed">
        <thead className="bg-slate-50 max-[1400px]:hidden">
          <tr className="border-b border-slate-200">
            {COLUMNS.map((column) => (
              <th key={column.name} scope="col" className={`${head} ${column.width}`}>
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 max-[1400px]:block">
          {entries.map((entry) => (
            <EntryRow
              key={entry.id}
              entry={entry}
              focused={entry.id === focusId}
              targetLabel={entry.targetLabel ?? targetLabels?.get(targetKey(entry.targetType, entry.targetId)) ?? null}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * "Ada Admin <admin@example.com>" → name and email; "support CI (cg_support-a…)" → token name
 * and prefix. Shown on two lines so a long label wraps instead of widening the table.
 */
function splitActorLabel(label: string): { name: string; detail?: string } {
  const match = /^(.*?)\s*(?:<([^>]+)>|\(([^)]+)\))$/.exec(label);
  if (!match) return { name: label };
  const detail = match[2] ?? match[3]!;
  return { name: match[1] || detail, detail: match[1] ? detail : undefined };
}

/** Lets the browser wrap dotted names ("change_request.changes_requested") after each dot. */
function breakAfterDots(text: string) {
  const parts = text.split(".");
  return parts.map((part, i) => (
    <span key={i}>
      {part}
      {i < parts.length - 1 ? (
        <>
          .<wbr />
        </>
      ) : null}
    </span>
  ));
}

/** Date over time, so the column stays narrow; the title has the exact instant. */
function EntryTime({ value }: { value: Date }) {
  const iso = value.toISOString();
  return (
    <time dateTime={iso} title={iso} className="block whitespace-nowrap">
      {iso.slice(0, 10)} <span className="block text-xs text-slate-500">{iso.slice(11, 19)} UTC</span>
    </time>
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * How a target reads: its name where one is known (user, CR-12, ret-v4), a release id in full
 * (rel_YYYYMMDD_HHMM_xxxx fits), any other UUID as its first 8 characters.
 */
function TargetName({ entry, label }: { entry: AuditListEntry; label: string | null }) {
  if (label) return <span className="font-medium [overflow-wrap:anywhere]">{label}</span>;
  const id = entry.targetId;
  if (UUID.test(id)) return <span className="whitespace-nowrap font-mono">{id.slice(0, 8)}…</span>;
  return <span className="font-mono text-[11px] [overflow-wrap:anywhere]">{id}</span>;
}

const ACTOR_TYPE_LABEL = { user: null, api_token: "API token", system: "System" } as const;

function EntryRow({ entry, focused, targetLabel }: { entry: AuditListEntry; focused: boolean; targetLabel: string | null }) {
  const who = splitActorLabel(entry.actorLabel);
  const typeLabel = ACTOR_TYPE_LABEL[entry.actorType];
  return (
    <tr
      id={`entry-${entry.id}`}
      className={`scroll-mt-4 max-[1400px]:grid max-[1400px]:grid-cols-2 max-[1400px]:gap-x-4 max-[1400px]:px-4 max-[1400px]:py-3 sm:max-[1400px]:grid-cols-3 ${
        focused ? "bg-amber-50 ring-2 ring-inset ring-amber-300" : ""
      }`}
    >
      <td data-label="Time" className={cell}>
        <EntryTime value={entry.occurredAt} />
        <div className={`text-xs ${focused ? "font-semibold text-amber-800" : "text-slate-400"}`}>#{entry.id}</div>
      </td>
      <td data-label="Actor" className={`${cell} break-words`}>
        <div className="font-medium text-slate-900">{who.name}</div>
        {who.detail ? (
          <div className="truncate text-xs text-slate-500" title={who.detail}>
            {who.detail}
          </div>
        ) : null}
        {typeLabel ? (
          <div className="mt-1">
            <Badge tone={entry.actorType === "system" ? "neutral" : "info"}>{typeLabel}</Badge>
          </div>
        ) : null}
      </td>
      <td data-label="Action" className={`${cell} max-sm:col-span-full`}>
        <Link
          href={auditHref({ action: entry.action })}
          title={`Only ${entry.action} entries`}
          className="font-mono text-xs text-slate-800 hover:text-indigo-600 hover:underline"
        >
          {breakAfterDots(entry.action)}
        </Link>
      </td>
      <td data-label="Target" className={cell}>
        <div className="text-xs text-slate-500">{entry.targetType}</div>
        <Link
          href={auditHref({ targetType: entry.targetType, targetId: entry.targetId })}
          title={`History of ${entry.targetType} ${entry.targetId}`}
          className="text-xs text-slate-800 hover:text-indigo-600 hover:underline"
        >
          <TargetName entry={entry} label={targetLabel} />
        </Link>
      </td>
      <td data-label="Service" className={cell}>
        {entry.serviceSlug ? <span className="whitespace-nowrap min-[1400px]:text-xs">{entry.serviceSlug}</span> : <span className="text-slate-400">—</span>}
      </td>
      <td data-label="Reason" className={`${cell} break-words max-[1400px]:col-span-full`}>
        {entry.reason ? <KeepTokens text={entry.reason} max={24} /> : <span className="text-slate-400">—</span>}
      </td>
      <td data-label="Change" className={`${cell} max-[1400px]:col-span-full`}>
        <EntryChanges before={entry.before} after={entry.after} />
      </td>
    </tr>
  );
}
