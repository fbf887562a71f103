import diff from "microdiff";

/** What changed between before and after, in a line or three, with the full JSON one click away. */
export function EntryChanges({ before, after }: { before: unknown; after: unknown }) {
  if (before == null && after == null) return <span className="text-slate-400">—</span>;
  const summary = summarize(before, after);
  return (
    <details className="group min-w-48 max-w-sm">
      <summary className="cursor-pointer list-none text-slate-700 marker:hidden [&::-webkit-details-marker]:hidden">
        <span className="flex items-start gap-1">
          <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 h-4 w-4 shrink-0 text-slate-400 transition-transform group-open:rotate-90">
            <path fillRule="evenodd" d="M7.21 14.77a.75.75 0 01.02-1.06L11.168 10 7.23 6.29a.75.75 0 111.04-1.08l4.5 4.25a.75.75 0 010 1.08l-4.5 4.25a.75.75 0 01-1.06-.02z" clipRule="evenodd" />
          </svg>
          <span className="min-w-0">
            {summary.length ? (
              summary.map((line) => (
                <span key={line} className="block font-mono text-xs [overflow-wrap:anywhere]">
                  {line}
                </span>
              ))
            ) : (
              <span className="text-xs">No field changed</span>
            )}
            <span className="block text-xs text-indigo-600 group-open:hidden">Show before / after</span>
            <span className="hidden text-xs text-indigo-600 group-open:block">Hide before / after</span>
          </span>
        </span>
      </summary>
      <div className="mt-2 grid grid-cols-[minmax(0,1fr)] gap-2">
        <JsonBlock label="Before" value={before} />
        <JsonBlock label="After" value={after} />
      </div>
    </details>
  );
}

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <div className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</div>
      <pre className="mt-1 max-h-72 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-800 ring-1 ring-inset ring-slate-200">
        {value == null ? "(none)" : JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

const MAX_LINES = 3;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function short(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 36 ? `${text.slice(0, 35)}…` : text;
}

function summarize(before: unknown, after: unknown): string[] {
  // A creation or removal of an object reads as its first fields added or removed.
  const from = before == null && isObject(after) ? (Array.isArray(after) ? [] : {}) : before;
  const to = after == null && isObject(before) ? (Array.isArray(before) ? [] : {}) : after;
  if (!isObject(from) || !isObject(to)) return [`${short(from ?? "(none)")} → ${short(to ?? "(none)")}`];
  const changes = diff(from, to);
  const lines = changes.slice(0, MAX_LINES).map((change) => {
    const path = change.path.join(".");
    if (change.type === "CHANGE") return `${path}: ${short(change.oldValue)} → ${short(change.value)}`;
    if (change.type === "CREATE") return `+ ${path}: ${short(change.value)}`;
    return `− ${path}: ${short(change.oldValue)}`;
  });
  if (changes.length > MAX_LINES) lines.push(`and ${changes.length - MAX_LINES} more`);
  return lines;
}
