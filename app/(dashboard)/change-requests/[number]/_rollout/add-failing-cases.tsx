"use client";

import Link from "next/link";
import { useActionState, useId } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { addFailingCasesAction } from "@/lib/canary/actions";
import type { FailingCasesAdded } from "@/lib/canary/failing-cases";
import type { Result } from "@/lib/errors";

/** From a failed canary stage: its failing requests become cases of one of the service's eval sets. */
export function AddFailingCases(props: { changeRequestId: string; evalSets: { id: string; name: string }[] }) {
  const id = useId();
  const [result, action, pending] = useActionState<Result<FailingCasesAdded> | null, FormData>(addFailingCasesAction, null);
  if (props.evalSets.length === 0) return <p className="text-xs">This service has no eval set to add the failing cases to yet.</p>;
  return (
    <form action={action} aria-label="Add failing cases to an eval set" className="mt-2 flex flex-wrap items-end gap-2">
      <input type="hidden" name="changeRequestId" value={props.changeRequestId} />
      <div>
        <label htmlFor={id} className="block text-xs font-medium">
          Eval set
        </label>
        <select id={id} name="evalSetId" className={inputClass} defaultValue={props.evalSets[0]!.id}>
          {props.evalSets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" disabled={pending} className={buttonClass.secondary}>
        {pending ? "Adding…" : "Add failing cases to eval set"}
      </button>
      <div aria-live="polite" className="basis-full text-sm empty:hidden">
        {result?.ok ? (
          <p role="status">
            {result.data.added > 0 ? `Added ${result.data.added} failing case${result.data.added === 1 ? "" : "s"}` : "No new failing cases"}
            {result.data.alreadyThere > 0 ? ` (${result.data.alreadyThere} already there)` : ""} to{" "}
            <Link href={`/eval-sets/${result.data.evalSetId}`} className="font-semibold underline underline-offset-2">
              {result.data.evalSetName}
            </Link>
            .
          </p>
        ) : null}
        {result && !result.ok ? <p role="alert">{result.error.message}</p> : null}
      </div>
    </form>
  );
}
