"use client";

import { useMemo } from "react";
import { Badge } from "@/app/_components/ui";
import { APPROVAL_REQUIREMENTS } from "@/lib/changes/approval-policy";
import { requiredGates } from "@/lib/changes/gates";
import { checkComponentCount, checkDistinctKinds, checkHighRiskKinds, type RuleCheck } from "@/lib/changes/release-rules";
import { classifyRisk, componentRisk, sensitiveDomainsTouched } from "@/lib/changes/risk";
import { kindInfo, type ComponentKind, type RiskTier } from "@/lib/components/kinds";

/**
 * The live risk preview: the same pure classifier, gate ladder and release rules the server
 * runs, fed from the form as the author types. The server recomputes all of it on save; this
 * panel only shows what to expect.
 */

const TIER_STYLE: Record<RiskTier, { box: string; pill: string; blurb: string }> = {
  low: {
    box: "border-slate-200 bg-slate-50",
    pill: "bg-white text-slate-800 ring-slate-300",
    blurb: "A smoke test and a small canary.",
  },
  medium: {
    box: "border-amber-200 bg-amber-50",
    pill: "bg-white text-amber-900 ring-amber-300",
    blurb: "Offline evaluation and a three-stage canary.",
  },
  high: {
    box: "border-rose-200 bg-rose-50",
    pill: "bg-white text-rose-800 ring-rose-300",
    blurb: "Security review, offline evaluation, a careful canary and a rollback plan.",
  },
};

const TIER_TONE = { low: "neutral", medium: "warning", high: "danger" } as const;

export function RiskPanel(props: {
  kinds: (ComponentKind | "")[];
  touchedDomains: string[];
  securityImpact: boolean;
  sensitiveDomains: string[];
  serviceChosen: boolean;
}) {
  const { kinds, touchedDomains, securityImpact, sensitiveDomains } = props;
  const preview = useMemo(() => {
    const chosen = kinds.filter((k): k is ComponentKind => Boolean(k));
    const settings = { sensitiveDomains };
    const risk = classifyRisk({ components: chosen.map((kind) => ({ kind })), touchedDomains, securityImpact }, settings);
    const sensitive = sensitiveDomainsTouched(touchedDomains, sensitiveDomains);
    const rules: RuleCheck[] = [
      checkComponentCount(kinds.length),
      checkDistinctKinds(chosen),
      checkHighRiskKinds({ kinds: chosen, touchedDomains }, settings),
    ];
    return {
      risk,
      gates: requiredGates(risk.tier),
      perComponent: [...new Set(chosen)].map((kind) => componentRisk(kindInfo(kind), sensitive)),
      broken: rules.flatMap((r) => (r.ok ? [] : [r])),
    };
  }, [kinds, touchedDomains, securityImpact, sensitiveDomains]);

  const { risk, gates, perComponent, broken } = preview;
  const style = TIER_STYLE[risk.tier];
  const approvals = APPROVAL_REQUIREMENTS[risk.tier];
  const canary = gates.filter((g) => g.canaryPercent !== undefined).map((g) => `${g.canaryPercent}%`);

  return (
    <section aria-labelledby="risk-panel-title" className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className={`border-b px-4 py-3 ${style.box}`}>
        <div className="flex items-center justify-between gap-2">
          <h2 id="risk-panel-title" className="text-sm font-semibold text-slate-900">
            Risk preview
          </h2>
          <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Live</span>
        </div>
        <div className="mt-2 flex flex-wrap items-center gap-2" aria-live="polite">
          <span
            data-testid="risk-tier"
            className={`inline-flex items-center rounded-md px-2.5 py-1 text-base font-semibold ring-1 ring-inset ${style.pill}`}
          >
            {risk.tier} risk
          </span>
          <span className="text-xs text-slate-600">{style.blurb}</span>
        </div>
        <p className="mt-2 text-xs text-slate-600">
          A preview from what you have entered. Changegate recomputes the tier and gates on the server when you save; the
          author cannot lower them.
        </p>
      </header>

      <div className="space-y-4 px-4 py-4 text-sm">
        {broken.length ? (
          <div className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2" role="status">
            <p className="text-xs font-semibold uppercase tracking-wide text-amber-900">Release rules · the server will refuse this</p>
            <ul className="mt-1 space-y-1 text-amber-950" data-testid="rule-warnings">
              {broken.map((r) => (
                <li key={r.rule}>{r.message}</li>
              ))}
            </ul>
          </div>
        ) : null}

        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Why {risk.tier}</h3>
          <ul data-testid="risk-reasons" className="mt-1.5 space-y-1.5 text-slate-800">
            {risk.reasons.map((reason) => (
              <li key={reason} className="flex gap-2">
                <span aria-hidden="true" className="mt-1.5 h-1.5 w-1.5 shrink-0 rounded-full bg-slate-400" />
                <span>{reason}</span>
              </li>
            ))}
          </ul>
          {perComponent.length ? (
            <ul aria-label="Risk per component" className="mt-2 flex flex-wrap gap-1.5">
              {perComponent.map((c) => (
                <li key={c.kind}>
                  <Badge tone={TIER_TONE[c.tier]} title={c.raisedBySensitiveDomain ? "Raised by a sensitive domain" : undefined}>
                    {kindInfo(c.kind).label} · {c.tier}
                    {c.raisedBySensitiveDomain ? " ↑" : ""}
                  </Badge>
                </li>
              ))}
            </ul>
          ) : null}
          {!props.serviceChosen ? (
            <p className="mt-2 text-xs text-slate-500">Choose a service to apply its sensitive domains.</p>
          ) : null}
        </div>

        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Required gates, in order</h3>
          <ol data-testid="required-gates" className="mt-1.5 space-y-2">
            {gates.map((gate, i) => (
              <li key={gate.key} className="flex gap-2.5">
                <span
                  aria-hidden="true"
                  className="mt-0.5 flex h-5 w-5 shrink-0 items-center justify-center rounded-full bg-slate-100 text-[11px] font-semibold tabular-nums text-slate-600 ring-1 ring-inset ring-slate-200"
                >
                  {i + 1}
                </span>
                <div className="min-w-0">
                  <p className="font-medium text-slate-900">{gate.label}</p>
                  <p className="text-xs text-slate-600">{gate.passesWhen}</p>
                </div>
              </li>
            ))}
          </ol>
          <p className="mt-2 text-xs text-slate-500">
            Canary {canary.join(" → ")}, then promotion to 100% makes it the stable release.
          </p>
        </div>

        <div>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Approvals</h3>
          <p className="mt-1 text-slate-800">
            {approvals.approvals === 1 ? "One approval" : `${approvals.approvals} approvals`}
            {approvals.securityApprovals ? `, one of them from a security reviewer` : ""}. Nobody approves their own change request.
          </p>
        </div>
      </div>
    </section>
  );
}
