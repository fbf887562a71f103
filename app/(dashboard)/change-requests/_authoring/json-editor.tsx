"use client";

import { useMemo } from "react";
import { inputClass } from "@/app/_components/ui";
import type { ComponentKind } from "@/lib/components/kinds";
import { componentContentSchemas } from "@/lib/components/schemas";
import { issuesByPath, mergeErrors, sameContent, type ContentErrors } from "./content-errors";
import { controlClass } from "./field";
import { formatPath } from "./error-routing";
import { parseJson } from "./json-text";

/**
 * The JSON editor for every kind but prompt: parsed and checked live against the kind's zod
 * schema, with each problem shown under the editor with its path. The server checks again.
 */
export function JsonEditor(props: {
  id: string;
  kind: Exclude<ComponentKind, "prompt">;
  kindLabel: string;
  value: string;
  onChange: (value: string) => void;
  serverErrors: ContentErrors;
  /** Restores the text the editor was prefilled with; absent when there is nothing to restore. */
  onReset?: () => void;
  resetLabel?: string;
  /** The live version's content and label: an unchanged copy is worth a warning before saving. */
  baseline?: Record<string, unknown>;
  baselineLabel?: string;
}) {
  const parsed = useMemo(() => parseJson(props.value), [props.value]);
  const live = useMemo(
    () => (parsed.ok ? componentContentSchemas[props.kind].safeParse(parsed.value) : null),
    [parsed, props.kind],
  );
  const errors: ContentErrors = parsed.ok
    ? mergeErrors(live && !live.success ? issuesByPath(live.error) : {}, props.serverErrors)
    : mergeErrors({ "": [parsed.message] }, props.serverErrors);
  const entries = Object.entries(errors);
  const invalid = entries.length > 0;
  const errorId = `${props.id}-error`;
  const statusId = `${props.id}-status`;
  const lines = props.value.split("\n").length;
  const unchanged = Boolean(
    parsed.ok && live?.success && props.baseline && sameContent(componentContentSchemas[props.kind], parsed.value, props.baseline),
  );

  function format() {
    if (parsed.ok) props.onChange(JSON.stringify(parsed.value, null, 2));
  }

  return (
    <div>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <label htmlFor={props.id} className="block text-sm font-medium text-slate-800">
          {props.kindLabel} configuration (JSON)
        </label>
        <div className="flex gap-3 text-xs">
          <button type="button" onClick={format} disabled={!parsed.ok} className="font-medium text-indigo-700 hover:underline disabled:text-slate-400 disabled:no-underline">
            Format
          </button>
          {props.onReset ? (
            <button type="button" onClick={props.onReset} className="font-medium text-indigo-700 hover:underline">
              {props.resetLabel ?? "Reset"}
            </button>
          ) : null}
        </div>
      </div>
      <textarea
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        wrap="off"
        rows={Math.min(Math.max(lines + 1, 10), 28)}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? errorId : statusId}
        className={`${controlClass(inputClass, invalid)} mt-1 overflow-x-auto bg-slate-50 font-mono text-[13px] leading-5`}
      />
      {invalid ? (
        <div id={errorId} className="mt-2 rounded-md border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {parsed.ok ? (
            <p className="font-medium">{`${countIssues(entries)} to fix before this is a valid ${props.kindLabel.toLowerCase()} version:`}</p>
          ) : null}
          <ul className={`space-y-0.5 ${parsed.ok ? "mt-1" : ""}`}>
            {entries.flatMap(([path, messages]) =>
              messages.map((m, i) => (
                <li key={`${path}-${i}`} className="flex flex-wrap gap-x-2">
                  {parsed.ok || path ? <code className="font-mono text-xs text-rose-900">{formatPath(path)}</code> : null}
                  <span>{m}</span>
                </li>
              )),
            )}
          </ul>
        </div>
      ) : unchanged ? (
        <p id={statusId} className="mt-1 text-xs text-amber-800">
          Valid, but identical to the live version {props.baselineLabel}: change something before saving.
        </p>
      ) : (
        <p id={statusId} className="mt-1 text-xs text-emerald-700">
          ✓ Valid {props.kindLabel.toLowerCase()} configuration · {lines} lines
        </p>
      )}
    </div>
  );
}

function countIssues(entries: [string, string[]][]): string {
  const n = entries.reduce((sum, [, m]) => sum + m.length, 0);
  return n === 1 ? "1 problem" : `${n} problems`;
}
