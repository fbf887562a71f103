"use client";

import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import { createWebhook, type CreatedWebhook } from "@/lib/notifications/actions";

export interface EventOption {
  event: string;
  label: string;
  description: string;
}

function FieldError(props: { id: string; messages?: string[] }) {
  if (!props.messages?.length) return null;
  return (
    <p id={props.id} className="mt-1 text-xs text-rose-700">
      {props.messages.join(" ")}
    </p>
  );
}

/** The one moment the signing secret is visible. */
function SecretOnce(props: { created: CreatedWebhook; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(props.created.secret);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-4" data-testid="webhook-secret">
      <p className="text-sm font-semibold text-amber-900">Webhook created. Copy this secret now; it will not be shown again.</p>
      <p className="mt-1 text-xs text-amber-900/80">
        Your receiver uses it to verify the <code className="font-mono">Changegate-Signature</code> header of every delivery.
      </p>
      <div className="mt-3 flex flex-col gap-2 sm:flex-row sm:items-center">
        <code className="block min-w-0 flex-1 select-all break-all rounded bg-white px-3 py-2 font-mono text-xs text-slate-900 ring-1 ring-inset ring-amber-300">
          {props.created.secret}
        </code>
        <div className="flex shrink-0 gap-2">
          <button type="button" onClick={copy} className={buttonClass.secondary}>
            {copied ? "Copied" : "Copy secret"}
          </button>
          <button type="button" onClick={props.onDone} className={buttonClass.primary}>
            I have stored it
          </button>
        </div>
      </div>
    </div>
  );
}

/** New webhook: receiver URL, service scope and events. Errors show at their field. */
export function CreateWebhookForm(props: { services: { id: string; slug: string; name: string }[]; events: EventOption[] }) {
  const [result, dispatch, pending] = useActionState<Result<CreatedWebhook> | null, FormData>(createWebhook, null);
  // The secret is shown once, until the admin dismisses it (remembered by the webhook's id).
  const [dismissedSecretFor, setDismissedSecretFor] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const errors = result && !result.ok ? result.error.fieldErrors ?? {} : {};
  const eventErrors = Object.entries(errors)
    .filter(([key]) => key === "events" || key.startsWith("events."))
    .flatMap(([, messages]) => messages);

  // Clear the form after a webhook was created; keep what was typed when it was refused.
  useEffect(() => {
    if (result?.ok) formRef.current?.reset();
  }, [result]);

  const created = result?.ok && dismissedSecretFor !== result.data.id ? result.data : null;

  return (
    <div className="space-y-4">
      {created ? <SecretOnce created={created} onDone={() => setDismissedSecretFor(created.id)} /> : null}
      <form
        ref={formRef}
        // Without JavaScript yet, the form still posts to the server action. Once hydrated,
        // onSubmit takes over so a refused form keeps what was typed (no automatic reset).
        action={dispatch}
        noValidate
        aria-label="New webhook"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          startTransition(() => dispatch(data));
        }}
        className="space-y-4"
      >
        <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <div>
            <label htmlFor="webhook-url" className="block text-sm font-medium text-slate-900">
              Receiver URL
            </label>
            <input
              id="webhook-url"
              name="url"
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://hooks.example.com/changegate"
              aria-invalid={errors.url ? true : undefined}
              aria-describedby={errors.url ? "webhook-url-error" : "webhook-url-hint"}
              className={`${inputClass} mt-1 ${errors.url ? "ring-rose-400" : ""}`}
            />
            {errors.url ? (
              <FieldError id="webhook-url-error" messages={errors.url} />
            ) : (
              <p id="webhook-url-hint" className="mt-1 text-xs text-slate-500">
                https only; plain http is accepted for localhost and 127.0.0.1.
              </p>
            )}
          </div>
          <div>
            <label htmlFor="webhook-service" className="block text-sm font-medium text-slate-900">
              Service
            </label>
            <select
              id="webhook-service"
              name="serviceId"
              defaultValue=""
              aria-invalid={errors.serviceId ? true : undefined}
              aria-describedby={errors.serviceId ? "webhook-service-error" : undefined}
              className={`${inputClass} mt-1`}
            >
              <option value="">All services</option>
              {props.services.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name} ({s.slug})
                </option>
              ))}
            </select>
            <FieldError id="webhook-service-error" messages={errors.serviceId} />
          </div>
        </div>

        <fieldset aria-describedby={eventErrors.length ? "webhook-events-error" : undefined}>
          <legend className="text-sm font-medium text-slate-900">Events</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-3">
            {props.events.map((e) => (
              <label
                key={e.event}
                className="flex cursor-pointer items-start gap-3 rounded-md px-3 py-2 ring-1 ring-inset ring-slate-200 hover:bg-slate-50 has-[:checked]:bg-indigo-50/60 has-[:checked]:ring-indigo-200"
              >
                <input
                  type="checkbox"
                  name="events"
                  value={e.event}
                  defaultChecked
                  className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
                />
                <span className="min-w-0">
                  <span className="block text-sm font-medium text-slate-900">{e.label}</span>
                  <span className="block text-xs text-slate-500">{e.description}</span>
                </span>
              </label>
            ))}
          </div>
          <FieldError id="webhook-events-error" messages={eventErrors} />
        </fieldset>

        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" disabled={pending} className={buttonClass.primary}>
            {pending ? "Creating…" : "Create webhook"}
          </button>
          <div aria-live="polite" className="text-sm">
            {result && !result.ok ? (
              <p role="alert" className="text-rose-700">
                {result.error.message}
              </p>
            ) : null}
          </div>
        </div>
      </form>
    </div>
  );
}
