"use client";

import { useActionState, useState } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import { ROLE_LABELS, ROLES, type Role } from "@/lib/auth/permissions";
import type { Result } from "@/lib/errors";
import { changeUserRole, type RoleChange } from "@/lib/users/actions";

/** One row's role picker. The server refuses it for non-admins and for a stale expectedRole. */
export function RoleForm(props: { userId: string; name: string; role: Role }) {
  const [result, action, pending] = useActionState<Result<RoleChange> | null, FormData>(changeUserRole, null);
  const selectId = `role-${props.userId}`;
  // The button stays off until a role other than the stored one is picked. The picker shows the
  // stored role again when that changes (after a save) and when React resets the form after an
  // action (a refusal included), so the button follows it.
  const [selected, setSelected] = useState<Role>(props.role);
  const [storedRole, setStoredRole] = useState<Role>(props.role);
  if (props.role !== storedRole) {
    setStoredRole(props.role);
    setSelected(props.role);
  }
  const unchanged = selected === props.role;
  return (
    <form action={action} onReset={() => setSelected(props.role)} className="relative md:min-w-64">
      <input type="hidden" name="userId" value={props.userId} />
      <input type="hidden" name="expectedRole" value={props.role} />
      <div className="flex items-center gap-2">
        <label htmlFor={selectId} className="sr-only">
          Role for {props.name}
        </label>
        <select
          // Re-mount when the saved role changes, so the picker shows what is stored now.
          key={props.role}
          id={selectId}
          name="role"
          defaultValue={props.role}
          onChange={(event) => setSelected(event.target.value as Role)}
          disabled={pending}
          className={`${inputClass} w-auto min-w-44 py-1.5`}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
        <button
          type="submit"
          disabled={pending || unchanged}
          title={unchanged ? `Pick a role other than ${ROLE_LABELS[props.role]} first` : undefined}
          aria-label={`Change role of ${props.name}`}
          className={`${buttonClass.secondary} whitespace-nowrap py-1.5`}
        >
          {pending ? "Saving…" : "Change role"}
        </button>
      </div>
      <div aria-live="polite" className="text-xs">
        {result?.ok ? (
          <p role="status" className="mt-1 text-emerald-700">
            Role changed to {ROLE_LABELS[result.data.role]}
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
