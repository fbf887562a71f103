import type { ReactNode } from "react";
import { Badge, Mono, type Tone } from "./ui";
import { COMPONENT_KIND_CATALOGUE } from "@/lib/components/kinds";

/** Badges and identifiers shared by the release, change-request and component pages. */

const CR_STATES: Record<string, { label: string; tone: Tone }> = {
  draft: { label: "Draft", tone: "neutral" },
  in_review: { label: "In review", tone: "info" },
  changes_requested: { label: "Changes requested", tone: "warning" },
  approved: { label: "Approved", tone: "accent" },
  rejected: { label: "Rejected", tone: "danger" },
  rolling_out: { label: "Rolling out", tone: "info" },
  paused: { label: "Paused", tone: "warning" },
  promoted: { label: "Promoted", tone: "success" },
  rolled_back: { label: "Rolled back", tone: "danger" },
  cancelled: { label: "Cancelled", tone: "neutral" },
};

export function crStateLabel(state: string): string {
  return CR_STATES[state]?.label ?? state;
}

export function CrStateBadge(props: { state: string; canaryStage?: number | null }) {
  const info = CR_STATES[props.state] ?? { label: props.state, tone: "neutral" as Tone };
  const stage = props.state === "rolling_out" && props.canaryStage != null ? ` · stage ${props.canaryStage + 1}` : "";
  return <Badge tone={info.tone}>{`${info.label}${stage}`}</Badge>;
}

const RISK: Record<string, Tone> = { low: "neutral", medium: "warning", high: "danger" };

export function RiskTierBadge(props: { tier: string }) {
  return (
    <Badge tone={RISK[props.tier] ?? "neutral"} title={`Risk tier: ${props.tier}`}>
      {`${props.tier} risk`}
    </Badge>
  );
}

const RELEASE_KINDS: Record<string, { label: string; tone: Tone }> = {
  initial: { label: "Initial", tone: "neutral" },
  deploy: { label: "Deploy", tone: "info" },
  promotion: { label: "Promotion", tone: "success" },
  rollback: { label: "Rollback", tone: "danger" },
  freeze: { label: "Freeze", tone: "warning" },
};

export function ReleaseKindBadge(props: { kind: string }) {
  const info = RELEASE_KINDS[props.kind] ?? { label: props.kind, tone: "neutral" as Tone };
  return <Badge tone={info.tone}>{info.label}</Badge>;
}

/** The component kind's human label, e.g. "Tool permissions". */
export function kindLabel(kind: string): string {
  return COMPONENT_KIND_CATALOGUE.find((k) => k.kind === kind)?.label ?? kind;
}

/** A content hash shortened to 12 characters; the full one is in the tooltip. */
export function ShortHash(props: { hash: string }) {
  return <Mono title={`sha-256 ${props.hash}`}>{props.hash.slice(0, 12)}</Mono>;
}

/** A monospace id (release id, CR number, …). */
export function Id(props: { children: ReactNode; title?: string }) {
  return <span title={props.title} className="font-mono text-xs text-slate-800">{props.children}</span>;
}

/** "3 days ago" style distance, for hints next to absolute times. */
export function relativeTime(value: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - value.getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  const unit =
    s < 60 ? "just now"
    : s < 3600 ? `${Math.floor(s / 60)} min`
    : s < 86_400 ? `${Math.floor(s / 3600)} h`
    : `${Math.floor(s / 86_400)} d`;
  if (unit === "just now") return unit;
  return future ? `in ${unit}` : `${unit} ago`;
}

/** Where a component version's page lives. */
export function versionHref(serviceSlug: string, kind: string, versionId: string, against?: string): string {
  const base = `/services/${encodeURIComponent(serviceSlug)}/components/${encodeURIComponent(kind)}/${encodeURIComponent(versionId)}`;
  return against ? `${base}?against=${encodeURIComponent(against)}#diff` : base;
}
