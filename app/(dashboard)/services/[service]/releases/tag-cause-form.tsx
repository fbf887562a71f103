"use client";

import { useActionState, useId } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { tagRollbackCauseAction } from "@/lib/releases/actions";
import { ROLLBACK_CAUSE_PRESETS } from "@/lib/releases/input";

/** Tags a rollback's regression cause (Overview's untagged list); the row leaves the list on success. */
export function TagCauseForm(props: { rollbackId: string; describedBy?: string }) {
  const [result, action, pending] = useActionState(tagRollbackCauseAction, null);
  const selectId = useId();
  const error = result && !result.ok ? result.error : null;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="rollbackId" value={props.rollbackId} />
      <label htmlFor={selectId} className="sr-only">
        Regression cause
      </label>
      <select id={selectId} name="causeTag" required defaultValue="" aria-describedby={props.describedBy} className={`${inputClass} w-auto py-1 text-xs`}>
        <option value="" disabled>
          Tag cause…
        </option>
        {ROLLBACK_CAUSE_PRESETS.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
      <button type="submit" disabled={pending} className={`${buttonClass.secondary} px-2 py-1 text-xs`}>
        {pending ? "Saving…" : "Save"}
      </button>
      {error ? (
        <p role="alert" className="w-full text-xs text-rose-700">
          {error.fieldErrors?.causeTag?.[0] ?? error.message}
        </p>
      ) : null}
    </form>
  );
}
