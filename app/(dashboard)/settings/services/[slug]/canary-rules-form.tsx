"use client";

import { useRouter } from "next/navigation";
import { startTransition, useActionState, useEffect } from "react";
import { buttonClass, inputClass } from "@/app/_components/ui";
import type { Result } from "@/lib/errors";
import { updateCanaryRulesAction } from "@/lib/services/actions";

export interface CanaryRulesValues {
  canaryAdvance: "automatic" | "manual";
  minStageMinutes: number;
  minStageRequests: number;
  resolvedRateMaxDropPp: number;
  policyViolationMaxIncreasePp: number;
  costPerResolvedMaxIncreasePct: number;
  p95LatencyMaxIncreasePct: number;
  guards: { field: string; label: string; valuePp: number | null }[];
}

function NumberField(props: { name: string; label: string; unit: string; hint?: string; value: number | null; errors?: string[]; step?: string; optional?: boolean }) {
  const id = `rule-${props.name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {props.label}
      </label>
      <div className="mt-1 flex w-44 items-center gap-2">
        <input
          id={id}
          name={props.name}
          type="number"
          inputMode="decimal"
          step={props.step ?? "any"}
          min={0}
          defaultValue={props.value ?? ""}
          placeholder={props.optional ? "not judged" : undefined}
          aria-invalid={props.errors?.length ? true : undefined}
          aria-describedby={props.errors?.length ? `${id}-error` : undefined}
          className={inputClass}
        />
        <span className="text-sm text-slate-600">{props.unit}</span>
      </div>
      {props.hint ? <p className="mt-1 text-xs text-slate-500">{props.hint}</p> : null}
      {props.errors?.length ? (
        <p id={`${id}-error`} className="mt-1 text-xs text-rose-700">
          {props.errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/** The canary rules of one service; errors at their field, nothing saved until all are valid. */
export function CanaryRulesForm(props: { serviceId: string; revision: string; values: CanaryRulesValues }) {
  const router = useRouter();
  const [result, action, pending] = useActionState<Result<{ revision: string }> | null, FormData>(updateCanaryRulesAction, null);
  // After a save the page refreshes with the new revision; until then the answer carries it.
  const revision = result?.ok ? result.data.revision : props.revision;
  useEffect(() => {
    if (result?.ok) router.refresh();
  }, [result, router]);
  const errors = result && !result.ok ? (result.error.fieldErrors ?? {}) : {};
  const v = props.values;

  return (
    <form
      action={action}
      // onSubmit takes over so a refused form keeps what was typed (no automatic reset).
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(() => action(data));
      }}
      noValidate
      aria-label="Canary rules"
      className="space-y-6"
    >
      <input type="hidden" name="serviceId" value={props.serviceId} />
      <input type="hidden" name="expectedRevision" value={revision} />

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-900">Promotion rule — every metric must pass</legend>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <NumberField name="resolvedRateMaxDropPp" label="resolved_rate may drop at most" unit="pp" value={v.resolvedRateMaxDropPp} errors={errors.resolvedRateMaxDropPp} />
          <NumberField
            name="policyViolationMaxIncreasePp"
            label="policy_violation_rate may rise at most"
            unit="pp"
            hint="0 = no increase"
            value={v.policyViolationMaxIncreasePp}
            errors={errors.policyViolationMaxIncreasePp}
          />
          <NumberField name="costPerResolvedMaxIncreasePct" label="cost_per_resolved_request may rise at most" unit="%" value={v.costPerResolvedMaxIncreasePct} errors={errors.costPerResolvedMaxIncreasePct} />
          <NumberField name="p95LatencyMaxIncreasePct" label="p95_latency_ms may rise at most" unit="%" value={v.p95LatencyMaxIncreasePct} errors={errors.p95LatencyMaxIncreasePct} />
        </div>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-900">Guard metrics — shown beside the rule; judged only with a threshold</legend>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          {v.guards.map((g) => (
            <NumberField key={g.field} name={g.field} label={`${g.label} may rise at most`} unit="pp" value={g.valuePp} errors={errors[g.field]} optional />
          ))}
        </div>
        <p className="text-xs text-slate-500">Leave a guard empty to show it for information only.</p>
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold text-slate-900">Stages</legend>
        <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
          <NumberField name="minStageMinutes" label="Minimum stage duration" unit="minutes" step="1" value={v.minStageMinutes} errors={errors.minStageMinutes} />
          <NumberField name="minStageRequests" label="Minimum canary requests per stage" unit="requests" step="1" value={v.minStageRequests} errors={errors.minStageRequests} />
        </div>
        <div>
          <span className="block text-sm font-medium text-slate-800">When a stage passes</span>
          <div className="mt-1 flex flex-col gap-1 sm:flex-row sm:gap-6">
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input type="radio" name="canaryAdvance" value="automatic" defaultChecked={v.canaryAdvance === "automatic"} />
              advance automatically
            </label>
            <label className="flex items-center gap-2 text-sm text-slate-700">
              <input type="radio" name="canaryAdvance" value="manual" defaultChecked={v.canaryAdvance === "manual"} />
              wait for an operator (manual)
            </label>
          </div>
          {errors.canaryAdvance ? <p className="mt-1 text-xs text-rose-700">{errors.canaryAdvance.join(" ")}</p> : null}
        </div>
      </fieldset>

      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={pending} className={buttonClass.primary}>
          {pending ? "Saving…" : "Save canary rules"}
        </button>
        <div aria-live="polite" className="text-sm">
          {result?.ok ? (
            <p role="status" className="text-emerald-700">
              Saved. Running canaries are judged by the new rules from the judge&apos;s next look.
            </p>
          ) : null}
          {result && !result.ok ? (
            <p role="alert" className="text-rose-700">
              {result.error.message}
            </p>
          ) : null}
        </div>
      </div>
    </form>
  );
}
