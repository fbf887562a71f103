"use client";

import { useActionState, useState } from "react";
import { buttonClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import { setUserDisabled, type AccountStatusChange } from "@/lib/users/actions";

/** Disable or re-enable an account. Disabling asks once more, since it signs the person out. */
export function UserStatusForm(props: { userId: string; name: string; disabled: boolean; isSelf: boolean }) {
  const [result, action, pending] = useActionState<Result<AccountStatusChange> | null, FormData>(setUserDisabled, null);
  const [confirming, setConfirming] = useState(false);
  const disabling = !props.disabled;

  if (props.isSelf) return <span className="text-xs text-slate-500">This is you</span>;

  return (
    <form action={action} onSubmit={() => setConfirming(false)} className="relative md:min-w-40">
      <input type="hidden" name="userId" value={props.userId} />
      <input type="hidden" name="disabled" value={String(disabling)} />
      {disabling && !confirming ? (
        <button
          type="button"
          onClick={() => setConfirming(true)}
          aria-label={`Disable ${props.name}`}
          className={`${buttonClass.secondary} py-1.5`}
        >
          Disable
        </button>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <button
            type="submit"
            disabled={pending}
            aria-label={`${disabling ? "Confirm disabling" : "Enable"} ${props.name}`}
            className={`${disabling ? buttonClass.danger : buttonClass.secondary} whitespace-nowrap py-1.5`}
          >
            {pending ? "Saving…" : disabling ? "Confirm disable" : "Enable"}
          </button>
          {disabling ? (
            <button type="button" onClick={() => setConfirming(false)} className="text-sm text-slate-600 hover:text-slate-900">
              Cancel
            </button>
          ) : null}
        </div>
      )}
      <div aria-live="polite" className="text-xs">
        {result?.ok ? (
          <p role="status" className="mt-1 text-emerald-700">
            {result.data.disabled ? "Disabled; their sessions end now" : "Enabled"}
          </p>
        ) : null}
        {result && !result.ok ? (
          <p role="alert" className="mt-1 max-w-xs text-rose-700">
            {result.error.message}
          </p>
        ) : null}
      </div>
    </form>
  );
}
