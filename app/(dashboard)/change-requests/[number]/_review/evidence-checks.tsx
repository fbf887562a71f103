/** Shared by the evidence view (server) and the upload form's verdict (client). */
export interface ShownCheck {
  name: string;
  passed: boolean;
  detail: string;
  /** False: shown for information only; it does not count for this gate. */
  judged?: boolean;
}

/** A verdict's checks: each with a pass/fail mark, or "info" when it does not count for this gate. */
export function EvidenceChecks(props: { checks: readonly ShownCheck[] }) {
  return (
    <ul className="space-y-1.5 text-sm" aria-label="Checks">
      {props.checks.map((c) => {
        const info = c.judged === false;
        return (
          <li key={c.name} className="flex items-start gap-2">
            <span
              aria-hidden="true"
              className={`mt-0.5 inline-flex h-4 w-4 shrink-0 items-center justify-center rounded-full text-[10px] font-bold ${
                info ? "bg-slate-200 text-slate-600" : c.passed ? "bg-emerald-600 text-white" : "bg-rose-600 text-white"
              }`}
            >
              {info ? "i" : c.passed ? "✓" : "✗"}
            </span>
            <span className="min-w-0">
              <span className="font-medium text-slate-900">{c.name}</span>
              <span className="sr-only">{info ? " (information only)" : c.passed ? " (passed)" : " (failed)"}</span>
              <span className="text-slate-600"> — {c.detail}</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
