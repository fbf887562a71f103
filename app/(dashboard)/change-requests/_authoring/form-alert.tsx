"use client";

import type { Ref } from "react";
import { kindInfo } from "@/lib/components/kinds";
import { formatPath, type RoutedErrors, type TopLevelField } from "./error-routing";
import type { ComponentDraft } from "./form-model";

const FIELD_LABELS: Record<TopLevelField, { label: string; id: string }> = {
  serviceSlug: { label: "Service", id: "cr-service" },
  title: { label: "Title", id: "cr-title" },
  description: { label: "Description", id: "cr-description" },
  touchedDomains: { label: "Touched domains", id: "cr-domains" },
  securityImpact: { label: "Security impact", id: "cr-security" },
  expectedMetricShift: { label: "Expected metric shift", id: "cr-metric" },
  rollbackPlan: { label: "Rollback plan", id: "cr-rollback" },
  components: { label: "Components", id: "components-section" },
};

interface Entry {
  href?: string;
  label: string;
  messages: string[];
}

/** Every field error, as links to the fields; paths no field claims are listed with their path. */
function entriesOf(routed: RoutedErrors, components: ComponentDraft[], topMessage: string): Entry[] {
  const entries: Entry[] = [];
  for (const [field, messages] of Object.entries(routed.fields) as [TopLevelField, string[]][]) {
    const rest = messages.filter((m) => m !== topMessage);
    if (rest.length) entries.push({ href: `#${FIELD_LABELS[field].id}`, label: FIELD_LABELS[field].label, messages: rest });
  }
  routed.components.forEach((errors, i) => {
    const n = i + 1;
    const draft = components[i];
    const name = `Component ${n}${draft?.kind ? ` (${kindInfo(draft.kind).label})` : ""}`;
    const contentId = draft?.kind === "prompt" ? `component-${n}-instructions` : `component-${n}-json`;
    const parts: [string, string, string[]][] = [
      ["kind", `component-${n}-kind`, errors.kind],
      ["version", `component-${n}-version`, errors.versionId],
      ["label", `component-${n}-label`, errors.label],
      ["notes", `component-${n}-notes`, errors.notes],
      ["", `component-${n}-title`, errors.other],
    ];
    for (const [what, id, messages] of parts) {
      if (messages.length) entries.push({ href: `#${id}`, label: what ? `${name} ${what}` : name, messages });
    }
    for (const [path, messages] of Object.entries(errors.content)) {
      entries.push({ href: `#${contentId}`, label: `${name} content ${formatPath(path)}`, messages });
    }
  });
  for (const { path, messages } of routed.unplaced) entries.push({ label: path || "Form", messages });
  return entries;
}

/** The top alert: the server's (or the form's) message, then each problem linked to its field. */
export function FormAlert({ ref, ...props }: {
  message: string;
  code?: string;
  routed?: RoutedErrors;
  components: ComponentDraft[];
  /** A single field to point at, when the form (not the server) refused. */
  link?: { href: string; label: string };
  /** Where a stale page gets the current state (a full load, so the form starts over). */
  reloadHref?: string;
  ref?: Ref<HTMLDivElement>;
}) {
  const entries = props.routed ? entriesOf(props.routed, props.components, props.message) : [];
  if (props.link) entries.push({ href: props.link.href, label: props.link.label, messages: ["see the error under the editor."] });
  return (
    <div
      ref={ref}
      tabIndex={-1}
      role="alert"
      data-testid="form-error"
      className="rounded-lg border border-rose-300 bg-rose-50 px-4 py-3 text-sm text-rose-900 outline-none focus-visible:ring-2 focus-visible:ring-rose-500"
    >
      <p className="font-semibold">{props.code === "conflict" ? "Not saved: someone changed this change request" : "Not saved"}</p>
      <p className="mt-1">{props.message}</p>
      {props.code === "conflict" && props.reloadHref ? (
        <p className="mt-2">
          <a href={props.reloadHref} className="font-medium underline underline-offset-2">
            Reload the latest version
          </a>{" "}
          (your unsaved edits here are discarded).
        </p>
      ) : null}
      {entries.length ? (
        <ul className="mt-2 space-y-1 border-t border-rose-200 pt-2">
          {entries.map((e, i) => (
            <li key={i}>
              {e.href ? (
                <a href={e.href} className="font-medium underline decoration-rose-300 underline-offset-2 hover:decoration-rose-700">
                  {e.label}
                </a>
              ) : (
                <code className="font-mono text-xs">{e.label}</code>
              )}
              : {e.messages.join(" ")}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
