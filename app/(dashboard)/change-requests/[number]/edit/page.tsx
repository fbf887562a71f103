import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CrStateBadge } from "@/app/_components/badges";
import { ButtonLink, PageHeader } from "@/app/_components/ui";
import { requirePageActor } from "@/lib/auth/session";
import { allowedActions, transition } from "@/lib/changes/state-machine";
import { getChangeRequestForEditing, listAuthoringServices } from "@/lib/changes/authoring-queries";
import { ChangeRequestForm } from "../../_authoring/change-request-form";

type Params = { number: string };

export async function generateMetadata(props: { params: Promise<Params> }): Promise<Metadata> {
  const { number } = await props.params;
  return { title: `Edit CR-${number}` };
}

export default async function EditChangeRequestPage(props: { params: Promise<Params> }) {
  const actor = await requirePageActor("changeRequest.create");
  const { number } = await props.params;
  if (!/^\d{1,9}$/.test(number)) notFound();
  const cr = await getChangeRequestForEditing({ actor, number: Number(number) });
  if (!cr) notFound();

  // A draft is edited in place; anything reviewers have seen gets a new revision instead.
  const action = cr.state === "draft" ? "edit" : "revise";
  const isAuthor = cr.authorId === actor.id;
  const allowed = allowedActions(cr.state, actor.role, isAuthor).includes(action);
  const detailHref = `/change-requests/${cr.number}`;
  const back = (
    <Link href={detailHref} className="hover:text-slate-800">
      ← CR-{cr.number}
    </Link>
  );

  if (!allowed) {
    const refusal = transition({ from: cr.state, action, actorRole: actor.role, isAuthor });
    return (
      <>
        <PageHeader eyebrow={back} title={`CR-${cr.number} cannot be edited`} />
        <div role="status" className="max-w-2xl rounded-lg border border-amber-300 bg-amber-50 px-4 py-4 text-sm text-amber-950">
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-semibold">{cr.title}</span>
            <CrStateBadge state={cr.state} />
          </div>
          <p className="mt-2">{refusal.ok ? "You cannot edit this change request." : refusal.reason}</p>
          <div className="mt-4">
            <ButtonLink href={detailHref}>Back to CR-{cr.number}</ButtonLink>
          </div>
        </div>
      </>
    );
  }

  const services = await listAuthoringServices({ actor });
  const revise = action === "revise";
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={revise ? `New revision of CR-${cr.number}` : `Edit draft CR-${cr.number}`}
        description={cr.title}
        actions={<CrStateBadge state={cr.state} />}
      />
      <div
        role="note"
        className={`mb-6 rounded-lg border px-4 py-3 text-sm ${revise ? "border-amber-300 bg-amber-50 text-amber-950" : "border-sky-200 bg-sky-50 text-sky-950"}`}
      >
        {revise ? (
          <>
            <span className="font-semibold">
              Saving creates revision {cr.currentRevision + 1} and drops the current approvals.
            </span>{" "}
            Reviewers see the new diff and decide again; the risk tier is recomputed.
          </>
        ) : (
          <>This is a draft: saving updates it in place. Nobody reviews it until you submit it.</>
        )}
      </div>
      <ChangeRequestForm
        services={services}
        mode={{
          type: "edit",
          changeRequestId: cr.id,
          expectedLockVersion: cr.lockVersion,
          number: cr.number,
          revise,
          nextRevision: cr.currentRevision + 1,
          initial: {
            serviceSlug: cr.serviceSlug,
            title: cr.title,
            description: cr.description,
            touchedDomains: cr.touchedDomains,
            securityImpact: cr.securityImpact,
            expectedMetricShift: cr.expectedMetricShift,
            rollbackPlan: cr.rollbackPlan,
            components: cr.components.map((c) => ({ kind: c.kind, versionId: c.toVersionId })),
          },
        }}
      />
    </>
  );
}
