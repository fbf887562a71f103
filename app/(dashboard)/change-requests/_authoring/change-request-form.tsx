"use client";

import { useRouter } from "next/navigation";
import { startTransition, useActionState, useEffect, useMemo, useRef, useState } from "react";
import { Card, inputClass } from "@/app/_components/ui";
import { saveChangeRequestAction } from "@/lib/changes/actions";
import type { AuthoringService } from "@/lib/changes/authoring-queries";
import type { SaveChangeRequestInput } from "@/lib/changes/input";
import { MAX_COMPONENTS_PER_CHANGE } from "@/lib/changes/release-rules";
import type { ComponentKind } from "@/lib/components/kinds";
import { ComponentEditor } from "./component-editor";
import { Field, FieldErrors, controlClass } from "./field";
import { ImpactSection } from "./impact-section";
import { FormAlert } from "./form-alert";
import { emptyComponentErrors, routeFieldErrors } from "./error-routing";
import { prefillComponent, splitDomains, toInput, type FormValues } from "./form-model";
import { RiskPanel } from "./risk-panel";
import { RollbackPlanField } from "./rollback-plan-field";
import { SaveBar } from "./save-bar";

type SaveResult = Awaited<ReturnType<typeof saveChangeRequestAction>>;

export interface InitialChangeRequest {
  serviceSlug: string;
  title: string;
  description: string;
  touchedDomains: string[];
  securityImpact: boolean;
  expectedMetricShift: string;
  rollbackPlan: string;
  components: { kind: ComponentKind; versionId: string }[];
}

export type FormMode =
  | { type: "new"; defaultServiceSlug?: string }
  | {
      type: "edit";
      changeRequestId: string;
      expectedLockVersion: number;
      number: number;
      /** True when saving adds a revision (the request was submitted); false for a draft edited in place. */
      revise: boolean;
      nextRevision: number;
      initial: InitialChangeRequest;
    };

function initialValues(services: AuthoringService[], mode: FormMode): FormValues {
  if (mode.type === "edit") {
    const i = mode.initial;
    const service = services.find((s) => s.slug === i.serviceSlug);
    return {
      ...i,
      touchedDomains: i.touchedDomains.join(", "),
      components: i.components.map((c) => ({ ...prefillComponent(service, c.kind, { key: `c-${c.kind}`, source: "existing" }), versionId: c.versionId })),
    };
  }
  const slug = mode.defaultServiceSlug ?? (services.length === 1 ? services[0]!.slug : "");
  const service = services.find((s) => s.slug === slug);
  return {
    serviceSlug: service?.slug ?? "",
    title: "",
    description: "",
    touchedDomains: "",
    securityImpact: false,
    expectedMetricShift: "",
    rollbackPlan: "",
    components: [prefillComponent(service, "", { key: "c-first", source: "new" })],
  };
}

/** The authoring form: a change to one or two components of one service, with a live risk preview. */
export function ChangeRequestForm(props: { services: AuthoringService[]; mode: FormMode }) {
  const { services, mode } = props;
  const router = useRouter();
  const [values, setValues] = useState<FormValues>(() => initialValues(services, mode));
  const [intent, setIntent] = useState<"draft" | "submit">("submit");
  const [submittedKeys, setSubmittedKeys] = useState<string[]>([]);
  const [localError, setLocalError] = useState<{ message: string; href: string; label: string } | null>(null);
  const alertRef = useRef<HTMLDivElement>(null);

  const [result, dispatch, pending] = useActionState<SaveResult | null, SaveChangeRequestInput>(async (previous, input) => {
    const saved = await saveChangeRequestAction(previous, input);
    if (saved.ok) router.push(`/change-requests/${saved.data.number}`);
    return saved;
  }, null);

  const failed = result && !result.ok ? result.error : null;
  const service = services.find((s) => s.slug === values.serviceSlug);
  const domains = useMemo(() => splitDomains(values.touchedDomains), [values.touchedDomains]);
  const kinds = useMemo(() => values.components.map((c) => c.kind), [values.components]);

  // Server errors name components by position at submit time; follow them by key if the list changed since.
  const routed = useMemo(() => {
    const r = routeFieldErrors(failed?.fieldErrors, submittedKeys.length);
    return { ...r, components: values.components.map((c) => r.components[submittedKeys.indexOf(c.key)] ?? emptyComponentErrors()) };
  }, [failed, submittedKeys, values.components]);

  useEffect(() => {
    if (localError || failed) alertRef.current?.focus();
  }, [localError, failed]);

  const set = <K extends keyof FormValues>(key: K, value: FormValues[K]) => setValues((v) => ({ ...v, [key]: value }));

  function changeService(slug: string) {
    const next = services.find((s) => s.slug === slug);
    setValues((v) => ({
      ...v,
      serviceSlug: slug,
      components: v.components.map((c) => prefillComponent(next, c.kind, { key: c.key, source: c.source })),
    }));
  }

  function save(chosen: "draft" | "submit") {
    const editing =
      mode.type === "edit"
        ? { changeRequestId: mode.changeRequestId, expectedLockVersion: mode.expectedLockVersion, expectedRevision: mode.nextRevision - 1 }
        : undefined;
    const built = toInput(values, chosen, editing);
    if (!built.ok) {
      const n = built.badJson + 1;
      setLocalError({
        message: `Component ${n}'s configuration is not valid JSON, so nothing was sent. Fix it and save again.`,
        href: `#component-${n}-json`,
        label: `Component ${n} configuration`,
      });
      return;
    }
    setLocalError(null);
    setIntent(chosen);
    setSubmittedKeys(values.components.map((c) => c.key));
    startTransition(() => dispatch(built.input));
  }

  const componentErrors = routed.fields.components ?? [];
  const revise = mode.type === "edit" && mode.revise;
  const cancelHref = mode.type === "edit" ? `/change-requests/${mode.number}` : "/change-requests";

  return (
    <form
      noValidate
      onKeyDown={(e) => {
        // Enter in a one-line field must not save half a change request; the buttons do that.
        if (e.key === "Enter" && e.target instanceof HTMLInputElement && e.target.type !== "submit") e.preventDefault();
      }}
      onSubmit={(e) => {
        e.preventDefault();
        const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
        save(submitter?.value === "draft" ? "draft" : "submit");
      }}
      className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem] lg:items-start xl:grid-cols-[minmax(0,1fr)_24rem]"
    >
      <div className="min-w-0 space-y-6">
        <Card title="What and where">
          <div className="space-y-4">
            <Field
              id="cr-service"
              label="Service"
              errors={routed.fields.serviceSlug}
              hint={mode.type === "edit" ? "A change request stays with its service." : service?.description || undefined}
            >
              {(control) => (
                <select
                  {...control}
                  value={values.serviceSlug}
                  disabled={mode.type === "edit"}
                  onChange={(e) => changeService(e.target.value)}
                  className={`${controlClass(inputClass, Boolean(routed.fields.serviceSlug))} sm:max-w-md`}
                >
                  <option value="">Choose a service…</option>
                  {services.map((s) => (
                    <option key={s.slug} value={s.slug}>
                      {s.name} ({s.slug})
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field id="cr-title" label="Title" errors={routed.fields.title}>
              {(control) => (
                <input
                  {...control}
                  value={values.title}
                  onChange={(e) => set("title", e.target.value)}
                  placeholder="e.g. Block refund promises in the support policy"
                  className={controlClass(inputClass, Boolean(routed.fields.title))}
                />
              )}
            </Field>
            <Field id="cr-description" label="Description" optional errors={routed.fields.description} hint="Why this change, and what reviewers should look at.">
              {(control) => (
                <textarea
                  {...control}
                  rows={3}
                  value={values.description}
                  onChange={(e) => set("description", e.target.value)}
                  className={controlClass(inputClass, Boolean(routed.fields.description))}
                />
              )}
            </Field>
          </div>
        </Card>

        <section id="components-section" tabIndex={-1} aria-labelledby="components-heading" className="space-y-3 outline-none">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <h2 id="components-heading" className="text-sm font-semibold text-slate-900">
              Components
            </h2>
            <p className={`text-xs ${values.components.length > MAX_COMPONENTS_PER_CHANGE ? "font-medium text-rose-700" : "text-slate-500"}`}>
              {values.components.length} {values.components.length === 1 ? "component" : "components"} · at most {MAX_COMPONENTS_PER_CHANGE}, each kind once
            </p>
          </div>
          {componentErrors.length ? (
            <div id="components-error" className="rounded-lg border border-rose-300 bg-rose-50 px-4 py-3 text-sm font-medium text-rose-900">
              <FieldErrors errors={componentErrors} />
            </div>
          ) : null}
          {!service ? (
            <p className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-6 text-center text-sm text-slate-600">
              Choose a service first: its versions and live configuration fill the editors.
            </p>
          ) : (
            values.components.map((draft, i) => (
              <ComponentEditor
                key={draft.key}
                index={i}
                draft={draft}
                service={service}
                otherKinds={kinds.filter((_, j) => j !== i)}
                errors={routed.components[i] ?? emptyComponentErrors()}
                onChange={(next) => set("components", values.components.map((c) => (c.key === draft.key ? next : c)))}
                onRemove={values.components.length > 1 ? () => set("components", values.components.filter((c) => c.key !== draft.key)) : undefined}
              />
            ))
          )}
          {service ? (
            <button
              type="button"
              onClick={() => set("components", [...values.components, prefillComponent(service, "")])}
              className="w-full rounded-lg border border-dashed border-slate-300 bg-white px-4 py-2.5 text-sm font-medium text-slate-700 hover:border-indigo-400 hover:text-indigo-700"
            >
              + Add component
            </button>
          ) : null}
        </section>

        <ImpactSection
          touchedDomains={values.touchedDomains}
          securityImpact={values.securityImpact}
          expectedMetricShift={values.expectedMetricShift}
          onChange={(patch) => setValues((v) => ({ ...v, ...patch }))}
          service={service}
          errors={routed.fields}
        />

        <Card title="Rollback">
          <RollbackPlanField
            value={values.rollbackPlan}
            onChange={(v) => set("rollbackPlan", v)}
            errors={routed.fields.rollbackPlan ?? []}
            components={values.components}
            service={service}
          />
        </Card>
      </div>

      {/* On desktop the panel scrolls inside the sticky column so the buttons stay in view. */}
      <aside className="flex flex-col gap-4 lg:sticky lg:top-6 lg:max-h-[calc(100vh-3rem)]">
        <div className="rounded-lg lg:min-h-0 lg:overflow-y-auto">
          <RiskPanel
            kinds={kinds}
            touchedDomains={domains}
            securityImpact={values.securityImpact}
            sensitiveDomains={service?.sensitiveDomains ?? []}
            serviceChosen={Boolean(service)}
          />
        </div>
        {localError || failed ? (
          <div className="shrink-0 lg:max-h-72 lg:overflow-y-auto">
            {localError ? (
              <FormAlert ref={alertRef} message={localError.message} link={localError} components={values.components} />
            ) : (
              <FormAlert
                ref={alertRef}
                message={failed!.message}
                code={failed!.code}
                routed={routed}
                components={values.components}
                reloadHref={mode.type === "edit" ? `/change-requests/${mode.number}/edit` : undefined}
              />
            )}
          </div>
        ) : null}
        <SaveBar
          pending={pending}
          intent={intent}
          revision={revise && mode.type === "edit" ? mode.nextRevision : null}
          cancelHref={cancelHref}
        />
      </aside>
    </form>
  );
}
