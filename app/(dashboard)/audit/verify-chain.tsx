"use client";

import { useActionState } from "react";
import { buttonClass } from "@/app/_components/ui";
import type { ChainVerdict } from "@/lib/audit/chain";
import type { Result } from "@/lib/errors";
import { verifyChain } from "./actions";

/** Runs the chain verification on the server and says plainly what it found. */
export function VerifyChain() {
  const [result, verify, pending] = useActionState<Result<ChainVerdict> | null>(verifyChain, null);
  return (
    <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
      <form action={verify}>
        <button type="submit" disabled={pending} aria-busy={pending} aria-label="Verify chain" className={buttonClass.primary}>
          <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.75} className="h-4 w-4">
            <path strokeLinecap="round" strokeLinejoin="round" d="M9 12.75L11.25 15 15 9.75m-3-7.036A11.959 11.959 0 013.598 6 11.99 11.99 0 003 9.749c0 5.592 3.824 10.29 9 11.623 5.176-1.332 9-6.03 9-11.622 0-1.31-.21-2.571-.598-3.751h-.152c-3.196 0-6.1-1.248-8.25-3.285z" />
          </svg>
          {pending ? "Verifying…" : "Verify chain"}
        </button>
      </form>
      {/* Always present so assistive technology announces the verdict when it arrives. */}
      <div role="status" aria-live="polite" className="min-w-0 text-sm">
        {pending ? <span className="text-slate-600">Checking every entry against the one before it…</span> : <Verdict result={result} />}
      </div>
    </div>
  );
}

function Verdict({ result }: { result: Result<ChainVerdict> | null }) {
  if (!result) return null;
  if (!result.ok) {
    return <p className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 ring-1 ring-inset ring-amber-200">{result.error.message}</p>;
  }
  const verdict = result.data;
  if (verdict.intact) {
    return (
      <p className="flex items-center gap-2 rounded-md bg-emerald-50 px-3 py-2 font-medium text-emerald-800 ring-1 ring-inset ring-emerald-200">
        <span aria-hidden="true">✓</span>
        Chain intact — {verdict.checked.toLocaleString("en-US")} {verdict.checked === 1 ? "entry" : "entries"} verified
      </p>
    );
  }
  return (
    <p className="rounded-md bg-rose-50 px-3 py-2 text-rose-800 ring-1 ring-inset ring-rose-200">
      <span className="font-semibold">
        <span aria-hidden="true">✗ </span>
        Chain broken at{" "}
        <a href={`/audit?at=${verdict.brokenAtId}#entry-${verdict.brokenAtId}`} className="underline underline-offset-2 hover:text-rose-950">
          entry #{verdict.brokenAtId}
        </a>
        :
      </span>{" "}
      {verdict.problem}. {verdict.checked.toLocaleString("en-US")} earlier {verdict.checked === 1 ? "entry" : "entries"} verified.
    </p>
  );
}
