"use client";

import { inputClass } from "@/app/_components/ui";
import type { AuthoringService } from "@/lib/changes/authoring-queries";
import { MIN_ROLLBACK_PLAN_CHARS } from "@/lib/changes/rollback-plan";
import { kindInfo } from "@/lib/components/kinds";
import { Field, controlClass } from "./field";
import { liveVersionOf, type ComponentDraft } from "./form-model";

/**
 * The rollback plan. High-risk changes have a rollback_plan gate that passes once the plan is
 * written and the rollback targets (the live versions) check out; a starting plan names them.
 */
export function RollbackPlanField(props: {
  value: string;
  onChange: (value: string) => void;
  errors: string[];
  components: ComponentDraft[];
  service: AuthoringService | undefined;
}) {
  const targets = props.components.flatMap((c) => {
    const live = liveVersionOf(props.service, c.kind);
    return c.kind && live ? [`${kindInfo(c.kind).label.toLowerCase()} to ${live.label}`] : [];
  });
  const length = props.value.trim().length;
  const short = length > 0 && length < MIN_ROLLBACK_PLAN_CHARS;

  function insertStarter() {
    const lines = [
      targets.length ? `Roll back ${targets.join(" and ")} with the one-click component rollback on the canary view.` : "Roll back the changed components with the one-click component rollback on the canary view.",
      "Trigger: any promotion metric fails against the 7-day baseline, or a spike in false refusals or policy violations.",
      "Afterwards: confirm the pointer flipped, tag the regression cause, and add the failing cases to the evaluation set.",
    ];
    props.onChange(lines.join("\n"));
  }

  return (
    <Field
      id="cr-rollback"
      label="Rollback plan"
      errors={props.errors}
      hint={`When and how to take this change back. High-risk changes need at least ${MIN_ROLLBACK_PLAN_CHARS} characters here to pass the rollback plan gate.`}
      aside={
        props.value.trim() === "" ? (
          <button type="button" onClick={insertStarter} className="text-xs font-medium text-indigo-700 hover:underline">
            Insert a starting plan
          </button>
        ) : (
          <span className={`text-xs tabular-nums ${short ? "text-amber-700" : "text-slate-500"}`}>
            {length.toLocaleString("en-US")} characters{short ? ` (gate needs ${MIN_ROLLBACK_PLAN_CHARS})` : ""}
          </span>
        )
      }
    >
      {(control) => (
        <textarea
          {...control}
          rows={4}
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          placeholder={targets.length ? `e.g. Roll back ${targets.join(" and ")} if resolved rate drops more than 1 pp.` : undefined}
          className={controlClass(inputClass, props.errors.length > 0)}
        />
      )}
    </Field>
  );
}
