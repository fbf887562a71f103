"use client";

import { useEffect } from "react";
import { buttonClass } from "@/app/_components/ui";

/** Shown inside the dashboard shell when a page fails: the navigation stays usable. */
export default function DashboardError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-lg border border-rose-200 bg-white px-6 py-10 text-center shadow-sm">
      <h1 className="text-lg font-semibold text-slate-900">This page could not be loaded</h1>
      <p className="mt-2 text-sm text-slate-600">
        Something went wrong on our side and it was logged{error.digest ? ` (reference ${error.digest})` : ""}. Nothing you
        were doing was saved half-way: every change either completes or is not made.
      </p>
      <button type="button" onClick={reset} className={`mt-6 ${buttonClass.primary}`}>
        Try again
      </button>
    </div>
  );
}
