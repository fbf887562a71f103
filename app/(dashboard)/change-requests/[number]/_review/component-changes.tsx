import Link from "next/link";
import { ComponentContentDiff } from "@/app/_components/component-diff";
import { ShortHash, versionHref } from "@/app/_components/badges";
import { Badge } from "@/app/_components/ui";
import type { ComponentChangeDetail } from "@/lib/changes/queries";
import { diffComponentContent } from "@/lib/components/diff";
import { kindInfo } from "@/lib/components/kinds";

/**
 * Every component a revision moves, each with the same diff the component version page shows:
 * from the version live when the change was proposed to the proposed one.
 */

const link = "font-medium text-indigo-700 hover:text-indigo-500 hover:underline";

export function ComponentChanges(props: {
  serviceSlug: string;
  changes: ComponentChangeDetail[];
  /** Show whole prompt texts instead of the changed lines only. */
  full: boolean;
  /** This page's URL with the `full` flag toggled. */
  toggleFullHref: (anchor: string) => string;
}) {
  if (props.changes.length === 0) {
    return <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">This revision changes no component.</p>;
  }
  return (
    <div className="space-y-4">
      {props.changes.map((change) => {
        const info = kindInfo(change.kind);
        const anchor = `change-${change.kind}`;
        const diff = diffComponentContent(change.kind, change.from?.content ?? {}, change.to.content, { context: props.full ? Infinity : 3 });
        return (
          <section
            key={change.kind}
            id={anchor}
            data-testid="component-diff"
            data-kind={change.kind}
            aria-labelledby={`${anchor}-heading`}
            className="scroll-mt-4 rounded-lg border border-slate-200 bg-white shadow-sm"
          >
            <header className="flex flex-wrap items-center gap-x-3 gap-y-2 border-b border-slate-200 px-4 py-3">
              <Badge tone="accent">{info.label}</Badge>
              <h3 id={`${anchor}-heading`} className="flex min-w-0 flex-wrap items-center gap-x-2 text-sm font-semibold text-slate-900">
                {change.from ? (
                  <Link href={versionHref(props.serviceSlug, change.kind, change.from.id)} className={link}>
                    {change.from.label}
                  </Link>
                ) : (
                  <span className="font-normal text-slate-500">no live version</span>
                )}
                <span aria-label="to" className="text-slate-400">
                  →
                </span>
                <Link href={versionHref(props.serviceSlug, change.kind, change.to.id)} className={link}>
                  {change.to.label}
                </Link>
              </h3>
              <span className="flex items-center gap-1 text-xs text-slate-500 sm:ml-auto">
                {change.from ? <ShortHash hash={change.from.contentHash} /> : null}
                {change.from ? <span aria-hidden="true">→</span> : null}
                <ShortHash hash={change.to.contentHash} />
              </span>
            </header>
            <div className="min-w-0 overflow-x-auto px-4 pb-4">
              <p className="mt-3 text-xs text-slate-500">
                {info.governs}. {info.diffStyle === "text" ? "Line diff of the instructions, then the other fields." : "Structural diff of the configuration, path by path."}
                {change.from ? null : " The service has no live version of this component, so everything is new."}
              </p>
              <ComponentContentDiff
                diff={diff}
                kindNoun={info.label.toLowerCase()}
                fullHref={info.diffStyle === "text" ? props.toggleFullHref(anchor) : undefined}
                full={props.full}
              />
            </div>
          </section>
        );
      })}
    </div>
  );
}
