"use client";

import { Card, inputClass } from "@/app/_components/ui";
import type { AuthoringService } from "@/lib/changes/authoring-queries";
import { DomainsField } from "./domains-field";
import type { TopLevelField } from "./error-routing";
import { Field, FieldErrors, controlClass } from "./field";
import type { FormValues } from "./form-model";

type ImpactValues = Pick<FormValues, "touchedDomains" | "securityImpact" | "expectedMetricShift">;

/** What the change touches and what it should do to the metrics: inputs to the risk tier and the canary. */
export function ImpactSection(props: ImpactValues & {
  onChange: (patch: Partial<ImpactValues>) => void;
  service: AuthoringService | undefined;
  errors: Partial<Record<TopLevelField, string[]>>;
}) {
  const { errors } = props;
  return (
    <Card title="Impact">
      <div className="space-y-4">
        <DomainsField
          value={props.touchedDomains}
          onChange={(touchedDomains) => props.onChange({ touchedDomains })}
          sensitiveDomains={props.service?.sensitiveDomains ?? []}
          serviceSlug={props.service?.slug ?? ""}
          errors={errors.touchedDomains ?? []}
        />
        <div>
          <div className="flex items-start gap-3">
            <input
              id="cr-security"
              type="checkbox"
              checked={props.securityImpact}
              onChange={(e) => props.onChange({ securityImpact: e.target.checked })}
              aria-describedby={errors.securityImpact ? "cr-security-error cr-security-hint" : "cr-security-hint"}
              className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
            />
            <div>
              <label htmlFor="cr-security" className="block text-sm font-medium text-slate-800">
                This change has a security impact
              </label>
              <p id="cr-security-hint" className="text-xs text-slate-500">
                It changes what the assistant may access, reveal or do. Declaring it makes the change high risk and adds a security review.
              </p>
            </div>
          </div>
          <FieldErrors id="cr-security-error" errors={errors.securityImpact ?? []} />
        </div>
        <Field
          id="cr-metric"
          label="Expected metric shift"
          optional
          errors={errors.expectedMetricShift}
          hint="What the canary should show against the 7-day baseline."
        >
          {(control) => (
            <input
              {...control}
              value={props.expectedMetricShift}
              onChange={(e) => props.onChange({ expectedMetricShift: e.target.value })}
              placeholder="e.g. resolved rate +1 pp, false refusals unchanged, cost per resolved −5%"
              className={controlClass(inputClass, Boolean(errors.expectedMetricShift))}
            />
          )}
        </Field>
      </div>
    </Card>
  );
}
