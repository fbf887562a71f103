"use client";

import Link from "next/link";
import { useMemo } from "react";
import { inputClass } from "@/app/_components/ui";
import { versionHref } from "@/app/_components/badges";
import type { AuthoringService } from "@/lib/changes/authoring-queries";
import { COMPONENT_KIND_CATALOGUE, kindInfo, type ComponentKind } from "@/lib/components/kinds";
import { componentContentSchemas } from "@/lib/components/schemas";
import { sameContent } from "./content-errors";
import { Field, FieldErrors, controlClass } from "./field";
import type { ComponentErrors } from "./error-routing";
import { liveVersionOf, prefillComponent, promptContentOf, type ComponentDraft } from "./form-model";
import { parseJson } from "./json-text";
import { JsonEditor } from "./json-editor";
import { PromptEditor } from "./prompt-editor";

const RISK_TEXT = { low: "text-slate-700", medium: "text-amber-800", high: "text-rose-700" } as const;

/** One component of the change: its kind, and an existing version or a new one edited in place. */
export function ComponentEditor(props: {
  index: number;
  draft: ComponentDraft;
  service: AuthoringService | undefined;
  otherKinds: (ComponentKind | "")[];
  errors: ComponentErrors;
  onChange: (draft: ComponentDraft) => void;
  onRemove?: () => void;
}) {
  const { draft, service, errors, index } = props;
  const n = index + 1;
  const idPrefix = `component-${n}`;
  const info = draft.kind ? kindInfo(draft.kind) : null;
  const live = liveVersionOf(service, draft.kind);
  const versions = service && draft.kind ? service.kinds[draft.kind].versions : [];
  const set = (patch: Partial<ComponentDraft>) => props.onChange({ ...draft, ...patch });
  const sr = <span className="sr-only"> of component {n}</span>;

  const promptSuggestions = {
    modelFamilies: uniqueStrings(service?.kinds.prompt.versions.map((v) => v.content.modelFamily)),
    toolSchemaVersions: uniqueStrings(service?.kinds.prompt.versions.map((v) => v.content.toolSchemaVersion)),
  };

  return (
    <fieldset
      aria-labelledby={`${idPrefix}-title`}
      className={`rounded-lg border bg-white ${errors.other.length || Object.keys(errors.content).length ? "border-rose-300" : "border-slate-200"}`}
    >
      <div className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-100 bg-slate-50/70 px-4 py-2.5">
        <h3 id={`${idPrefix}-title`} className="text-sm font-semibold text-slate-900">
          Component {n}
          {info ? <span className="font-normal text-slate-600"> · {info.label}</span> : null}
        </h3>
        {props.onRemove ? (
          <button type="button" onClick={props.onRemove} className="text-xs font-medium text-slate-600 hover:text-rose-700">
            Remove<span className="sr-only"> component {n}</span>
          </button>
        ) : null}
      </div>

      <div className="space-y-4 p-4">
        <FieldErrors errors={errors.other} />
        <div className="grid gap-4 md:grid-cols-2">
          <Field id={`${idPrefix}-kind`} label={<>Kind{sr}</>} errors={errors.kind}>
            {(control) => (
              <select
                {...control}
                value={draft.kind}
                onChange={(e) => props.onChange(prefillComponent(service, e.target.value as ComponentKind | "", { key: draft.key, source: draft.source }))}
                className={controlClass(inputClass, errors.kind.length > 0)}
              >
                <option value="">Choose a kind…</option>
                {COMPONENT_KIND_CATALOGUE.map((k) => (
                  <option key={k.kind} value={k.kind}>
                    {k.label}
                    {props.otherKinds.includes(k.kind) ? " (already in this change)" : ""}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {info ? (
            <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 self-end text-xs text-slate-600">
              <dt className="text-slate-500">Governs</dt>
              <dd>{info.governs}</dd>
              <dt className="text-slate-500">Risk</dt>
              <dd className={RISK_TEXT[info.defaultRisk]}>
                {info.defaultRisk}
                {info.sensitiveDomainRisk !== info.defaultRisk ? `; ${info.sensitiveDomainRisk} in a sensitive domain` : ""}
              </dd>
              <dt className="text-slate-500">Live now</dt>
              <dd>{live ? <span className="font-mono text-slate-800">{live.label}</span> : "no version in the stable release"}</dd>
            </dl>
          ) : null}
        </div>

        {draft.kind ? (
          <>
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">Version{sr}</legend>
              <div className="mt-1.5 grid grid-cols-2 rounded-md bg-slate-100 p-0.5 text-center text-sm sm:inline-grid">
                {(["existing", "new"] as const).map((source) => (
                  <label
                    key={source}
                    className={`flex cursor-pointer items-center justify-center rounded px-3 py-1.5 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-indigo-600 ${
                      draft.source === source ? "bg-white font-medium text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900"
                    }`}
                  >
                    <input
                      type="radio"
                      name={`${idPrefix}-source`}
                      value={source}
                      checked={draft.source === source}
                      onChange={() => set({ source })}
                      className="sr-only"
                    />
                    {source === "existing" ? "Use an existing version" : "Create a new version"}
                  </label>
                ))}
              </div>
            </fieldset>

            {draft.source === "existing" ? (
              <Field
                id={`${idPrefix}-version`}
                label={<>Existing version{sr}</>}
                errors={errors.versionId}
                hint={versions.length === 0 ? `${service?.slug ?? "This service"} has no ${info!.label.toLowerCase()} versions yet; create one.` : "The live version is already running, so it cannot be chosen."}
              >
                {(control) => (
                  <div className="flex flex-wrap items-center gap-3">
                    <select
                      {...control}
                      value={draft.versionId}
                      onChange={(e) => set({ versionId: e.target.value })}
                      className={`${controlClass(inputClass, errors.versionId.length > 0)} sm:max-w-md`}
                    >
                      <option value="">Choose a version…</option>
                      {versions.map((v) => (
                        <option key={v.id} value={v.id} disabled={v.id === live?.id}>
                          {v.label} · {v.createdAt.slice(0, 10)}
                          {v.id === live?.id ? " · live now" : ""}
                        </option>
                      ))}
                    </select>
                    {draft.versionId && service ? (
                      <Link
                        href={versionHref(service.slug, draft.kind, draft.versionId, live?.id)}
                        target="_blank"
                        className="text-xs font-medium text-indigo-700 hover:underline"
                      >
                        Compare with live ↗
                      </Link>
                    ) : null}
                  </div>
                )}
              </Field>
            ) : (
              <NewVersion
                idPrefix={idPrefix}
                draft={draft}
                service={service}
                errors={errors}
                sr={sr}
                liveLabel={live?.label}
                liveContent={live?.content}
                onChange={props.onChange}
                promptSuggestions={promptSuggestions}
              />
            )}
          </>
        ) : null}
      </div>
    </fieldset>
  );
}

function NewVersion(props: {
  idPrefix: string;
  draft: ComponentDraft;
  service: AuthoringService | undefined;
  errors: ComponentErrors;
  sr: React.ReactNode;
  liveLabel: string | undefined;
  liveContent: Record<string, unknown> | undefined;
  onChange: (draft: ComponentDraft) => void;
  promptSuggestions: { modelFamilies: string[]; toolSchemaVersions: string[] };
}) {
  const { draft, errors, idPrefix, sr } = props;
  const kind = draft.kind as ComponentKind;
  const set = (patch: Partial<ComponentDraft>) => props.onChange({ ...draft, ...patch });
  const reset = () => set({ json: prefillComponent(props.service, kind).json });
  // The server stores one version per content: the same content as an older version reuses it.
  const reused = useMemo(() => {
    const parsed = kind === "prompt" ? { ok: true as const, value: promptContentOf(draft.prompt) } : parseJson(draft.json);
    if (!parsed.ok || !props.service) return null;
    const { liveVersionId, versions } = props.service.kinds[kind];
    return versions.find((v) => v.id !== liveVersionId && sameContent(componentContentSchemas[kind], parsed.value, v.content)) ?? null;
  }, [kind, draft.prompt, draft.json, props.service]);

  return (
    <div className="space-y-4">
      <p className="text-xs text-slate-600">
        {props.liveLabel ? (
          <>
            Starts from the live version <span className="font-mono text-slate-800">{props.liveLabel}</span>. Saving stores a new
            immutable version; identical content reuses the existing version.
          </>
        ) : (
          "Starts from a template: this service has no live version of this kind."
        )}
      </p>
      <div className="grid gap-4 md:grid-cols-2">
        <Field
          id={`${idPrefix}-label`}
          label={<>New version label{sr}</>}
          errors={errors.label}
          hint={
            reused ? (
              <span className="text-amber-800">
                Same content as the existing version <span className="font-mono">{reused.label}</span>: saving reuses it, and
                this label is not used.
              </span>
            ) : (
              "Letters, digits, dots, dashes and underscores, e.g. assist-v8.3.0"
            )
          }
        >
          {(control) => (
            <input
              {...control}
              value={draft.label}
              onChange={(e) => set({ label: e.target.value })}
              autoComplete="off"
              spellCheck={false}
              className={`${controlClass(inputClass, errors.label.length > 0)} font-mono`}
            />
          )}
        </Field>
        <Field id={`${idPrefix}-notes`} label={<>Version notes{sr}</>} optional errors={errors.notes}>
          {(control) => (
            <input
              {...control}
              value={draft.notes}
              onChange={(e) => set({ notes: e.target.value })}
              placeholder="What changed in this version"
              className={controlClass(inputClass, errors.notes.length > 0)}
            />
          )}
        </Field>
      </div>
      {kind === "prompt" ? (
        <PromptEditor
          idPrefix={idPrefix}
          fields={draft.prompt}
          onChange={(prompt) => set({ prompt })}
          baseline={props.liveContent}
          baselineLabel={props.liveLabel}
          serverErrors={errors.content}
          suggestions={props.promptSuggestions}
        />
      ) : (
        <JsonEditor
          id={`${idPrefix}-json`}
          kind={kind}
          kindLabel={kindInfo(kind).label}
          value={draft.json}
          onChange={(json) => set({ json })}
          baseline={props.liveContent}
          baselineLabel={props.liveLabel}
          serverErrors={errors.content}
          onReset={reset}
          resetLabel={props.liveLabel ? `Reset to ${props.liveLabel}` : "Reset to template"}
        />
      )}
    </div>
  );
}

function uniqueStrings(values: unknown[] | undefined): string[] {
  return [...new Set((values ?? []).filter((v): v is string => typeof v === "string" && v.length > 0))];
}
