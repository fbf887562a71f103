import type { Metadata } from "next";
import Link from "next/link";
import { EmptyState, PageHeader } from "@/app/_components/ui";
import { requirePageActor } from "@/lib/auth/session";
import { listAuthoringServices } from "@/lib/changes/authoring-queries";
import { ChangeRequestForm } from "../_authoring/change-request-form";

export const metadata: Metadata = { title: "New change request" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function NewChangeRequestPage(props: { searchParams: Promise<SearchParams> }) {
  const actor = await requirePageActor("changeRequest.create");
  const [services, search] = await Promise.all([listAuthoringServices({ actor }), props.searchParams]);
  const wanted = Array.isArray(search.service) ? search.service[0] : search.service;
  const defaultServiceSlug = services.find((s) => s.slug === wanted)?.slug;

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/change-requests" className="hover:text-slate-800">
            ← Change requests
          </Link>
        }
        title="New change request"
        description="Propose a change to one or two components of a service. The risk tier and the gates it must pass update as you edit; the server decides them when you save."
      />
      {services.length === 0 ? (
        <EmptyState title="There are no services yet">An admin adds services before anyone can propose changes to them.</EmptyState>
      ) : (
        <ChangeRequestForm services={services} mode={{ type: "new", defaultServiceSlug }} />
      )}
    </>
  );
}
