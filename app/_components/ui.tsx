import Link from "next/link";
import type { ReactNode } from "react";

/** Small shared building blocks so pages look alike. Server-safe (no hooks). */

export function PageHeader(props: { title: string; description?: ReactNode; actions?: ReactNode; eyebrow?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        {props.eyebrow ? <div className="mb-1 text-sm text-slate-500">{props.eyebrow}</div> : null}
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{props.title}</h1>
        {props.description ? <p className="mt-1 max-w-3xl text-sm text-slate-600">{props.description}</p> : null}
      </div>
      {props.actions ? <div className="flex shrink-0 flex-wrap gap-2">{props.actions}</div> : null}
    </div>
  );
}

export function Card(props: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string; padded?: boolean }) {
  return (
    <section className={`rounded-lg border border-slate-200 bg-white shadow-sm ${props.className ?? ""}`}>
      {props.title || props.actions ? (
        <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 px-4 py-3">
          <h2 className="text-sm font-semibold text-slate-900">{props.title}</h2>
          {props.actions}
        </header>
      ) : null}
      <div className={props.padded === false ? "" : "p-4"}>{props.children}</div>
    </section>
  );
}

const TONES = {
  neutral: "bg-slate-100 text-slate-700 ring-slate-200",
  info: "bg-sky-50 text-sky-800 ring-sky-200",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  warning: "bg-amber-50 text-amber-900 ring-amber-200",
  danger: "bg-rose-50 text-rose-800 ring-rose-200",
  accent: "bg-indigo-50 text-indigo-800 ring-indigo-200",
} as const;
export type Tone = keyof typeof TONES;

export function Badge(props: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span
      title={props.title}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[props.tone ?? "neutral"]}`}
    >
      {props.children}
    </span>
  );
}

export function EmptyState(props: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center">
      <h3 className="text-sm font-semibold text-slate-900">{props.title}</h3>
      {props.children ? <div className="mx-auto mt-1 max-w-xl text-sm text-slate-600">{props.children}</div> : null}
      {props.action ? <div className="mt-4">{props.action}</div> : null}
    </div>
  );
}

export const buttonClass = {
  primary:
    "inline-flex items-center justify-center gap-2 rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 disabled:cursor-not-allowed disabled:opacity-60",
  secondary:
    "inline-flex items-center justify-center gap-2 rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-60",
  danger:
    "inline-flex items-center justify-center gap-2 rounded-md bg-rose-600 px-3 py-2 text-sm font-medium text-white shadow-sm hover:bg-rose-500 disabled:cursor-not-allowed disabled:opacity-60",
} as const;

export const inputClass =
  "block w-full rounded-md border-0 px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600";

export function ButtonLink(props: { href: string; children: ReactNode; variant?: keyof typeof buttonClass }) {
  return (
    <Link href={props.href} className={buttonClass[props.variant ?? "secondary"]}>
      {props.children}
    </Link>
  );
}

/** A table that scrolls sideways on narrow screens instead of breaking the layout. */
export function DataTable(props: { children: ReactNode; label: string }) {
  return (
    <div className="overflow-x-auto">
      <table aria-label={props.label} className="min-w-full divide-y divide-slate-200 text-sm">
        {props.children}
      </table>
    </div>
  );
}

export const th = "px-4 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
export const td = "px-4 py-2 align-top text-slate-700";

export function Mono(props: { children: ReactNode; title?: string }) {
  return (
    <code title={props.title} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-800">
      {props.children}
    </code>
  );
}

/** Absolute time in UTC with a relative hint; the title carries the exact ISO time. */
export function Time(props: { value: Date; now?: Date }) {
  const iso = props.value.toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return (
    <time dateTime={iso} title={iso} className="whitespace-nowrap">
      {text}
    </time>
  );
}

/**
 * Class names that turn a table into labelled cards on phones (below md) instead of a table that
 * scrolls sideways with columns out of sight. Each cell needs a data-label with its column name.
 */
export const stacked = {
  wrapper: "md:overflow-x-auto",
  table: "min-w-full divide-y divide-slate-200 text-sm max-md:block",
  head: "bg-slate-50 max-md:hidden",
  th,
  body: "divide-y divide-slate-100 max-md:block",
  row: "max-md:grid max-md:grid-cols-2 max-md:gap-x-4 max-md:gap-y-1 max-md:px-4 max-md:py-3",
  cell:
    `${td} max-md:block max-md:px-0 max-md:py-1 max-md:before:mb-0.5 max-md:before:block max-md:before:text-[11px] ` +
    "max-md:before:font-semibold max-md:before:uppercase max-md:before:tracking-wide max-md:before:text-slate-500 " +
    "max-md:before:content-[attr(data-label)]",
  /** For a cell that should take the whole card width on phones. */
  wide: "max-md:col-span-full",
} as const;

/**
 * Text with its hyphenated tokens ("[KB-1234]", "sec-v12", "kb-2026-10-01") kept whole: browsers
 * otherwise break a line after the hyphen. Tokens longer than `max` characters may still break,
 * so they never overflow. Only adds spans: the text content stays the same.
 */
export function KeepTokens(props: { text: string; max?: number }) {
  const max = props.max ?? 36;
  const parts = props.text.split(/(\S+)/);
  if (parts.length === 1) return props.text;
  return parts.map((part, i) =>
    part.length > 1 && part.length <= max && /[^\s]-[^\s]/.test(part) ? (
      <span key={i} className="whitespace-nowrap">
        {part}
      </span>
    ) : (
      part
    ),
  );
}
