"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState, useTransition } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import type { ComponentKind } from "@/lib/components/kinds";
import type { AppErrorBody, Result } from "@/lib/errors";
import { rollbackBundleAction, rollbackComponentAction } from "@/lib/releases/actions";
import type { RollbackOutcome } from "@/lib/releases/commands";
import { ROLLBACK_REASON_PRESETS } from "@/lib/releases/input";

/** What the button rolls back: one component to a version, or the whole bundle to a release. */
export type RollbackTarget =
  | { scope: "component"; kind: ComponentKind; toVersionId: string; toLabel: string }
  | { scope: "bundle"; toReleaseId: string };

const OTHER = "__other__";

/**
 * The one-click rollback: a button that opens one confirmation dialog (a native modal <dialog>:
 * focus stays inside, Esc closes). The click time and the pointer revision the page showed go
 * with the request, so the KPI measures from the click and a stale page gets a 409, not a surprise.
 */
export function RollbackButton(props: {
  serviceId: string;
  expectedPointerRevision: number | null;
  /** Null when there is nothing to roll back to: no button, but a dialog already open stays. */
  target: RollbackTarget | null;
  /** The button's text and accessible name, e.g. "Roll back policy to sec-v12". */
  label: string;
  size?: "sm" | "md";
}) {
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const clickedAt = useRef<number | null>(null);
  const [preset, setPreset] = useState<string>(ROLLBACK_REASON_PRESETS[0]);
  const [typed, setTyped] = useState("");
  const [result, setResult] = useState<Result<RollbackOutcome> | null>(null);
  // What the operator confirmed: the page refreshes behind the dialog and may show a new target.
  const [opened, setOpened] = useState<{ target: RollbackTarget; label: string } | null>(null);
  const [pending, startTransition] = useTransition();
  const titleId = useId();
  const otherId = useId();

  function open() {
    if (!props.target) return;
    clickedAt.current = Date.now();
    setOpened({ target: props.target, label: props.label });
    setResult(null);
    dialogRef.current?.showModal();
  }

  function close() {
    dialogRef.current?.close();
  }

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!opened) return;
    const reason = preset === OTHER ? typed.trim() : preset;
    const common = {
      serviceId: props.serviceId,
      reason,
      expectedPointerRevision: props.expectedPointerRevision ?? undefined,
      clickedAt: clickedAt.current ?? Date.now(),
    };
    startTransition(async () => {
      const t = opened.target;
      try {
        const outcome =
          t.scope === "component"
            ? await rollbackComponentAction(null, { ...common, kind: t.kind, toVersionId: t.toVersionId })
            : await rollbackBundleAction(null, { ...common, toReleaseId: t.toReleaseId });
        setResult(outcome);
        if (outcome.ok) router.refresh();
      } catch {
        // The request never got an answer (network, server restart): nothing is known to have changed.
        setResult({ ok: false, error: { code: "internal", message: "Changegate did not answer. Reload the page to see whether the rollback happened before trying again." } });
      }
    });
  }

  const t = opened?.target ?? props.target;
  const label = opened?.label ?? props.label;
  const done = result?.ok ? result.data : null;
  const error: AppErrorBody | null = result && !result.ok ? result.error : null;
  const small = props.size === "sm" ? " px-2 py-1 text-xs" : "";

  return (
    <>
      {props.target ? (
        <button type="button" onClick={open} className={`${buttonClass.secondary}${small} max-w-full text-rose-700 sm:whitespace-nowrap`}>
          {props.label}
        </button>
      ) : null}
      <dialog
        ref={dialogRef}
        aria-labelledby={titleId}
        aria-modal="true"
        onClose={() => setResult((r) => (r?.ok ? r : null))}
        className="m-auto w-[min(32rem,calc(100vw-2rem))] whitespace-normal rounded-lg p-0 text-left shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40"
      >
        <form onSubmit={submit} className="space-y-4 p-5 text-sm">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {label}?
          </h2>
          <p className="text-slate-600">
            {!t ? null : t.scope === "component"
              ? `A new release is written with only ${t.kind} set to ${t.toLabel}; every other component stays as it is. The pointer flips at once.`
              : `A new release is written with every component as in ${t.toReleaseId}. The pointer flips at once.`}
          </p>
          {done ? null : (
            <fieldset className="space-y-1.5" disabled={pending}>
              <legend className="mb-1 font-medium text-slate-800">Reason</legend>
              {ROLLBACK_REASON_PRESETS.map((p) => (
                <label key={p} className="flex items-center gap-2 text-slate-700">
                  <input type="radio" name="reason" value={p} checked={preset === p} onChange={() => setPreset(p)} />
                  {p}
                </label>
              ))}
              <label className="flex items-center gap-2 text-slate-700">
                <input type="radio" name="reason" value={OTHER} checked={preset === OTHER} onChange={() => setPreset(OTHER)} />
                Other:
              </label>
              <label htmlFor={otherId} className="sr-only">
                Other reason
              </label>
              <input
                id={otherId}
                type="text"
                value={typed}
                maxLength={500}
                placeholder="Type the reason"
                onChange={(e) => {
                  setTyped(e.target.value);
                  setPreset(OTHER);
                }}
                className={inputClass}
              />
            </fieldset>
          )}
          {error ? (
            <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900 ring-1 ring-inset ring-rose-200">
              {error.message}
              {error.fieldErrors
                ? Object.values(error.fieldErrors)
                    .flat()
                    .map((m) => ` ${m}`)
                    .join("")
                : null}
            </p>
          ) : null}
          <p role="status" className={done ? "rounded-md bg-emerald-50 px-3 py-2 text-emerald-900 ring-1 ring-inset ring-emerald-200" : "sr-only"}>
            {done ? (
              <>
                Rolled back in {done.durationMs} ms — new release <span className="font-mono">{done.releaseId}</span>
              </>
            ) : pending ? (
              "Rolling back…"
            ) : null}
          </p>
          <div className="flex justify-end gap-2">
            <button type="button" onClick={close} className={buttonClass.secondary}>
              {done ? "Close" : "Cancel"}
            </button>
            {done ? null : (
              <button type="submit" disabled={pending || (preset === OTHER && typed.trim().length < 3)} className={buttonClass.danger}>
                {pending ? "Rolling back…" : "Roll back"}
              </button>
            )}
          </div>
        </form>
      </dialog>
    </>
  );
}
