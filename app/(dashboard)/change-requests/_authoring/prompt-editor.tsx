"use client";

import { useMemo } from "react";
import { inputClass } from "@/app/_components/ui";
import { MAX_PROMPT_CHARS, promptContentSchema } from "@/lib/components/schemas";
import { errorsUnder, issuesByPath, mergeErrors, sameContent, type ContentErrors } from "./content-errors";
import { Field, FieldErrors, controlClass } from "./field";
import { promptContentOf, type PromptFields } from "./form-model";

const PROMPT_FIELDS = ["instructions", "modelFamily", "temperature", "toolSchemaVersion", "knownLimitations", "assumedRetrieval"];

/**
 * The prompt editor: the instruction text and the settings a prompt version carries, checked
 * live against the prompt schema. The server checks the same schema again on save.
 */
export function PromptEditor(props: {
  idPrefix: string;
  fields: PromptFields;
  onChange: (fields: PromptFields) => void;
  serverErrors: ContentErrors;
  suggestions: { modelFamilies: string[]; toolSchemaVersions: string[] };
  baseline?: Record<string, unknown>;
  baselineLabel?: string;
}) {
  const { fields, idPrefix } = props;
  const live = useMemo(() => promptContentSchema.safeParse(promptContentOf(fields)), [fields]);
  const errors = mergeErrors(live.success ? {} : issuesByPath(live.error), props.serverErrors);
  const set = <K extends keyof PromptFields>(key: K, value: PromptFields[K]) => props.onChange({ ...fields, [key]: value });
  const at = (path: string) => errorsUnder(errors, path);
  // Errors on the content as a whole, or on a path no field here shows.
  const elsewhere = Object.entries(errors).filter(([path]) => !PROMPT_FIELDS.includes(path.split(".")[0]!));

  const unchanged = Boolean(live.success && props.baseline && sameContent(promptContentSchema, live.data, props.baseline));
  const chars = fields.instructions.length;
  const over = chars > MAX_PROMPT_CHARS;

  return (
    <div className="space-y-4">
      <Field
        id={`${idPrefix}-instructions`}
        label="Instruction text"
        errors={at("instructions")}
        aside={
          <span id={`${idPrefix}-instructions-count`} className={`text-xs tabular-nums ${over ? "font-semibold text-rose-700" : "text-slate-500"}`}>
            {chars.toLocaleString("en-US")} / {MAX_PROMPT_CHARS.toLocaleString("en-US")} characters
          </span>
        }
      >
        {(control) => (
          <textarea
            {...control}
            aria-describedby={[control["aria-describedby"], `${idPrefix}-instructions-count`].filter(Boolean).join(" ")}
            rows={10}
            spellCheck
            value={fields.instructions}
            onChange={(e) => set("instructions", e.target.value)}
            className={`${controlClass(inputClass, at("instructions").length > 0)} font-mono text-[13px] leading-relaxed`}
          />
        )}
      </Field>

      <div className="grid gap-4 sm:grid-cols-3">
        <Field id={`${idPrefix}-model`} label="Model family" errors={at("modelFamily")}>
          {(control) => (
            <>
              <input
                {...control}
                list={`${idPrefix}-model-list`}
                value={fields.modelFamily}
                onChange={(e) => set("modelFamily", e.target.value)}
                className={controlClass(inputClass, at("modelFamily").length > 0)}
              />
              <datalist id={`${idPrefix}-model-list`}>
                {props.suggestions.modelFamilies.map((m) => (
                  <option key={m} value={m} />
                ))}
              </datalist>
            </>
          )}
        </Field>
        <Field id={`${idPrefix}-temperature`} label="Temperature" hint="0 to 2" errors={at("temperature")}>
          {(control) => (
            <input
              {...control}
              type="number"
              inputMode="decimal"
              step="0.05"
              min={0}
              max={2}
              value={fields.temperature}
              onChange={(e) => set("temperature", e.target.value)}
              className={`${controlClass(inputClass, at("temperature").length > 0)} tabular-nums`}
            />
          )}
        </Field>
        <Field id={`${idPrefix}-tool-schema`} label="Tool schema version" errors={at("toolSchemaVersion")}>
          {(control) => (
            <>
              <input
                {...control}
                list={`${idPrefix}-tool-schema-list`}
                value={fields.toolSchemaVersion}
                onChange={(e) => set("toolSchemaVersion", e.target.value)}
                className={controlClass(inputClass, at("toolSchemaVersion").length > 0)}
              />
              <datalist id={`${idPrefix}-tool-schema-list`}>
                {props.suggestions.toolSchemaVersions.map((v) => (
                  <option key={v} value={v} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>

      <Field
        id={`${idPrefix}-limitations`}
        label="Known limitations"
        optional
        hint="One per line."
        errors={at("knownLimitations")}
      >
        {(control) => (
          <textarea
            {...control}
            rows={3}
            value={fields.knownLimitations}
            onChange={(e) => set("knownLimitations", e.target.value)}
            className={controlClass(inputClass, at("knownLimitations").length > 0)}
          />
        )}
      </Field>

      <fieldset className="rounded-md border border-slate-200 p-3">
        <legend className="px-1 text-sm font-medium text-slate-800">Assumed retrieval settings</legend>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={fields.assumesRetrieval}
            onChange={(e) => set("assumesRetrieval", e.target.checked)}
            className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
          />
          This prompt assumes particular retrieval settings
        </label>
        {fields.assumesRetrieval ? (
          <div className="mt-3 grid gap-4 sm:grid-cols-2">
            <Field id={`${idPrefix}-topk`} label="Top-k" errors={at("assumedRetrieval.topK")}>
              {(control) => (
                <input
                  {...control}
                  type="number"
                  inputMode="numeric"
                  min={1}
                  max={100}
                  step={1}
                  value={fields.topK}
                  onChange={(e) => set("topK", e.target.value)}
                  className={`${controlClass(inputClass, at("assumedRetrieval.topK").length > 0)} tabular-nums`}
                />
              )}
            </Field>
            <Field id={`${idPrefix}-snapshot`} label="Index snapshot" errors={at("assumedRetrieval.indexSnapshot")}>
              {(control) => (
                <input
                  {...control}
                  value={fields.indexSnapshot}
                  onChange={(e) => set("indexSnapshot", e.target.value)}
                  className={controlClass(inputClass, at("assumedRetrieval.indexSnapshot").length > 0)}
                />
              )}
            </Field>
          </div>
        ) : null}
        <FieldErrors errors={errors.assumedRetrieval ?? []} />
      </fieldset>

      {unchanged ? (
        <p className="text-xs text-amber-800">Identical to the live version {props.baselineLabel}: change something before saving.</p>
      ) : null}
      {elsewhere.length ? (
        <FieldErrors errors={elsewhere.flatMap(([path, messages]) => messages.map((m) => (path ? `${path}: ${m}` : m)))} />
      ) : null}
    </div>
  );
}
