import Link from "next/link";
import { Badge, th } from "@/app/_components/ui";
import type { AuditListEntry } from "@/lib/audit/queries";
import { EntryChanges } from "./entry-changes";
import { auditHref } from "./links";

// Seven columns must fit beside the sidebar at 1440px, so cells are a little tighter than the
// shared ones. Below xl each row becomes a labelled card (same DOM, so #entry-N anchors work).
const head = th.replace("px-4", "px-3");
const cell =
  "px-3 py-2 align-top text-slate-700 max-xl:block max-xl:px-0 max-xl:py-1 " +
  "max-xl:before:mb-0.5 max-xl:before:block max-xl:before:text-[11px] max-xl:before:font-semibold max-xl:before:uppercase " +
  "max-xl:before:tracking-wide max-xl:before:text-slate-500 max-xl:before:content-[attr(data-label)]";
const COLUMNS = ["Time", "Actor", "Action", "Target", "Service", "Reason", "Change"];

export function AuditEntriesTable({ entries, focusId }: { entries: AuditListEntry[]; focusId?: number }) {
  return (
    <div className="xl:overflow-x-auto">
      <table aria-label="Audit log entries" className="min-w-full text-sm max-xl:block">
        <thead className="bg-slate-50 max-xl:hidden">
          <tr className="border-b border-slate-200">
            {COLUMNS.map((name) => (
              <th key={name} scope="col" className={head}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 max-xl:block">
          {entries.map((entry) => (
            <EntryRow key={entry.id} entry={entry} focused={entry.id === focusId} />
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
      {iso.slice(0, 10)} <span className="text-xs text-slate-500 xl:block">{iso.slice(11, 19)} UTC</span>
    </time>
  );
}

const ACTOR_TYPE_LABEL = { user: null, api_token: "API token", system: "System" } as const;

function EntryRow({ entry, focused }: { entry: AuditListEntry; focused: boolean }) {
  const who = splitActorLabel(entry.actorLabel);
  const typeLabel = ACTOR_TYPE_LABEL[entry.actorType];
  const shortTargetId = entry.targetId.length > 14 ? `${entry.targetId.slice(0, 8)}…` : entry.targetId;
  return (
    <tr
      id={`entry-${entry.id}`}
      className={`scroll-mt-4 max-xl:grid max-xl:grid-cols-2 max-xl:gap-x-4 max-xl:px-4 max-xl:py-3 sm:max-xl:grid-cols-3 ${
        focused ? "bg-amber-50 ring-2 ring-inset ring-amber-300" : ""
      }`}
    >
      <td data-label="Time" className={cell}>
        <EntryTime value={entry.occurredAt} />
        <div className={`text-xs ${focused ? "font-semibold text-amber-800" : "text-slate-400"}`}>#{entry.id}</div>
      </td>
      <td data-label="Actor" className={`${cell} break-words xl:max-w-52`}>
        <div className="font-medium text-slate-900">{who.name}</div>
        {who.detail ? <div className="text-xs text-slate-500">{who.detail}</div> : null}
        {typeLabel ? (
          <div className="mt-1">
            <Badge tone={entry.actorType === "system" ? "neutral" : "info"}>{typeLabel}</Badge>
          </div>
        ) : null}
      </td>
      <td data-label="Action" className={cell}>
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
          {entry.targetLabel ? <span className="font-medium">{entry.targetLabel}</span> : <span className="font-mono">{shortTargetId}</span>}
        </Link>
      </td>
      <td data-label="Service" className={cell}>
        {entry.serviceSlug ? <span className="whitespace-nowrap">{entry.serviceSlug}</span> : <span className="text-slate-400">—</span>}
      </td>
      <td data-label="Reason" className={`${cell} xl:min-w-36 xl:max-w-xs`}>
        {entry.reason ? entry.reason : <span className="text-slate-400">—</span>}
      </td>
      <td data-label="Change" className={`${cell} max-xl:col-span-full`}>
        <EntryChanges before={entry.before} after={entry.after} />
      </td>
    </tr>
  );
}
