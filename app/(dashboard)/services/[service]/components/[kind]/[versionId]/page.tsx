import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { Badge, Card, DataTable, PageHeader, Time, buttonClass, inputClass, td, th } from "@/app/_components/ui";
import { ShortHash, kindLabel, versionHref } from "@/app/_components/badges";
import { requirePageActor } from "@/lib/auth/session";
import { type DiffLine, type StructuralChange, type TextDiff, TEXT_FIELD, diffComponentContent } from "@/lib/components/diff";
import { kindInfo } from "@/lib/components/kinds";
import { type ComponentVersionSummary, getComponentVersion, getComponentVersionPage, isUuid } from "@/lib/components/queries";

type Props = {
  params: Promise<{ service: string; kind: string; versionId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

export const metadata: Metadata = { title: "Component version" };

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";
const label = "text-xs font-semibold uppercase tracking-wide text-slate-500";

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.trim() || undefined;
}

export default async function ComponentVersionPage(props: Props) {
  const actor = await requirePageActor();
  const params = await props.params;
  const search = await props.searchParams;
  const page = await getComponentVersionPage({ actor, serviceSlug: params.service, kind: params.kind, versionId: params.versionId });
  if (!page) notFound();
  const { service, kind, version, parent, children, versions, liveIn } = page;
  const info = kindInfo(kind);
  const others = versions.filter((v) => v.id !== version.id);

  // What to diff against: ?against=<id>, else the parent, else the next older version.
  const requested = first(search.against);
  const olderSibling = versions[versions.findIndex((v) => v.id === version.id) + 1] ?? null;
  const againstId = requested ?? parent?.id ?? olderSibling?.id ?? null;
  const against =
    againstId && againstId !== version.id && isUuid(againstId)
      ? await getComponentVersion({ actor, serviceId: service.id, kind, versionId: againstId })
      : null;
  const fullText = first(search.full) === "1";
  const diff = against ? diffComponentContent(kind, against.content, version.content, { context: fullText ? Infinity : 3 }) : null;
  const selfHref = versionHref(service.slug, kind, version.id);

  return (
    <>
      <PageHeader
        eyebrow={
          <>
            <Link href={`/services/${encodeURIComponent(service.slug)}/releases`} className="hover:underline">
              <span className="font-mono">{service.slug}</span>
            </Link>{" "}
            / {info.label}
          </>
        }
        title={version.label}
        description={info.governs}
        actions={
          <span className="flex flex-wrap gap-2">
            <Badge tone="accent">{info.label}</Badge>
            {liveIn.stable ? <Badge tone="success" title={`In ${liveIn.stable}`}>Live in stable</Badge> : null}
            {liveIn.canary ? <Badge tone="info" title={`In ${liveIn.canary}`}>In canary</Badge> : null}
            {!liveIn.stable && !liveIn.canary ? <Badge>Not live</Badge> : null}
          </span>
        }
      />

      <div className="space-y-6">
        <Card title="Version">
          <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2 lg:grid-cols-4">
            <Field name="Content hash">
              <span className="break-all font-mono text-xs text-slate-800" title="sha-256 of the canonical JSON content">
                {version.contentHash}
              </span>
            </Field>
            <Field name="Author">{version.authorName ?? <span className="text-slate-500">unknown</span>}</Field>
            <Field name="Created">
              <Time value={version.createdAt} />
            </Field>
            <Field name="Parent">
              {parent ? (
                <Link href={versionHref(service.slug, kind, parent.id)} className={link}>
                  {parent.label}
                </Link>
              ) : (
                <span className="text-slate-500">none (first version)</span>
              )}
              {children.length > 0 ? (
                <span className="mt-1 block text-xs text-slate-500">
                  Followed by{" "}
                  {children.map((c, i) => (
                    <span key={c.id}>
                      {i > 0 ? ", " : null}
                      <Link href={versionHref(service.slug, kind, c.id)} className={link}>
                        {c.label}
                      </Link>
                    </span>
                  ))}
                </span>
              ) : null}
            </Field>
            <div className="sm:col-span-2 lg:col-span-4">
              <Field name="Notes">{version.notes || <span className="text-slate-500">No notes.</span>}</Field>
            </div>
          </dl>
        </Card>

        <Card title="Content">
          {info.diffStyle === "text" ? <PromptContent content={version.content} /> : <JsonBlock value={version.content} />}
        </Card>

        <section id="diff" data-testid="component-diff" aria-labelledby="diff-heading" className="scroll-mt-4">
          <Card title={<span id="diff-heading">Compare with another version</span>}>
            {others.length === 0 ? (
              <p className="text-sm text-slate-600">This is the only version of this component so far; there is nothing to compare it with.</p>
            ) : (
              <>
                <Form action={selfHref} className="flex flex-col gap-3 sm:flex-row sm:items-end">
                  <div className="min-w-0 flex-1">
                    <label htmlFor="against" className="block text-xs font-medium text-slate-700">
                      Compare {version.label} with
                    </label>
                    <select id="against" name="against" defaultValue={against?.id ?? parent?.id ?? others[0]?.id} className={`mt-1 ${inputClass}`}>
                      {others.map((v) => (
                        <option key={v.id} value={v.id}>
                          {optionLabel(v, version.parentId)}
                        </option>
                      ))}
                    </select>
                  </div>
                  {fullText ? <input type="hidden" name="full" value="1" /> : null}
                  <button type="submit" className={`${buttonClass.secondary} shrink-0`}>
                    Show diff
                  </button>
                </Form>

                {requested && !against ? (
                  <p role="alert" className="mt-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
                    {requested === version.id
                      ? "That is this version itself. Pick a different version to compare with."
                      : `“${requested}” is not a version of ${service.slug}’s ${info.label.toLowerCase()} component, so there is nothing to compare. Pick a version from the list.`}
                  </p>
                ) : null}

                {against && diff ? (
                  <div className="mt-4">
                    <p className="text-sm text-slate-700">
                      Changes from{" "}
                      <Link href={versionHref(service.slug, kind, against.id)} className={link}>
                        {against.label}
                      </Link>{" "}
                      <ShortHash hash={against.contentHash} /> to <span className="font-semibold">{version.label}</span>{" "}
                      <ShortHash hash={version.contentHash} />
                      {against.createdAt > version.createdAt ? (
                        <span className="ml-1 text-xs text-amber-800">(comparing with a newer version: read “removed” as what {version.label} has and it lost)</span>
                      ) : null}
                    </p>
                    {diff.identical ? (
                      <p className="mt-3 text-sm text-slate-600">The two versions have the same content.</p>
                    ) : diff.style === "text" ? (
                      <>
                        <TextDiffView
                          diff={diff.text}
                          fullHref={`${selfHref}?against=${encodeURIComponent(against.id)}${fullText ? "" : "&full=1"}#diff`}
                          full={fullText}
                        />
                        <h3 className="mb-2 mt-6 text-sm font-semibold text-slate-900">Other fields</h3>
                        {diff.fields.length === 0 ? (
                          <p className="text-sm text-slate-600">Model family, temperature, tool schema and the other fields are unchanged.</p>
                        ) : (
                          <StructuralDiffView changes={diff.fields} label="Changed prompt fields" />
                        )}
                      </>
                    ) : (
                      <StructuralDiffView changes={diff.changes} label={`Changes to the ${info.label.toLowerCase()} configuration`} />
                    )}
                  </div>
                ) : null}
              </>
            )}
          </Card>
        </section>

        <Card padded={false} title={`All versions of ${service.slug} / ${info.label.toLowerCase()} (${versions.length})`}>
          <DataTable label="Versions of this component, newest first">
            <thead>
              <tr>
                <th scope="col" className={`${th} whitespace-nowrap`}>Version</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Hash</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Author</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Created</th>
                <th scope="col" className={`${th} whitespace-nowrap`}>Diff</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {versions.map((v) => (
                <tr key={v.id} className={v.id === version.id ? "bg-indigo-50/50" : ""}>
                  <td className={`${td} whitespace-nowrap`}>
                    {v.id === version.id ? (
                      <span className="font-semibold text-slate-900" aria-current="page">
                        {v.label} <span className="text-xs font-normal text-slate-500">(this version)</span>
                      </span>
                    ) : (
                      <Link href={versionHref(service.slug, kind, v.id)} className={link}>
                        {v.label}
                      </Link>
                    )}
                  </td>
                  <td className={td}>
                    <ShortHash hash={v.contentHash} />
                  </td>
                  <td className={`${td} whitespace-nowrap`}>{v.authorName ?? "—"}</td>
                  <td className={`${td} whitespace-nowrap`}>
                    <Time value={v.createdAt} />
                  </td>
                  <td className={`${td} whitespace-nowrap`}>
                    {v.id === version.id ? null : (
                      <Link href={versionHref(service.slug, kind, version.id, v.id)} className={`text-xs ${link}`}>
                        compare
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        </Card>
      </div>
    </>
  );
}

function optionLabel(v: ComponentVersionSummary, parentId: string | null): string {
  const date = v.createdAt.toISOString().slice(0, 10);
  return `${v.label} · ${date}${v.id === parentId ? " · parent" : ""}`;
}

function Field(props: { name: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className={label}>{props.name}</dt>
      <dd className="mt-1 text-slate-800">{props.children}</dd>
    </div>
  );
}

function JsonBlock(props: { value: unknown }) {
  return (
    <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-inset ring-slate-200">
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

const PROMPT_FIELD_LABELS: Record<string, string> = {
  modelFamily: "Model family",
  temperature: "Temperature",
  toolSchemaVersion: "Tool schema version",
  assumedRetrieval: "Assumed retrieval",
  knownLimitations: "Known limitations",
};

function PromptContent(props: { content: Record<string, unknown> }) {
  const text = props.content[TEXT_FIELD];
  const fields = Object.entries(props.content).filter(([k]) => k !== TEXT_FIELD);
  return (
    <div className="grid grid-cols-1 gap-6 xl:grid-cols-3">
      <div className="min-w-0 xl:col-span-2">
        <h3 className={`${label} mb-2`}>Instructions</h3>
        <div className="whitespace-pre-wrap break-words rounded-md bg-slate-50 p-4 text-sm leading-relaxed text-slate-800 ring-1 ring-inset ring-slate-200">
          {typeof text === "string" ? text : <span className="text-slate-500">No instruction text.</span>}
        </div>
      </div>
      <div className="min-w-0">
        <h3 className={`${label} mb-2`}>Metadata</h3>
        <table className="w-full text-sm" aria-label="Prompt metadata">
          <tbody className="divide-y divide-slate-100">
            {fields.map(([key, value]) => (
              <tr key={key}>
                <th scope="row" className="w-32 py-2 pr-3 text-left align-top font-medium text-slate-600 sm:w-40">
                  {PROMPT_FIELD_LABELS[key] ?? key}
                </th>
                <td className="min-w-0 py-2 align-top text-slate-800">
                  <PromptFieldValue name={key} value={value} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function PromptFieldValue(props: { name: string; value: unknown }) {
  const { name, value } = props;
  if (name === "knownLimitations" && Array.isArray(value)) {
    return value.length === 0 ? (
      <span className="text-slate-500">none listed</span>
    ) : (
      <ul className="list-disc space-y-1 pl-4">
        {value.map((item, i) => (
          <li key={i}>{String(item)}</li>
        ))}
      </ul>
    );
  }
  if (name === "assumedRetrieval" && value && typeof value === "object") {
    const r = value as { topK?: unknown; indexSnapshot?: unknown };
    return (
      <span>
        top-k {String(r.topK)} · <span className="font-mono text-xs">{String(r.indexSnapshot)}</span>
      </span>
    );
  }
  if (typeof value === "string") return <span className="font-mono text-xs">{value}</span>;
  return <span className="break-all font-mono text-xs">{JSON.stringify(value)}</span>;
}

function TextDiffView(props: { diff: TextDiff; fullHref: string; full: boolean }) {
  const { diff } = props;
  return (
    <div className="mt-3">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2 text-sm">
        <h3 className="font-semibold text-slate-900">
          Instructions{" "}
          <span className="ml-1 font-mono text-xs font-normal">
            <span className="text-emerald-700">+{diff.added}</span> <span className="text-rose-700">−{diff.removed}</span>
            <span className="sr-only">
              {" "}
              ({diff.added} lines added, {diff.removed} lines removed)
            </span>
          </span>
        </h3>
        {diff.identical ? null : (
          <Link href={props.fullHref} className={`text-xs ${link}`}>
            {props.full ? "Show changes only" : "Show whole text"}
          </Link>
        )}
      </div>
      {diff.identical ? (
        <p className="text-sm text-slate-600">The instruction text is unchanged.</p>
      ) : (
        <div className="relative overflow-hidden rounded-md ring-1 ring-slate-200">
          <table className="w-full table-fixed border-collapse font-mono text-xs leading-5" aria-label="Line diff of the instructions">
            <colgroup>
              <col className="w-9 sm:w-11" />
              <col className="w-9 sm:w-11" />
              <col className="w-5" />
              <col />
            </colgroup>
            <thead className="sr-only">
              <tr>
                <th scope="col">Old line</th>
                <th scope="col">New line</th>
                <th scope="col">Change</th>
                <th scope="col">Text</th>
              </tr>
            </thead>
            {diff.hunks.map((hunk, h) => (
              <tbody key={h}>
                {hunk.skippedBefore > 0 || h === 0 ? (
                  <tr className="bg-slate-100 text-slate-500">
                    <td colSpan={4} className="px-3 py-1">
                      {hunk.skippedBefore > 0 ? `⋯ ${hunk.skippedBefore} unchanged line${hunk.skippedBefore === 1 ? "" : "s"} · ` : ""}@@ −{hunk.oldStart},{hunk.oldLines} +
                      {hunk.newStart},{hunk.newLines} @@
                    </td>
                  </tr>
                ) : null}
                {hunk.lines.map((line, i) => (
                  <DiffRow key={i} line={line} />
                ))}
              </tbody>
            ))}
            {diff.skippedAfter > 0 ? (
              <tbody>
                <tr className="bg-slate-100 text-slate-500">
                  <td colSpan={4} className="px-3 py-1">
                    ⋯ {diff.skippedAfter} unchanged line{diff.skippedAfter === 1 ? "" : "s"}
                  </td>
                </tr>
              </tbody>
            ) : null}
          </table>
        </div>
      )}
    </div>
  );
}

const ROW_STYLE = {
  added: { row: "bg-emerald-50", gutter: "bg-emerald-100/70 text-emerald-800", sign: "+", mark: "rounded-sm bg-emerald-200 text-emerald-950" },
  removed: { row: "bg-rose-50", gutter: "bg-rose-100/70 text-rose-800", sign: "−", mark: "rounded-sm bg-rose-200 text-rose-950" },
  unchanged: { row: "bg-white", gutter: "bg-slate-50 text-slate-400", sign: " ", mark: "" },
} as const;

function DiffRow(props: { line: DiffLine }) {
  const { line } = props;
  const style = ROW_STYLE[line.type];
  const content = line.segments.length === 0 ? "\u00a0" : line.segments.map((s, i) =>
    s.changed ? (
      <span key={i} className={style.mark}>
        {s.text}
      </span>
    ) : (
      <span key={i}>{s.text}</span>
    ),
  );
  return (
    <tr className={style.row} data-testid={line.type === "unchanged" ? undefined : "diff-change"} data-change={line.type}>
      <td className={`select-none px-1.5 text-right align-top ${style.gutter}`}>{line.oldNumber ?? ""}</td>
      <td className={`select-none px-1.5 text-right align-top ${style.gutter}`}>{line.newNumber ?? ""}</td>
      <td className={`select-none text-center align-top ${style.gutter}`} aria-hidden="true">
        {style.sign}
      </td>
      <td className="whitespace-pre-wrap break-words px-2 align-top text-slate-800">
        {line.type === "added" ? (
          <ins className="no-underline">
            <span className="sr-only">Added: </span>
            {content}
          </ins>
        ) : line.type === "removed" ? (
          <del className="no-underline">
            <span className="sr-only">Removed: </span>
            {content}
          </del>
        ) : (
          content
        )}
      </td>
    </tr>
  );
}

const CHANGE_TONE = { added: "success", removed: "danger", changed: "warning" } as const;

/** One row per change; a grid, so on narrow screens each change stacks instead of scrolling. */
function StructuralDiffView(props: { changes: StructuralChange[]; label: string }) {
  const grid = "md:grid md:grid-cols-[minmax(12rem,1.2fr)_7rem_minmax(0,2fr)_minmax(0,2fr)] md:gap-4";
  return (
    <div className="mt-3 rounded-md ring-1 ring-slate-200">
      <div aria-hidden="true" className={`hidden border-b border-slate-200 bg-slate-50 px-4 py-2 text-xs font-semibold uppercase tracking-wide text-slate-500 ${grid}`}>
        <span>Path</span>
        <span>Change</span>
        <span>Before</span>
        <span>After</span>
      </div>
      <ul aria-label={props.label} className="divide-y divide-slate-100">
        {props.changes.map((c, i) => (
          <li key={`${c.path}-${i}`} data-testid="diff-change" data-change={c.type} className={`px-4 py-2.5 text-sm ${grid}`}>
            <div className="flex min-w-0 flex-wrap items-center gap-2 md:block">
              <span className="break-all font-mono text-xs text-slate-900">{c.path || "(whole content)"}</span>
              {c.item ? <span className="text-xs text-slate-500 md:mt-0.5 md:block">{c.item}</span> : null}
              <span className="md:hidden">
                <Badge tone={CHANGE_TONE[c.type]}>{c.note ?? c.type}</Badge>
              </span>
            </div>
            <div className="hidden md:block">
              <Badge tone={CHANGE_TONE[c.type]}>{c.note ?? c.type}</Badge>
            </div>
            <div className={`mt-1.5 min-w-0 md:mt-0 ${c.type === "added" ? "hidden md:block" : ""}`}>
              <span className="mb-0.5 block text-xs text-slate-500 md:hidden">Before</span>
              {c.type === "added" ? <span className="text-slate-400">—</span> : <Value value={c.before} tone="removed" />}
            </div>
            <div className={`mt-1.5 min-w-0 md:mt-0 ${c.type === "removed" ? "hidden md:block" : ""}`}>
              <span className="mb-0.5 block text-xs text-slate-500 md:hidden">After</span>
              {c.type === "removed" ? <span className="text-slate-400">—</span> : <Value value={c.after} tone="added" />}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function Value(props: { value: unknown; tone: "added" | "removed" }) {
  const text = typeof props.value === "object" && props.value !== null ? JSON.stringify(props.value, null, 2) : JSON.stringify(props.value);
  const colors = props.tone === "added" ? "bg-emerald-50 text-emerald-950 ring-emerald-200" : "bg-rose-50 text-rose-950 ring-rose-200";
  const Tag = props.tone === "added" ? "ins" : "del";
  return (
    <Tag className={`relative block whitespace-pre-wrap break-words rounded px-1.5 py-0.5 font-mono text-xs no-underline ring-1 ring-inset ${colors}`}>
      <span className="sr-only">{props.tone === "added" ? "New value: " : "Old value: "}</span>
      {text ?? "undefined"}
    </Tag>
  );
}
