import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { Badge, Card, KeepTokens, PageHeader, Time, buttonClass, inputClass, stacked } from "@/app/_components/ui";
import { ShortHash, versionHref } from "@/app/_components/badges";
import { requirePageActor } from "@/lib/auth/session";
import { TEXT_FIELD, diffComponentContent } from "@/lib/components/diff";
import { ComponentContentDiff } from "@/app/_components/component-diff";
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
  const comparing = Boolean(against && diff);

  const contentCard = (
    <Card title="Content">
      {info.diffStyle === "text" ? <PromptContent content={version.content} /> : <JsonBlock value={version.content} />}
    </Card>
  );

  const compareSection = (
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
                  <Link href={versionHref(service.slug, kind, against.id)} className={`${link} whitespace-nowrap`}>
                    {against.label}
                  </Link>{" "}
                  <ShortHash hash={against.contentHash} /> to <span className="whitespace-nowrap font-semibold">{version.label}</span>{" "}
                  <ShortHash hash={version.contentHash} />
                </p>
                {against.createdAt > version.createdAt ? (
                  // The diff always runs from the chosen version to this one, so against a newer
                  // version it runs backwards in time; say what that means for "added" and "removed".
                  <p className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-inset ring-amber-200">
                    <Nowrap>{against.label}</Nowrap> is newer than <Nowrap>{version.label}</Nowrap>, so this diff runs
                    backwards in time: it shows how to get from <Nowrap>{against.label}</Nowrap> back to{" "}
                    <Nowrap>{version.label}</Nowrap>. “Removed” is what only <Nowrap>{against.label}</Nowrap> has; “added” is
                    what only <Nowrap>{version.label}</Nowrap> has.{" "}
                    <Link
                      href={versionHref(service.slug, kind, against.id, version.id)}
                      className="whitespace-nowrap font-medium text-amber-950 underline underline-offset-2 hover:text-amber-700"
                    >
                      Show the forward diff ({version.label} → {against.label})
                    </Link>
                  </p>
                ) : null}
                <ComponentContentDiff
                  diff={diff}
                  kindNoun={info.label.toLowerCase()}
                  fullHref={`${selfHref}?against=${encodeURIComponent(against.id)}${fullText ? "" : "&full=1"}#diff`}
                  full={fullText}
                />
              </div>
            ) : null}
          </>
        )}
      </Card>
    </section>
  );

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
                <Link href={versionHref(service.slug, kind, parent.id)} className={`${link} whitespace-nowrap`}>
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
                      <Link href={versionHref(service.slug, kind, c.id)} className={`${link} whitespace-nowrap`}>
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

        {comparing ? (
          <>
            {compareSection}
            {contentCard}
          </>
        ) : (
          <>
            {contentCard}
            {compareSection}
          </>
        )}

        <Card padded={false} title={`All versions of ${service.slug} / ${info.label.toLowerCase()} (${versions.length})`}>
          {/* A table from md up; labelled cards below, so every column (and "compare") stays in sight. */}
          <div className={stacked.wrapper}>
            <table aria-label="Versions of this component, newest first" className={stacked.table}>
              <thead className={stacked.head}>
                <tr>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>Version</th>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>Hash</th>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>Author</th>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>Created</th>
                  <th scope="col" className={`${stacked.th} whitespace-nowrap`}>Diff</th>
                </tr>
              </thead>
              <tbody className={stacked.body}>
                {versions.map((v) => (
                  <tr key={v.id} className={`${stacked.row} ${v.id === version.id ? "bg-indigo-50/50" : ""}`}>
                    <td data-label="Version" className={`${stacked.cell} ${stacked.wide} md:whitespace-nowrap`}>
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
                    <td data-label="Hash" className={stacked.cell}>
                      <ShortHash hash={v.contentHash} />
                    </td>
                    <td data-label="Author" className={`${stacked.cell} md:whitespace-nowrap`}>{v.authorName ?? "—"}</td>
                    <td data-label="Created" className={`${stacked.cell} md:whitespace-nowrap`}>
                      <Time value={v.createdAt} />
                    </td>
                    <td data-label="Diff" className={`${stacked.cell} md:whitespace-nowrap`}>
                      {v.id === version.id ? (
                        <span className="text-xs text-slate-400">—</span>
                      ) : (
                        <Link href={versionHref(service.slug, kind, version.id, v.id)} className={`text-xs ${link}`}>
                          compare
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      </div>
    </>
  );
}

function optionLabel(v: ComponentVersionSummary, parentId: string | null): string {
  const date = v.createdAt.toISOString().slice(0, 10);
  return `${v.label} · ${date}${v.id === parentId ? " · parent" : ""}`;
}

function Nowrap(props: { children: ReactNode }) {
  return <span className="whitespace-nowrap">{props.children}</span>;
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
    // Long strings wrap (indentation kept) instead of scrolling sideways out of sight.
    <pre className="whitespace-pre-wrap break-words rounded-md bg-slate-50 p-3 font-mono text-xs leading-relaxed text-slate-800 ring-1 ring-inset ring-slate-200">
      <KeepTokens text={JSON.stringify(props.value, null, 2)} />
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
          {typeof text === "string" ? <KeepTokens text={text} /> : <span className="text-slate-500">No instruction text.</span>}
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
          <li key={i}>
            <KeepTokens text={String(item)} />
          </li>
        ))}
      </ul>
    );
  }
  if (name === "assumedRetrieval" && value && typeof value === "object") {
    const r = value as { topK?: unknown; indexSnapshot?: unknown };
    return (
      <span>
        <span className="whitespace-nowrap">top-k {String(r.topK)}</span> ·{" "}
        <span className="font-mono text-xs">
          <KeepTokens text={String(r.indexSnapshot)} />
        </span>
      </span>
    );
  }
  if (typeof value === "string") {
    return (
      <span className="font-mono text-xs">
        <KeepTokens text={value} />
      </span>
    );
  }
  return <span className="break-all font-mono text-xs">{JSON.stringify(value)}</span>;
}
