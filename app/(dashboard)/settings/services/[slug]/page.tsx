import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { eq } from "drizzle-orm";
import { Card, PageHeader } from "@/app/_components/ui";
import { getDb } from "@/db/client";
import { services } from "@/db/schema";
import { requirePageActor } from "@/lib/auth/session";
import { describeMethod } from "@/lib/canary/analysis";
import { GUARD_METRIC_IDS, METRIC_DEFINITIONS } from "@/lib/canary/metrics";
import { GUARD_FIELD, toPp } from "@/lib/services/canary-rules";
import { settingsRevision } from "@/lib/services/settings-commands";
import { serviceSettingsSchema } from "@/lib/services/settings";
import { CanaryRulesForm } from "./canary-rules-form";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Canary rules · Settings" };

export default async function ServiceSettingsPage(props: { params: Promise<{ slug: string }> }) {
  await requirePageActor("services.manage");
  const { slug } = await props.params;
  const db = await getDb();
  const [service] = await db.select().from(services).where(eq(services.slug, slug));
  if (!service) notFound();
  const settings = serviceSettingsSchema.parse(service.settings ?? {});

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/settings" className="hover:underline">
            Settings
          </Link>
        }
        title={`Canary rules · ${service.name}`}
        description="What a canary stage must show against the 7-day baseline before the rollout goes further. Changes are audited and apply to running canaries from the judge's next look."
      />
      <Card>
        <CanaryRulesForm
          serviceId={service.id}
          revision={settingsRevision(service.settings)}
          values={{
            canaryAdvance: settings.canaryAdvance,
            minStageMinutes: settings.canary.minStageMinutes,
            minStageRequests: settings.canary.minStageRequests,
            resolvedRateMaxDropPp: settings.promotion.resolvedRateMaxDropPp,
            policyViolationMaxIncreasePp: toPp(settings.promotion.policyViolationMaxIncrease),
            costPerResolvedMaxIncreasePct: settings.promotion.costPerResolvedMaxIncreasePct,
            p95LatencyMaxIncreasePct: settings.promotion.p95LatencyMaxIncreasePct,
            guards: GUARD_METRIC_IDS.map((id) => {
              const value = settings.canary.guardThresholds[id];
              return { field: GUARD_FIELD[id], label: `${METRIC_DEFINITIONS[id].label} (${id})`, valuePp: value === undefined ? null : toPp(value) };
            }),
          }}
        />
        <p className="mt-6 border-t border-slate-100 pt-4 text-xs text-slate-500">{describeMethod(settings.canary.alpha)}</p>
      </Card>
    </>
  );
}
