import type { ReactNode } from "react";

/**
 * A labelled form field: label, optional hint, and its errors, wired to the control through
 * aria-describedby and aria-invalid. The control is a render prop so any input fits.
 */
export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

export function Field(props: {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  errors?: readonly string[];
  optional?: boolean;
  /** Extra content on the label's line, right-aligned (e.g. a character count). */
  aside?: ReactNode;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const errors = props.errors ?? [];
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  const errorId = errors.length ? `${props.id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={props.className}>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={props.id} className="block text-sm font-medium text-slate-800">
          {props.label}
          {props.optional ? <span className="font-normal text-slate-400"> (optional)</span> : null}
        </label>
        {props.aside}
      </div>
      <div className="mt-1">
        {props.children({ id: props.id, "aria-describedby": describedBy, ...(errors.length ? { "aria-invalid": true as const } : {}) })}
      </div>
      <FieldErrors id={errorId} errors={errors} />
      {props.hint ? (
        <p id={hintId} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function FieldErrors(props: { id?: string; errors: readonly string[] }) {
  if (props.errors.length === 0) return null;
  return (
    <ul id={props.id} className="mt-1 space-y-0.5 text-sm text-rose-700">
      {props.errors.map((e, i) => (
        <li key={i} className="flex gap-1.5">
          <span aria-hidden="true">⚠</span>
          <span>{e}</span>
        </li>
      ))}
    </ul>
  );
}

/** Input styling with a red ring when the field has errors. */
export function controlClass(base: string, invalid: boolean): string {
  return invalid ? base.replace("ring-slate-300", "ring-rose-400").replace("focus:ring-indigo-600", "focus:ring-rose-600") : base;
}
