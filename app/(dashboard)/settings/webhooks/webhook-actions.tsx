"use client";

import { useActionState, useState } from "react";
import { buttonClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import {
  deleteWebhook,
  sendTestWebhook,
  setWebhookActive,
  type DeletedWebhook,
  type TestDelivery,
  type WebhookStatusChange,
} from "@/lib/notifications/actions";

const small = "py-1.5 whitespace-nowrap";

function testOutcome(data: TestDelivery): { tone: "ok" | "bad"; text: string } {
  if (data.status === "delivered") return { tone: "ok", text: `Delivered: the receiver answered HTTP ${data.statusCode}.` };
  const why = (data.error ?? (data.statusCode ? `HTTP ${data.statusCode}` : "no answer")).replace(/\.$/, "");
  return { tone: "bad", text: data.status === "failed" ? `Failed: ${why}.` : `Not delivered: ${why}. It will be retried.` };
}

/** Send test · Deactivate/Activate · Delete (only while the webhook has no delivery history). */
export function WebhookActions(props: { id: string; url: string; active: boolean; deletable: boolean }) {
  const [test, sendTest, testing] = useActionState<Result<TestDelivery> | null, FormData>(sendTestWebhook, null);
  const [toggle, setActive, toggling] = useActionState<Result<WebhookStatusChange> | null, FormData>(setWebhookActive, null);
  const [removal, remove, removing] = useActionState<Result<DeletedWebhook> | null, FormData>(deleteWebhook, null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  const outcome = props.active && test?.ok ? testOutcome(test.data) : null;
  const errors = [test, toggle, removal].flatMap((r) => (r && !r.ok ? [r.error.message] : []));

  return (
    <div className="md:min-w-56">
      <div className="flex flex-wrap items-center gap-2">
        {props.active ? (
          <form action={sendTest}>
            <input type="hidden" name="id" value={props.id} />
            <button type="submit" disabled={testing} aria-label={`Send a test to ${props.url}`} className={`${buttonClass.secondary} ${small}`}>
              {testing ? "Sending…" : "Send test"}
            </button>
          </form>
        ) : null}
        <form action={setActive}>
          <input type="hidden" name="id" value={props.id} />
          <input type="hidden" name="active" value={String(!props.active)} />
          <button
            type="submit"
            disabled={toggling}
            aria-label={`${props.active ? "Deactivate" : "Activate"} ${props.url}`}
            className={`${buttonClass.secondary} ${small}`}
          >
            {toggling ? "Saving…" : props.active ? "Deactivate" : "Activate"}
          </button>
        </form>
        {props.deletable ? (
          confirmingDelete ? (
            <form action={remove} onSubmit={() => setConfirmingDelete(false)} className="flex items-center gap-2">
              <input type="hidden" name="id" value={props.id} />
              <button type="submit" disabled={removing} aria-label={`Confirm deleting ${props.url}`} className={`${buttonClass.danger} ${small}`}>
                {removing ? "Deleting…" : "Confirm delete"}
              </button>
              <button type="button" onClick={() => setConfirmingDelete(false)} className="text-sm text-slate-600 hover:text-slate-900">
                Cancel
              </button>
            </form>
          ) : (
            <button
              type="button"
              onClick={() => setConfirmingDelete(true)}
              aria-label={`Delete ${props.url}`}
              className="px-1 text-sm font-medium text-rose-700 hover:text-rose-600"
            >
              Delete
            </button>
          )
        ) : null}
      </div>
      <div aria-live="polite" className="text-xs">
        {outcome ? (
          <p role="status" className={`mt-1 max-w-xs ${outcome.tone === "ok" ? "text-emerald-700" : "text-amber-800"}`}>
            {outcome.text}
          </p>
        ) : null}
        {toggle?.ok && toggle.data.cancelledDeliveries > 0 ? (
          <p role="status" className="mt-1 max-w-xs text-slate-600">
            Deactivated; {toggle.data.cancelledDeliveries} pending {toggle.data.cancelledDeliveries === 1 ? "delivery was" : "deliveries were"} cancelled.
          </p>
        ) : null}
        {errors.map((message) => (
          <p key={message} role="alert" className="mt-1 max-w-xs text-rose-700">
            {message}
          </p>
        ))}
      </div>
    </div>
  );
}
