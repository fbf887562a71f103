import Link from "next/link";
import { Badge, KeepTokens } from "@/app/_components/ui";
import type { ComponentDiff, DiffLine, StructuralChange, TextDiff } from "@/lib/components/diff";

/**
 * How Changegate shows the difference between two component versions: a line diff with word
 * highlights for prompt text, a path-by-path list for JSON configs. The component version page
 * and the change request review page both render diffs with these, so they read the same.
 */

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";

/** A dotted path ("assumedRetrieval.indexSnapshot", "rules[6].id") that wraps only before a dot or bracket. */
export function DottedPath(props: { path: string }) {
  const parts = props.path.split(/(?=[.[])/);
  return parts.map((part, i) => (
    <span key={i}>
      {i > 0 ? <wbr /> : null}
      {part}
    </span>
  ));
}

/**
 * The whole diff of two versions' content (from diffComponentContent): the instruction text and the
 * other fields for prompts, the structural changes for the other kinds.
 */
export function ComponentContentDiff(props: {
  diff: ComponentDiff;
  /** Lower-case kind label for the accessible name of a structural diff, e.g. "retrieval". */
  kindNoun: string;
  /** Link that toggles between changed lines only and the whole text (prompts). */
  fullHref?: string;
  full?: boolean;
}) {
  const { diff } = props;
  if (diff.identical) return <p className="mt-3 text-sm text-slate-600">The two versions have the same content.</p>;
  if (diff.style === "structural") {
    return <StructuralDiffView changes={diff.changes} label={`Changes to the ${props.kindNoun} configuration`} />;
  }
  return (
    <>
      <TextDiffView diff={diff.text} fullHref={props.fullHref} full={props.full} />
      <h3 className="mb-2 mt-6 text-sm font-semibold text-slate-900">Other fields</h3>
      {diff.fields.length === 0 ? (
        <p className="text-sm text-slate-600">Model family, temperature, tool schema and the other fields are unchanged.</p>
      ) : (
        <StructuralDiffView changes={diff.fields} label="Changed prompt fields" />
      )}
    </>
  );
}

/** Line diff of a prompt's instructions, with word highlights; `fullHref` toggles the whole text. */
export function TextDiffView(props: { diff: TextDiff; fullHref?: string; full?: boolean }) {
  const { diff } = props;
  return (
    <div className="mt-3">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm">
        <h3 className="font-semibold text-slate-900">
          Instructions{" "}
          <span className="ml-1 font-mono text-xs font-normal">
            <span className="text-emerald-700">+{diff.added}</span> <span className="text-rose-700">−{diff.removed}</span>
            <span className="sr-only">
              {" "}
              ({diff.added} lines added, {diff.removed} lines removed)
            </span>
          </span>
        </h3>
        {diff.identical || !props.fullHref ? null : (
          <Link href={props.fullHref} className={`text-xs ${link}`}>
            {props.full ? "Show changes only" : "Show whole text"}
          </Link>
        )}
      </div>
      {diff.identical ? (
        <p className="text-sm text-slate-600">The instruction text is unchanged.</p>
      ) : (
        <div className="relative overflow-hidden rounded-md ring-1 ring-slate-200">
          {/* Below sm one line-number column shows (the new line's number, or the old one's for a
              removed line), so the text keeps most of a phone's width. The old-number column stays in
              the table at zero width (hiding a column's cells would shift the others into it), so
              screen readers still get both numbers. */}
          <table className="w-full table-fixed border-collapse font-mono text-xs leading-5" aria-label="Line diff of the instructions">
            <colgroup>
              <col className="w-0 sm:w-11" />
              <col className="w-8 sm:w-11" />
              <col className="w-4 sm:w-5" />
              <col />
            </colgroup>
            <thead className="sr-only">
              <tr>
                <th scope="col">Old line</th>
                <th scope="col">New line</th>
                <th scope="col">Change</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            {diff.hunks.map((hunk, h) => (
              <tbody key={h}>
                {hunk.skippedBefore > 0 || h === 0 ? (
                  <tr className="bg-slate-100 text-slate-500">
                    <td colSpan={4} className="px-3 py-1">
                      {hunk.skippedBefore > 0 ? `⋯ ${hunk.skippedBefore} unchanged line${hunk.skippedBefore === 1 ? "" : "s"} · ` : ""}@@ −{hunk.oldStart},{hunk.oldLines} +
                      {hunk.newStart},{hunk.newLines} @@
                    </td>
                  </tr>
                ) : null}
                {hunk.lines.map((line, i) => (
                  <DiffRow key={i} line={line} />
                ))}
              </tbody>
            ))}
            {diff.skippedAfter > 0 ? (
              <tbody>
                <tr className="bg-slate-100 text-slate-500">
                  <td colSpan={4} className="px-3 py-1">
                    ⋯ {diff.skippedAfter} unchanged line{diff.skippedAfter === 1 ? "" : "s"}
                  </td>
                </tr>
              </tbody>
            ) : null}
          </table>
        </div>
      )}
    </div>
  );
}

const ROW_STYLE = {
  added: { row: "bg-emerald-50", gutter: "bg-emerald-100/70 text-emerald-800", sign: "+", mark: "rounded-sm bg-emerald-200 text-emerald-950" },
  removed: { row: "bg-rose-50", gutter: "bg-rose-100/70 text-rose-800", sign: "−", mark: "rounded-sm bg-rose-200 text-rose-950" },
  unchanged: { row: "bg-white", gutter: "bg-slate-50 text-slate-400", sign: " ", mark: "" },
} as const;

function DiffRow(props: { line: DiffLine }) {
  const { line } = props;
  const style = ROW_STYLE[line.type];
  const content = line.segments.length === 0 ? "\u00a0" : line.segments.map((s, i) =>
    s.changed ? (
      <span key={i} className={style.mark}>
        <KeepTokens text={s.text} />
      </span>
    ) : (
      <span key={i}>
        <KeepTokens text={s.text} />
      </span>
    ),
  );
  return (
    <tr className={style.row} data-testid={line.type === "unchanged" ? undefined : "diff-change"} data-change={line.type}>
      <td className={`select-none overflow-hidden text-right align-top max-sm:p-0 sm:px-1.5 ${style.gutter}`}>
        <span className="max-sm:sr-only">{line.oldNumber ?? ""}</span>
      </td>
      <td className={`select-none px-1 text-right align-top sm:px-1.5 ${style.gutter}`}>
        <span aria-hidden="true" className="sm:hidden">
          {line.newNumber ?? line.oldNumber ?? ""}
        </span>
        <span className="max-sm:sr-only">{line.newNumber ?? ""}</span>
      </td>
      <td className={`select-none text-center align-top ${style.gutter}`} aria-hidden="true">
        {style.sign}
      </td>
      <td className="whitespace-pre-wrap break-words px-1.5 align-top text-slate-800 sm:px-2">
        {line.type === "added" ? (
          <ins className="no-underline">
            <span className="sr-only">Added: </span>
            {content}
          </ins>
        ) : line.type === "removed" ? (
          <del className="no-underline">
            <span className="sr-only">Removed: </span>
            {content}
          </del>
        ) : (
          content
        )}
      </td>
    </tr>
  );
}

const CHANGE_TONE = { added: "success", removed: "danger", changed: "warning" } as const;

/** One row per change; a grid, so on narrow screens each change stacks instead of scrolling. */
export function StructuralDiffView(props: { changes: StructuralChange[]; label: string }) {
  const grid = "md:grid md:grid-cols-[minmax(12rem,1.4fr)_7rem_minmax(0,2fr)_minmax(0,2fr)] md:gap-4";
  return (
    <div className="mt-3 rounded-md ring-1 ring-slate-200">
      <div aria-hidden="true" className={`hidden border-b border-slate-200 bg-slate-50 px-4 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500 ${grid}`}>
        <span>Path</span>
        <span>Change</span>
        <span>Before</span>
        <span>After</span>
      </div>
      <ul aria-label={props.label} className="divide-y divide-slate-100">
        {props.changes.map((c, i) => (
          <li key={`${c.path}-${i}`} data-testid="diff-change" data-change={c.type} className={`px-4 py-2.5 text-sm ${grid}`}>
            <div className="flex min-w-0 flex-wrap items-center gap-2 md:block">
              <span className="break-words font-mono text-xs text-slate-900">
                {c.path ? <DottedPath path={c.path} /> : "(whole content)"}
              </span>
              {c.item ? <span className="text-xs text-slate-500 md:mt-0.5 md:block">{c.item}</span> : null}
              <span className="md:hidden">
                <Badge tone={CHANGE_TONE[c.type]}>{c.note ?? c.type}</Badge>
              </span>
            </div>
            <div className="hidden md:block">
              <Badge tone={CHANGE_TONE[c.type]}>{c.note ?? c.type}</Badge>
            </div>
            <div className={`mt-1.5 min-w-0 md:mt-0 ${c.type === "added" ? "hidden md:block" : ""}`}>
              <span className="mb-0.5 block text-xs text-slate-500 md:hidden">Before</span>
              {c.type === "added" ? <span className="text-slate-400">—</span> : <Value value={c.before} tone="removed" />}
            </div>
            <div className={`mt-1.5 min-w-0 md:mt-0 ${c.type === "removed" ? "hidden md:block" : ""}`}>
              <span className="mb-0.5 block text-xs text-slate-500 md:hidden">After</span>
              {c.type === "removed" ? <span className="text-slate-400">—</span> : <Value value={c.after} tone="added" />}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Value(props: { value: unknown; tone: "added" | "removed" }) {
  const text = typeof props.value === "object" && props.value !== null ? JSON.stringify(props.value, null, 2) : JSON.stringify(props.value);
  const colors = props.tone === "added" ? "bg-emerald-50 text-emerald-950 ring-emerald-200" : "bg-rose-50 text-rose-950 ring-rose-200";
  const Tag = props.tone === "added" ? "ins" : "del";
  return (
    <Tag className={`relative block whitespace-pre-wrap break-words rounded px-1.5 py-0.5 font-mono text-xs no-underline ring-1 ring-inset ${colors}`}>
      <span className="sr-only">{props.tone === "added" ? "New value: " : "Old value: "}</span>
      <KeepTokens text={text ?? "undefined"} />
    </Tag>
  );
}
