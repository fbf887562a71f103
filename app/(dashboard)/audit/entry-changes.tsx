import diff from "microdiff";

/** What changed between before and after, in a line or three, with the full JSON one click away. */
export function EntryChanges({ before, after }: { before: unknown; after: unknown }) {
  if (before == null && after == null) return <span className="text-slate-400">—</span>;
  const summary = summarize(before, after);
  return (
    <details className="group min-w-0 max-w-md">
      <summary className="cursor-pointer list-none text-slate-700 marker:hidden [&::-webkit-details-marker]:hidden">
        <span className="flex items-start gap-1">
          <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 h-4 w-4 shrink-0 text-slate-400 transition-transform group-open:rotate-90">
            <path fillRule="evenodd" d="M7.21 14.77a.75.75 0 01.02-1.06L11.168 10 7.23 6.29a.75.75 0 111.04-1.08l4.5 4.25a.75.75 0 010 1.08l-4.5 4.25a.75.75 0 01-1.06-.02z" clipRule="evenodd" />
          </svg>
          <span className="min-w-0">
            {summary.length ? (
              summary.map((line, i) => (
                <span key={i} className="block break-words font-mono text-xs">
                  <SummaryLineView line={line} />
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
      <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap break-words rounded-md bg-slate-50 p-2 font-mono text-xs text-slate-800 ring-1 ring-inset ring-slate-200">
        {value == null ? "(none)" : JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

const MAX_LINES = 3;
const MAX_VALUE_CHARS = 36;
/** Tokens up to this long stay on one line; a longer one may break rather than overflow the column. */
const MAX_UNBROKEN_TOKEN = 22;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value as shown in the summary; `full` (in the tooltip) when the text is shortened. */
interface ShownValue {
  text: string;
  full?: string;
}

type SummaryLine =
  | { kind: "value"; from: ShownValue; to: ShownValue }
  | { kind: "change"; path: string; from: ShownValue; to: ShownValue }
  | { kind: "create" | "remove"; path: string; value: ShownValue }
  | { kind: "more"; count: number };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Cuts at a space where there is one, so the cut never lands inside an id or an email. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(" ", max - 1);
  return `${text.slice(0, space > max / 2 ? space : max - 1)}…`;
}

/**
 * A UUID as its first 8 characters; an array as its items, comma-separated with spaces so the
 * line can wrap between items (never inside one); long text cut with the whole in the tooltip.
 */
function shown(value: unknown): ShownValue {
  if (typeof value === "string") {
    if (UUID.test(value)) return { text: `${value.slice(0, 8)}…`, full: value };
    const text = cut(value, MAX_VALUE_CHARS);
    return text === value ? { text } : { text, full: value };
  }
  const full = JSON.stringify(value) ?? String(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => (typeof item === "string" && UUID.test(item) ? `${item.slice(0, 8)}…` : JSON.stringify(item)));
    const kept: string[] = [];
    let length = 2;
    for (const item of items) {
      if (kept.length > 0 && length + item.length + 2 > MAX_VALUE_CHARS) break;
      kept.push(item);
      length += item.length + 2;
    }
    const rest = items.length - kept.length;
    const text = `[${kept.join(", ")}${rest > 0 ? `, +${rest} more` : ""}]`;
    return text === full ? { text } : { text, full };
  }
  const text = cut(full.replace(/,"/g, ', "'), MAX_VALUE_CHARS);
  return text === full ? { text } : { text, full };
}

function summarize(before: unknown, after: unknown): SummaryLine[] {
  // A creation or removal of an object reads as its first fields added or removed.
  const from = before == null && isObject(after) ? (Array.isArray(after) ? [] : {}) : before;
  const to = after == null && isObject(before) ? (Array.isArray(before) ? [] : {}) : after;
  if (!isObject(from) || !isObject(to)) return [{ kind: "value", from: shown(from ?? "(none)"), to: shown(to ?? "(none)") }];
  const changes = diff(from, to);
  const lines: SummaryLine[] = changes.slice(0, MAX_LINES).map((change) => {
    const path = change.path.join(".");
    if (change.type === "CHANGE") return { kind: "change", path, from: shown(change.oldValue), to: shown(change.value) };
    if (change.type === "CREATE") return { kind: "create", path, value: shown(change.value) };
    return { kind: "remove", path, value: shown(change.oldValue) };
  });
  if (changes.length > MAX_LINES) lines.push({ kind: "more", count: changes.length - MAX_LINES });
  return lines;
}

/** Keeps each space-separated token (an email, a UUID prefix, a label) on one line. */
function Value({ value }: { value: ShownValue }) {
  const parts = value.text.split(/(\s+)/);
  return (
    <span title={value.full}>
      {parts.map((part, i) =>
        part.trim() === "" ? part : part.length <= MAX_UNBROKEN_TOKEN ? (
          <span key={i} className="whitespace-nowrap">
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </span>
  );
}

/** A field path that wraps only after a dot. */
function Path({ path }: { path: string }) {
  const parts = path.split(".");
  return (
    <span>
      {parts.map((part, i) => (
        <span key={i}>
          {i > 0 ? (
            <>
              .<wbr />
            </>
          ) : null}
          {part}
        </span>
      ))}
      :
    </span>
  );
}

function SummaryLineView({ line }: { line: SummaryLine }) {
  switch (line.kind) {
    case "value":
      return (
        <>
          <Value value={line.from} /> → <Value value={line.to} />
        </>
      );
    case "change":
      return (
        <>
          <Path path={line.path} /> <Value value={line.from} /> → <Value value={line.to} />
        </>
      );
    case "create":
      return (
        <>
          + <Path path={line.path} /> <Value value={line.value} />
        </>
      );
    case "remove":
      return (
        <>
          − <Path path={line.path} /> <Value value={line.value} />
        </>
      );
    case "more":
      return <span className="font-sans">and {line.count} more</span>;
  }
}
